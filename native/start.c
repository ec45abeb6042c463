/* One start of the jail, shared by `jailctl run` (once) and supervised services (again after
 * every crash). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ops.h"
#include "start.h"

void jc_reap(pid_t pid, int *status) {
  while (waitpid(pid, status, 0) < 0 && errno == EINTR) {}
}

int jc_status_to_exit(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 125;
}

void jc_run_cleanup(const struct jc_plan *plan) {
  struct jc_ctx ctx = {0};
  struct jc_fail fail;
  for (uint32_t i = 0; i < plan->nops; i++)
    if (plan->ops[i].phase == JC_PHASE_CLEANUP && jc_run_op(plan, i, &ctx, &fail) < 0) jc_report_fail(plan, &fail);
}

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

static pid_t abandon(pid_t child, struct jc_jail_args *args) {
  int status;
  if (child > 0) { kill(child, SIGKILL); jc_reap(child, &status); }
  int *fds[] = {&args->sync_pipe[1], &args->error_pipe[0], &args->status_pipe[0], &args->out_pipe[0], &args->err_pipe[0]};
  for (unsigned i = 0; i < sizeof fds / sizeof *fds; i++) close_fd(fds[i]);
  return -1;
}

pid_t jc_start_jail(const struct jc_plan *plan, struct jc_jail_args *args, int capture_output, struct jc_fail *fail) {
  struct jc_ctx ctx;
  fail->op_index = -1;
  fail->sys = JC_SYS_CLONE;
  if (jc_jail_pipes(args, capture_output) < 0) { fail->err = errno; return -1; }
  pid_t child = jc_jail_clone(args);
  if (child < 0) { fail->op_index = args->clone_op; fail->err = errno; close_fd(&args->sync_pipe[0]); close_fd(&args->error_pipe[1]); close_fd(&args->status_pipe[1]); close_fd(&args->out_pipe[1]); close_fd(&args->err_pipe[1]); return abandon(0, args); }
  int *child_ends[] = {&args->sync_pipe[0], &args->error_pipe[1], &args->status_pipe[1], &args->out_pipe[1], &args->err_pipe[1]};
  for (unsigned i = 0; i < sizeof child_ends / sizeof *child_ends; i++) close_fd(child_ends[i]);
  /* id maps and the cgroup, while the child waits on the sync pipe */
  ctx.child_pid = child;
  for (uint32_t i = 0; i < plan->nops; i++)
    if (plan->ops[i].phase == JC_PHASE_PARENT && jc_run_op(plan, i, &ctx, fail) < 0) return abandon(child, args);
  if (write(args->sync_pipe[1], "R", 1) != 1) { fail->sys = JC_SYS_WRITE; fail->err = errno; return abandon(child, args); }
  close_fd(&args->sync_pipe[1]);
  ssize_t n;
  do n = read(args->error_pipe[0], fail, sizeof *fail); while (n < 0 && errno == EINTR);
  if (n == sizeof *fail) return abandon(child, args);
  close_fd(&args->error_pipe[0]);
  return child;
}
