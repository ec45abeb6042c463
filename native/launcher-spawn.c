/* Starting the launcher as a child while Node stays (jailctl trace; src/native/spawn.ts), without
 * node:child_process: the whole plan is in a memfd on fd 3 before the launcher runs (it reads it
 * at once, instead of waiting for Node's event loop to write and close a pipe), the trace records
 * come back on a pipe at fd 4, and waiting for the exit happens on a thread-pool thread (the
 * reaping itself on Node's, so that a signal we forward never reaches a recycled pid). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher-spawn.h"

#define PLAN_FD 3
#define TRACE_FD 4
#define TRACE_PIPE_BYTES (256 << 10)

static int write_all(int fd, const unsigned char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

int jc_plan_memfd(const unsigned char *plan, size_t plan_len, int cloexec) {
  int fd = memfd_create("jailctl-plan", cloexec ? MFD_CLOEXEC : 0);
  if (fd < 0) return -errno;
  if (write_all(fd, plan, plan_len) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

static void close_all(const int *fds, int n) {
  for (int i = 0; i < n; i++) if (fds[i] >= 0) close(fds[i]);
}

/* The launcher's descriptors, as dup2 actions from close-on-exec copies: dup2 gives the target
 * without close-on-exec (Node marks its own stdio close-on-exec), and the copies vanish at exec. */
static int add_fd_actions(posix_spawn_file_actions_t *fa, int *copies, int plan_fd, int trace_w, int stdout_from_stderr) {
  int sources[5] = {0, stdout_from_stderr ? 2 : 1, 2, plan_fd, trace_w};
  for (int target = 0; target < 5; target++) {
    copies[target] = fcntl(sources[target], F_DUPFD_CLOEXEC, 5);
    if (copies[target] < 0) return -errno;
  }
  for (int target = 0; target < 5; target++) {
    int rc = posix_spawn_file_actions_adddup2(fa, copies[target], target);
    if (rc) return -rc;
  }
  return 0;
}

static int spawn_with(const char *path, int plan_fd, int trace_w, int stdout_from_stderr, pid_t *pid) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  int copies[5] = {-1, -1, -1, -1, -1}, rc;
  if ((rc = posix_spawn_file_actions_init(&fa))) return -rc;
  if ((rc = posix_spawnattr_init(&attr))) { posix_spawn_file_actions_destroy(&fa); return -rc; }
  /* the launcher starts as libuv would start it: no signal blocked, every disposition default */
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  rc = add_fd_actions(&fa, copies, plan_fd, trace_w, stdout_from_stderr);
  if (!rc) rc = -posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  if (!rc) rc = -posix_spawnattr_setsigmask(&attr, &none);
  if (!rc) rc = -posix_spawnattr_setsigdefault(&attr, &all);
  /* no host path in its argv, no environment: as execLauncher starts it */
  char *const args[] = {"jailctl-launch", "3", NULL};
  char *const envp[] = {NULL};
  if (!rc) rc = -posix_spawn(pid, path, &fa, &attr, args, envp);
  close_all(copies, 5);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  return rc;
}

int jc_spawn_launcher(const char *path, const unsigned char *plan, size_t plan_len, int stdout_from_stderr, pid_t *pid, int *trace_r) {
  int plan_fd = jc_plan_memfd(plan, plan_len, 1), pipe_fds[2] = {-1, -1}, rc = 0;
  if (plan_fd < 0) return plan_fd;
  if (pipe2(pipe_fds, O_CLOEXEC) < 0) rc = -errno;
  /* room for a few of the tracer's 64 KiB batches while Node is busy; the default is enough */
  if (!rc) (void)fcntl(pipe_fds[1], F_SETPIPE_SZ, TRACE_PIPE_BYTES);
  if (!rc) rc = spawn_with(path, plan_fd, pipe_fds[1], stdout_from_stderr, pid);
  close(plan_fd);
  if (pipe_fds[1] >= 0) close(pipe_fds[1]);
  if (rc) {
    if (pipe_fds[0] >= 0) close(pipe_fds[0]);
    return rc;
  }
  *trace_r = pipe_fds[0];
  return 0;
}

int jc_wait_exit(pid_t pid) {
  siginfo_t info;
  for (;;) {
    if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) == 0) return 0;
    if (errno != EINTR) return -errno;
  }
}

int jc_reap(pid_t pid, int *status) {
  for (;;) {
    pid_t got = waitpid(pid, status, 0);
    if (got == pid) return 0;
    if (got < 0 && errno != EINTR) return -errno;
  }
}
