/* fork + exec for the reboot command and the RESCUE helper (see spawn.h). Our descriptors are
 * all close-on-exec: children get stdio (and fd 3 when asked) and nothing else. */
#define _GNU_SOURCE
#include "spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

pid_t jc_fs_spawn(char *const argv[], int fd3) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_DFL); /* ignored by the daemon; an ignored signal stays ignored across execve */
  if (fd3 >= 0 && fd3 != 3 && dup2(fd3, 3) < 0) _exit(127);
  if (fd3 == 3) fcntl(3, F_SETFD, 0);
  execv(argv[0], argv);
  _exit(127);
}
