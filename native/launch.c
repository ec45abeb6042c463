/* jailctl-launch: the small native supervisor Node exec()s into (src/native/launch.ts).
 * It reads a prepared plan from the fd named in argv[1], clone()s the jail's pid 1, runs the
 * parent-side steps, releases the child, forwards signals, and exits with the service's
 * status. It stays resident beside the service, so it must stay tiny (static, no Node). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fail.h"
#include "jail.h"
#include "ops.h"
#include "resident.h"

static pid_t g_child;

static void forward_to_child(int sig) {
  if (g_child > 0) kill(g_child, sig);
}

/* The plan arrives in a memfd (jailctl run) or a pipe (jailctl trace, which stays to read
 * the trace): read it all. */
static int read_plan(int fd, unsigned char **out, size_t *len) {
  size_t cap = 1 << 16, got = 0;
  unsigned char *buf = malloc(cap);
  if (!buf) return -1;
  for (;;) {
    if (got == cap) {
      if (cap >= (64u << 20)) { free(buf); errno = EFBIG; return -1; }
      unsigned char *bigger = realloc(buf, cap *= 2);
      if (!bigger) { free(buf); return -1; }
      buf = bigger;
    }
    ssize_t n = read(fd, buf + got, cap - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) { free(buf); return -1; }
    if (n == 0) break;
    got += (size_t)n;
  }
  *out = buf;
  *len = got;
  return 0;
}

/* Closes every inherited descriptor above stderr except the trace fd the plan names. */
static void close_inherited(const struct jc_plan *plan) {
  int keep = -1;
  for (uint32_t i = 0; i < plan->nops; i++)
    if (plan->ops[i].code == JC_OP_TRACE && plan->ops[i].nints >= 1) keep = (int)plan->ops[i].ints[0];
  if (keep < 3) { syscall(SYS_close_range, 3U, ~0U, 0U); return; }
  if (keep > 3) syscall(SYS_close_range, 3U, (unsigned)keep - 1, 0U);
  syscall(SYS_close_range, (unsigned)keep + 1, ~0U, 0U);
}

/* Node leaves SIGPIPE ignored and may leave stdio non-blocking; neither may reach the service. */
static void reset_inherited_state(void) {
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &dfl, NULL);
  for (int fd = 0; fd < 3; fd++) {
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && (fl & O_NONBLOCK)) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
  }
}

static void run_cleanup(const struct jc_plan *plan) {
  struct jc_ctx ctx = {0};
  struct jc_fail fail;
  for (uint32_t i = 0; i < plan->nops; i++)
    if (plan->ops[i].phase == JC_PHASE_CLEANUP && jc_run_op(plan, i, &ctx, &fail) < 0)
      jc_report_fail(plan, &fail);
}

static int status_to_exit(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 125;
}

static void reap(pid_t pid, int *status) {
  while (waitpid(pid, status, 0) < 0 && errno == EINTR) {}
}

/* Parent-side steps (id maps, cgroup) run while the child waits on the sync pipe. */
static int run_parent_phase(const struct jc_plan *plan, pid_t child, struct jc_fail *fail) {
  struct jc_ctx ctx = {child};
  for (uint32_t i = 0; i < plan->nops; i++)
    if (plan->ops[i].phase == JC_PHASE_PARENT && jc_run_op(plan, i, &ctx, fail) < 0) return -1;
  return 0;
}

static int fail_and_exit(const struct jc_plan *plan, pid_t child, const struct jc_fail *fail) {
  int status;
  if (child > 0) { kill(child, SIGKILL); reap(child, &status); }
  jc_report_fail(plan, fail);
  run_cleanup(plan);
  return jc_fail_exit_code(plan, fail);
}

static int supervise(const struct jc_plan *plan, struct jc_jail_args *args, pid_t child) {
  struct sigaction fwd;
  memset(&fwd, 0, sizeof fwd);
  fwd.sa_handler = forward_to_child;
  fwd.sa_flags = SA_RESTART;
  for (int i = 0; i < args->nsignals; i++) sigaction(args->signals[i], &fwd, NULL);
  sigprocmask(SIG_SETMASK, &args->saved_mask, NULL);
  jc_trim_resident();
  int status = 0, service_status = 0;
  reap(child, &status);
  ssize_t n;
  do n = read(args->status_pipe[0], &service_status, sizeof service_status); while (n < 0 && errno == EINTR);
  run_cleanup(plan);
  return n == sizeof service_status ? status_to_exit(service_status) : status_to_exit(status);
}

int main(int argc, char **argv) {
  struct jc_plan plan;
  unsigned char *buf;
  size_t len;
  const char *err;
  if (argc != 2) { fprintf(stderr, "usage: jailctl-launch PLAN_FD (run by jailctl, not by hand)\n"); return 125; }
  int plan_fd = atoi(argv[1]);
  if (read_plan(plan_fd, &buf, &len) < 0) { fprintf(stderr, "jailctl: cannot read launch plan from fd %d: %s\n", plan_fd, strerror(errno)); return 125; }
  close(plan_fd);
  if (jc_plan_parse(buf, len, &plan, &err) < 0) { fprintf(stderr, "jailctl: launch plan: %s\n", err); return 125; }
  close_inherited(&plan); /* nothing of Node's may reach the jail */
  reset_inherited_state();

  struct jc_jail_args args;
  struct jc_fail fail = {-1, JC_SYS_NONE, 0};
  if (jc_jail_prepare(&plan, &args) < 0) { fail.sys = JC_SYS_CLONE; fail.err = errno; return fail_and_exit(&plan, 0, &fail); }
  pid_t child = jc_jail_clone(&args);
  if (child < 0) { fail.op_index = args.clone_op; fail.sys = JC_SYS_CLONE; fail.err = errno; return fail_and_exit(&plan, 0, &fail); }
  g_child = child;
  close(args.sync_pipe[0]);
  close(args.error_pipe[1]);
  close(args.status_pipe[1]);
  if (run_parent_phase(&plan, child, &fail) < 0) return fail_and_exit(&plan, child, &fail);
  if (write(args.sync_pipe[1], "R", 1) != 1) { fail.sys = JC_SYS_WRITE; fail.err = errno; return fail_and_exit(&plan, child, &fail); }
  close(args.sync_pipe[1]);
  ssize_t n;
  do n = read(args.error_pipe[0], &fail, sizeof fail); while (n < 0 && errno == EINTR);
  if (n == sizeof fail) return fail_and_exit(&plan, child, &fail);
  close(args.error_pipe[0]);
  return supervise(&plan, &args, child);
}
