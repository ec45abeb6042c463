/* Inside the jail. pid 1 builds the jail (JAIL phase ops), forks the service (SERVICE phase
 * ops, ending in execve) and stays as a tiny reaper. Failures go to the error pipe as a
 * struct jc_fail; nothing is printed here. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fail.h"
#include "jail.h"
#include "ops.h"
#include "resident.h"

#define STACK_SIZE (256 * 1024)

static pid_t g_service;

static void forward_to_service(int sig) {
  if (g_service > 0) kill(g_service, sig);
}

/* The counter, with its recorder when the plan has one (see JC_OP_TRACE_COUNTER). */
static void open_counter(struct jc_jail_args *args) {
  const struct jc_op *op = args->counter_op;
  if (op->nints < 4) { jc_counter_open(&args->counter, NULL); return; }
  struct jc_recorder_config rec = {(const uint8_t *)op->strs[2], op->lens[2], (int32_t)op->ints[2], (uint32_t)op->ints[1], (int32_t)op->ints[3]};
  jc_counter_open(&args->counter, &rec);
}

int jc_jail_configure(const struct jc_plan *plan, struct jc_jail_args *args) {
  memset(args, 0, sizeof *args);
  args->plan = plan;
  args->clone_op = -1;
  args->trace_fd = -1;
  args->ready_fd = -1;
  args->notify_pipe[0] = args->notify_pipe[1] = -1;
  args->out_pipe[0] = args->out_pipe[1] = args->err_pipe[0] = args->err_pipe[1] = -1;
  for (uint32_t i = 0; i < plan->nops; i++) {
    const struct jc_op *op = &plan->ops[i];
    if (op->code == JC_OP_CLONE_FLAGS && op->nints == 1) {
      args->clone_flags = (int)op->ints[0];
      args->clone_op = (int)i;
    } else if (op->code == JC_OP_FORWARD_SIGNALS) {
      for (uint32_t s = 0; s < op->nints && args->nsignals < 32; s++) args->signals[args->nsignals++] = (int)op->ints[s];
    } else if (op->code == JC_OP_SECCOMP_NOTIFY) {
      if (jc_notify_configure(plan, i, &args->notify) < 0) return -1;
      args->has_notify = 1;
    } else if (op->code == JC_OP_SUPERVISE && op->nints >= 6) {
      args->ready_fd = (int)op->ints[5];
    } else if (op->code == JC_OP_TRACE_COUNTER && ((op->nints == 1 && op->nstrs == 1) || (op->nints == 4 && op->nstrs == 3))) {
      args->counter_op = op;
    } else if (op->code == JC_OP_TRACE && op->nints >= 1 && (op->nints - 1) % 6 == 0) {
      args->trace_fd = (int)op->ints[0];
      args->ncaptures = (int)((op->nints - 1) / 6);
      args->captures = calloc((size_t)args->ncaptures + 1, sizeof *args->captures);
      if (!args->captures) return -1;
      for (int c = 0; c < args->ncaptures; c++) {
        const int64_t *v = &op->ints[1 + 6 * c];
        args->captures[c] = (struct jc_capture){(uint32_t)v[0], (int32_t)v[1], (int32_t)v[2], (int32_t)v[3], (int32_t)v[4], (int32_t)v[5]};
      }
    }
  }
  /* the counter is attached before clone(), while we hold the privileges BPF needs; where the
   * kernel refuses it, every call stops for the tracer as without it */
  if (args->counter_op && args->trace_fd >= 0) open_counter(args);
  /* Signals that arrive before the handlers are in place stay pending instead of killing us */
  sigset_t block;
  sigemptyset(&block);
  for (int i = 0; i < args->nsignals; i++) sigaddset(&block, args->signals[i]);
  return sigprocmask(SIG_BLOCK, &block, &args->saved_mask);
}

int jc_jail_pipes(struct jc_jail_args *args, int capture_output) {
  if (pipe2(args->sync_pipe, O_CLOEXEC) < 0 || pipe2(args->error_pipe, O_CLOEXEC) < 0 ||
      pipe2(args->status_pipe, O_CLOEXEC) < 0)
    return -1;
  if (capture_output && (pipe2(args->out_pipe, O_CLOEXEC) < 0 || pipe2(args->err_pipe, O_CLOEXEC) < 0)) return -1;
  /* made by pid 1 itself (jail_main): the launcher has no use for it */
  args->notify_pipe[0] = args->notify_pipe[1] = -1;
  return 0;
}

