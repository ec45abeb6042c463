/* The service's host pid for the pidfile and the state file: pid 1 of the jail forks exactly
 * one process, the service, so its first child is it. /proc/PID/task/PID/children needs
 * CONFIG_PROC_CHILDREN, which router kernels may lack; then /proc is scanned for the ppid. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "children.h"

static ssize_t read_small(const char *path, char *buf, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, size - 1);
  close(fd);
  if (n >= 0) buf[n] = '\0';
  return n;
}

/* ppid from /proc/PID/stat: the field after the state, past the last ')' of the comm */
static pid_t parent_of(const char *pid) {
  char path[300], buf[512];
  snprintf(path, sizeof path, "/proc/%.280s/stat", pid);
  if (read_small(path, buf, sizeof buf) <= 0) return 0;
  char *end = strrchr(buf, ')');
  if (!end || end[1] != ' ' || end[2] == '\0' || end[3] != ' ') return 0;
  return (pid_t)atoi(end + 4);
}

pid_t jc_first_child(pid_t parent) {
  char path[64], buf[256];
  snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)parent, (int)parent);
  if (read_small(path, buf, sizeof buf) >= 0) return (pid_t)atoi(buf);
  DIR *dir = opendir("/proc");
  if (!dir) return 0;
  pid_t found = 0;
  for (struct dirent *e; !found && (e = readdir(dir));)
    if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && parent_of(e->d_name) == parent) found = (pid_t)atoi(e->d_name);
  closedir(dir);
  return found;
}
