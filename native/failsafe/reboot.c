/* The reboot request (see reboot.h; init.d/failsafe-listener holds the FIFO's reader). */
#define _GNU_SOURCE
#include "reboot.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "spawn.h"

#define REQUEST "reboot\n"
#define HINT "create it with mkfifo and keep a reader on it (init.d/failsafe-listener does both), or use --reboot-cmd"

int jc_fs_check_fifo(const char *path, struct jc_fs_error *e) {
  struct stat st;
  char why[96];
  if (stat(path, &st) < 0) return jc_fs_fail(e, HINT, "--reboot-fifo %s: cannot use it (%s)", path, jc_fs_errno_text(errno, why, sizeof why));
  if (!S_ISFIFO(st.st_mode)) return jc_fs_fail(e, HINT, "--reboot-fifo %s: not a FIFO", path);
  return 0;
}

int jc_fs_request_reboot(const char *path, struct jc_fs_error *e) {
  char why[96];
  struct stat st;
  int fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0 && errno == ENXIO) return jc_fs_fail(e, HINT, "reboot request: nothing reads %s (ENXIO); not rebooting", path);
  if (fd < 0) return jc_fs_fail(e, HINT, "reboot request: cannot open %s (%s)", path, jc_fs_errno_text(errno, why, sizeof why));
  int rc = 0;
  if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) rc = jc_fs_fail(e, HINT, "reboot request: %s is not a FIFO; not rebooting", path);
  else {
    /* one write shorter than PIPE_BUF is atomic */
    ssize_t n = write(fd, REQUEST, sizeof REQUEST - 1);
    if (n < 0) rc = jc_fs_fail(e, HINT, "reboot request: cannot write to %s (%s)", path, jc_fs_errno_text(errno, why, sizeof why));
    else if (n != sizeof REQUEST - 1) rc = jc_fs_fail(e, HINT, "reboot request: short write to %s (%zd of %zu bytes)", path, n, sizeof REQUEST - 1);
  }
  close(fd);
  return rc;
}

pid_t jc_fs_run_reboot_cmd(const char *cmd, struct jc_fs_error *e) {
  char why[96];
  char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
  pid_t pid = jc_fs_spawn(argv, -1);
  if (pid < 0) jc_fs_fail(e, NULL, "cannot run the reboot command %s: fork(2): %s", cmd, jc_fs_errno_text(errno, why, sizeof why));
  return pid;
}
