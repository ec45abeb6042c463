/* Starting the RESCUE helper (see rescue.h). RESCUE's param: allowed_ipv4[4], port u16,
 * seconds u16 (big-endian), zero[8]; already checked by the codec. */
#define _GNU_SOURCE
#include "rescue.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include "spawn.h"

pid_t jc_fs_start_rescue(char *const helper[], const uint8_t param[16], int *status_fd, struct jc_fs_error *e) {
  char ip[16], port[8], seconds[8], why[96];
  char *argv[JC_FS_MAX_HELPER_ARGS + 4];
  int n = 0;
  while (helper[n] && n < JC_FS_MAX_HELPER_ARGS) { argv[n] = helper[n]; n++; }
  snprintf(ip, sizeof ip, "%u.%u.%u.%u", param[0], param[1], param[2], param[3]);
  snprintf(port, sizeof port, "%u", (unsigned)param[4] << 8 | param[5]);
  snprintf(seconds, sizeof seconds, "%u", (unsigned)param[6] << 8 | param[7]);
  argv[n++] = ip;
  argv[n++] = port;
  argv[n++] = seconds;
  argv[n] = NULL;
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0) return jc_fs_fail(e, NULL, "rescue: pipe(2): %s", jc_fs_errno_text(errno, why, sizeof why));
  pid_t pid = jc_fs_spawn(argv, pipefd[1]);
  int err = errno;
  close(pipefd[1]);
  if (pid < 0) { close(pipefd[0]); return jc_fs_fail(e, NULL, "rescue: cannot start %s: fork(2): %s", argv[0], jc_fs_errno_text(err, why, sizeof why)); }
  *status_fd = pipefd[0];
  return pid;
}

int jc_fs_read_rescue_status(int status_fd) {
  unsigned char status;
  ssize_t n;
  do n = read(status_fd, &status, 1); while (n < 0 && errno == EINTR);
  if (n == 1) return status <= 2 ? status : 2;
  return n == 0 ? -2 : -1;
}
