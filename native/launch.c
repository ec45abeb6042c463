/* jailctl-launch: the small native supervisor Node exec()s into (src/native/index.ts).
 * It reads a prepared plan from the fd named in argv[1] (or a stored plan: --plan FILE, no Node
 * at all), clone()s the jail's pid 1, runs the parent-side steps, releases the child, forwards
 * signals, and exits with the service's status. It stays resident beside the service, so it
 * must stay tiny (static, no Node). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fail.h"
#include "jail.h"
#include "plan-file.h"
#include "ops.h"
#include "resident.h"
#include "service.h"
#include "start.h"

static pid_t g_child;

static void forward_to_child(int sig) {
  if (g_child > 0) kill(g_child, sig);
}

/* Closes every inherited descriptor above stderr except those the plan names: the trace fd and
 * a supervised service's ready fd. */
static void close_inherited(const struct jc_plan *plan) {
  int keep[2] = {-1, -1};
  const struct jc_op *trace = jc_find_op(plan, JC_OP_TRACE), *service = jc_find_op(plan, JC_OP_SUPERVISE);
  if (trace && trace->nints >= 1) keep[0] = (int)trace->ints[0];
  if (service && service->nints >= 6) keep[1] = (int)service->ints[5];
  if (keep[0] > keep[1]) { int t = keep[0]; keep[0] = keep[1]; keep[1] = t; }
  unsigned from = 3;
  for (int i = 0; i < 2; i++) {
    if (keep[i] < (int)from) continue;
    if (keep[i] > (int)from) syscall(SYS_close_range, from, (unsigned)keep[i] - 1, 0U);
    from = (unsigned)keep[i] + 1;
  }
  syscall(SYS_close_range, from, ~0U, 0U);
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

static int fail_and_exit(const struct jc_plan *plan, const struct jc_fail *fail) {
  jc_report_fail(plan, fail);
  jc_run_cleanup(plan);
  return jc_fail_exit_code(plan, fail);
}

/* `jailctl run`: forward signals to pid 1 until it reports the service's status. */
static int supervise_once(const struct jc_plan *plan, struct jc_jail_args *args, pid_t child) {
  struct sigaction fwd;
  memset(&fwd, 0, sizeof fwd);
  fwd.sa_handler = forward_to_child;
  fwd.sa_flags = SA_RESTART;
  for (int i = 0; i < args->nsignals; i++) sigaction(args->signals[i], &fwd, NULL);
  sigprocmask(SIG_SETMASK, &args->saved_mask, NULL);
  jc_trim_resident();
  int status = 0, service_status = 0;
  jc_reap(child, &status);
  ssize_t n;
  do n = read(args->status_pipe[0], &service_status, sizeof service_status); while (n < 0 && errno == EINTR);
  jc_run_cleanup(plan);
  return n == sizeof service_status ? jc_status_to_exit(service_status) : jc_status_to_exit(status);
}

#define USAGE "usage: jailctl-launch PLAN_FD [TAG] (run by jailctl) | jailctl-launch --plan FILE [--check]\n"

/* The plan on the fd jailctl names; 0 or the exit status after one line. */
static int load_plan_fd(const char *arg, struct jc_plan *plan) {
  unsigned char *buf;
  size_t len;
  const char *err;
  int plan_fd = atoi(arg);
  if (jc_read_all(plan_fd, &buf, &len) < 0) { fprintf(stderr, "jailctl: cannot read launch plan from fd %d: %s\n", plan_fd, strerror(errno)); return 125; }
  close(plan_fd);
  if (jc_plan_parse(buf, len, plan, &err) < 0) { fprintf(stderr, "jailctl: launch plan: %s\n", err); return 125; }
  return 0;
}

/* argv: PLAN_FD [TAG] (TAG only names the service for `jailctl service stop` to find it by),
 * or --plan FILE with an optional --check (verify only, start nothing). */
static int load_plan(int argc, char **argv, struct jc_plan *plan, int *check_only) {
  const char *file = NULL;
  *check_only = 0;
  if ((argc == 2 || argc == 3) && argv[1][0] >= '0' && argv[1][0] <= '9') return load_plan_fd(argv[1], plan);
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--check") == 0) *check_only = 1;
    else if (strcmp(argv[i], "--plan") == 0 && i + 1 < argc) file = argv[++i];
    else { file = NULL; break; }
  }
  if (!file) { fputs(USAGE, stderr); return 125; }
  return jc_load_plan_file(file, plan);
}

int main(int argc, char **argv) {
  struct jc_plan plan;
  int check_only, status = load_plan(argc, argv, &plan, &check_only);
  if (status || check_only) return status;
  /* jailctl stays as our parent: if it dies, so do we, and with us the jail (its pid 1 has the
   * same death signal); if it is gone already, nothing starts */
  const struct jc_op *parent = jc_find_op(&plan, JC_OP_DIE_WITH_PARENT);
  if (parent && parent->nints == 1) {
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != (pid_t)parent->ints[0]) {
      fprintf(stderr, "jailctl: the jailctl that started this launcher (pid %lld) is gone; starting nothing\n", (long long)parent->ints[0]);
      return 125;
    }
  }
  close_inherited(&plan); /* nothing of Node's may reach the jail */
  reset_inherited_state();
  /* a jail that dies early closes its pipes: the launcher must see EPIPE and report, not die */
  signal(SIGPIPE, SIG_IGN);

  struct jc_jail_args args;
  struct jc_fail fail = {-1, JC_SYS_CLONE, 0};
  if (jc_jail_configure(&plan, &args) < 0) { fail.err = errno; return fail_and_exit(&plan, &fail); }
  const struct jc_op *service = jc_find_op(&plan, JC_OP_SUPERVISE);
  if (service) return jc_service_main(&plan, &args, service);
  pid_t child = jc_start_jail(&plan, &args, 0, &fail);
  if (child < 0) return fail_and_exit(&plan, &fail);
  g_child = child;
  return supervise_once(&plan, &args, child);
}