/* A supervised jail writes to the launcher's log pipes instead of the launcher's stdio. */
static void redirect_output(struct jc_jail_args *args) {
  if (args->out_pipe[1] < 0) return;
  dup2(args->out_pipe[1], STDOUT_FILENO);
  dup2(args->err_pipe[1], STDERR_FILENO);
  close(args->out_pipe[0]);
  close(args->out_pipe[1]);
  close(args->err_pipe[0]);
  close(args->err_pipe[1]);
}

static void report(int fd, const struct jc_fail *fail) {
  ssize_t n;
  do n = write(fd, fail, sizeof *fail); while (n < 0 && errno == EINTR);
}

static int run_phase_from(const struct jc_plan *plan, uint32_t start, uint32_t phase, struct jc_ctx *ctx, struct jc_fail *fail, uint32_t *stopped_at) {
  for (uint32_t i = start; i < plan->nops; i++) {
    if (plan->ops[i].phase != phase) continue;
    if (plan->ops[i].code == JC_OP_FORK_SERVICE) { *stopped_at = i; return 1; }
    if (jc_run_op(plan, i, ctx, fail) < 0) return -1;
  }
  *stopped_at = plan->nops;
  return 0;
}

/* With the counter on, the tracing filter (the seccomp step after trace-me) is the counting one,
 * which stops only on the calls whose arguments are recorded. The plan is this process's copy. */
static void use_counting_filter(struct jc_jail_args *args, uint32_t from) {
  struct jc_plan *plan = (struct jc_plan *)args->plan;
  int traced = 0;
  for (uint32_t i = from; i < plan->nops; i++) {
    struct jc_op *op = &plan->ops[i];
    if (op->phase != JC_PHASE_SERVICE) continue;
    if (op->code == JC_OP_TRACE_ME) traced = 1;
    else if (op->code == JC_OP_SECCOMP && traced && op->nstrs == 1) {
      int which = args->counter.recording ? 1 : 0; /* the recorder's filter stops on fewer calls */
      op->strs[0] = args->counter_op->strs[which];
      op->lens[0] = args->counter_op->lens[which];
      return;
    }
  }
}

static _Noreturn void service_main(struct jc_jail_args *args, uint32_t fork_op) {
  struct jc_fail fail = {-1, JC_SYS_EXECVE, 0};
  uint32_t end;
  if (args->counter.active) use_counting_filter(args, fork_op + 1);
  sigprocmask(SIG_SETMASK, &args->saved_mask, NULL); /* the mask survives execve */
  close(args->status_pipe[1]);
  if (args->trace_fd >= 0) close(args->trace_fd); /* the tracer's, never the service's */
  if (args->notify_pipe[0] >= 0) close(args->notify_pipe[0]);
  if (args->ctx.proc_fd >= 0) close(args->ctx.proc_fd);
  args->ctx.proc_fd = -1;
  args->ctx.notify_fd = args->notify_pipe[1];
  if (jc_prepare_exec(args->plan) < 0) { fail.err = errno; report(args->error_pipe[1], &fail); _exit(125); }
  if (run_phase_from(args->plan, fork_op + 1, JC_PHASE_SERVICE, &args->ctx, &fail, &end) < 0) report(args->error_pipe[1], &fail);
  else { fail.op_index = -1; fail.sys = JC_SYS_EXECVE; fail.err = ENOEXEC; report(args->error_pipe[1], &fail); }
  _exit(125);
}

static void on_sigchld(int sig) {
  (void)sig; /* only wakes ppoll */
}

static _Noreturn void hand_over_status(struct jc_jail_args *args, int status) {
  /* a process pid 1 killed for a refused call died as the kernel's kill would have it */
  if (args->notify.service_denied && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) status = SIGSYS;
  ssize_t n;
  do n = write(args->status_pipe[1], &status, sizeof status); while (n < 0 && errno == EINTR);
  _exit(0);
}

/* pid 1: forward signals to the service, reap every orphan, answer seccomp notifications, and
 * when the service ends hand its status to the launcher and exit (the kernel then kills
 * whatever is left in the jail, a daemon the service started included). The same with or
 * without a filter: only the listener's descriptor joins the wait. */
static _Noreturn void reaper_main(struct jc_jail_args *args) {
  struct sigaction fwd, chld;
  memset(&fwd, 0, sizeof fwd);
  fwd.sa_handler = forward_to_service;
  fwd.sa_flags = SA_RESTART;
  for (int i = 0; i < args->nsignals; i++) sigaction(args->signals[i], &fwd, NULL);
  memset(&chld, 0, sizeof chld);
  chld.sa_handler = on_sigchld;
  sigaction(SIGCHLD, &chld, NULL);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); /* again: an id change in a user namespace resets it */
  /* SIGCHLD stays blocked but while ppoll waits, so a death between reaping and waiting is not lost */
  sigset_t running = args->saved_mask, waiting = args->saved_mask;
  sigaddset(&running, SIGCHLD);
  sigdelset(&waiting, SIGCHLD);
  sigprocmask(SIG_SETMASK, &running, NULL);
  jc_trim_resident();
  if (args->trace_fd >= 0) {
    struct jc_trace_counting counting = {args->counter.active ? &args->counter : NULL, args->counter_op ? (uint32_t)args->counter_op->ints[0] : 0};
    hand_over_status(args, jc_trace_loop(g_service, args->trace_fd, args->captures, args->ncaptures, &counting));
  }
  struct pollfd listener = {args->has_notify ? args->notify.listener : -1, POLLIN, 0};
  for (;;) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
      if (pid == g_service) hand_over_status(args, status);
    if (pid < 0 && errno == ECHILD) _exit(125);
    int ready = ppoll(&listener, listener.fd >= 0 ? 1 : 0, NULL, &waiting);
    if (ready <= 0) continue;
    if (listener.revents & POLLIN) jc_notify_answer(&args->notify);
    else if (listener.revents) listener.fd = -1; /* every filtered task is gone */
  }
}

/* Notify mode: the service installs its filter and waits in the handshake until pid 1 holds
 * the listener. Until then pid 1 keeps the error pipe open, so the launcher hears of a failure
 * here before it counts the service as started. */
static void take_listener(struct jc_jail_args *args) {
  struct jc_fail fail;
  close(args->notify_pipe[1]);
  args->notify_pipe[1] = -1;
  args->notify.service = g_service;
  args->notify.proc_fd = args->ctx.proc_fd;
  if (jc_notify_take_listener(&args->notify, args->notify_pipe[0], &fail) < 0) {
    report(args->error_pipe[1], &fail);
    kill(g_service, SIGKILL); /* it never ran a line of its own */
    _exit(125);
  }
  close(args->notify_pipe[0]);
  args->notify_pipe[0] = -1;
}

static int jail_main(void *arg) {
  struct jc_jail_args *args = arg;
  struct jc_fail fail = {-1, JC_SYS_READ, 0};
  char go;
  signal(SIGPIPE, SIG_DFL); /* the launcher ignores it; the service gets the default */
  /* not dumpable from the start, so the service (exec'd before reaper_main runs) never finds
   * pid 1's memory, environment or descriptors open to it; execve makes the service dumpable */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  /* If the launcher dies, the jail dies: pid 1's death kills the whole pid namespace */
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  /* without a pid namespace (trace outside a jail), orphans must still come to us */
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  if (args->ready_fd >= 0) close(args->ready_fd);
  close(args->sync_pipe[1]);
  close(args->error_pipe[0]);
  close(args->status_pipe[0]);
  if (read(args->sync_pipe[0], &go, 1) != 1) _exit(125);
  close(args->sync_pipe[0]);
  redirect_output(args);
  uint32_t fork_op;
  args->ctx = (struct jc_ctx){.child_pid = 0, .proc_fd = -1, .parent_pid = getpid(), .notify_fd = -1};
  int rc = run_phase_from(args->plan, 0, JC_PHASE_JAIL, &args->ctx, &fail, &fork_op);
  if (rc < 0) { report(args->error_pipe[1], &fail); _exit(125); }
  if (rc == 0) { fail.op_index = -1; fail.sys = JC_SYS_FORK; fail.err = EINVAL; report(args->error_pipe[1], &fail); _exit(125); }
  if (args->has_notify && pipe2(args->notify_pipe, O_CLOEXEC) < 0) { fail.op_index = args->notify.op_index; fail.sys = JC_SYS_FORK; fail.err = errno; report(args->error_pipe[1], &fail); _exit(125); }
  g_service = fork();
  if (g_service < 0) { fail.op_index = (int32_t)fork_op; fail.sys = JC_SYS_FORK; fail.err = errno; report(args->error_pipe[1], &fail); _exit(125); }
  if (g_service == 0) service_main(args, fork_op);
  if (args->has_notify) take_listener(args);
  close(args->error_pipe[1]); /* the launcher sees EOF once the service's execve closes its copy */
  reaper_main(args);
}

pid_t jc_jail_clone(struct jc_jail_args *args) {
  static char stack[STACK_SIZE] __attribute__((aligned(16)));
  return clone(jail_main, stack + sizeof stack, args->clone_flags | SIGCHLD, args);
}
