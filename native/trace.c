/* ptrace loop. The service installs a seccomp filter answering SECCOMP_RET_TRACE, so each
 * syscall stops once (PTRACE_EVENT_SECCOMP) instead of twice; only calls whose result the plan
 * wants (file syscalls) are resumed with PTRACE_SYSCALL to see their exit. With the in-kernel
 * counter (trace-count.c) only those calls stop at all, and the counter counts the rest; with its
 * recorder, they do not stop either: the kernel puts them in a ring buffer this loop drains before
 * each stop it handles (so a spawn or an exec is told after everything its task did before), and
 * whenever the ring is a quarter full. Then only execve, new tasks and other ABIs stop. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "trace.h"
#include "trace-count.h"
#include "trace-out.h"
#include "trace-wait.h"

#define MAX_PENDING 1024
#define MAX_PATH 4096

/* held: its result is a kernel-internal restart code, recorded at the task's next stop (today's
 * exit stop shows the same), or dropped if the task dies of it (there is no exit stop then) */
struct pending { pid_t pid; const struct jc_capture *cap; int64_t value, flags, ret; int held; uint32_t len; char data[MAX_PATH]; };

static struct pending *pending; /* per traced task waiting for its syscall-exit stop */
static pid_t seen[MAX_PENDING];
/* tasks whose call's result the in-kernel counter keeps (they do not stop at its exit); new tasks
 * announced by their parent's event before their first stop, and new tasks stopped before their
 * parent's event, kept stopped until it (a spawn record names the parent before the child runs) */
static pid_t awaiting[MAX_PENDING], announced[MAX_PENDING], parked[MAX_PENDING];
static int nheld, nawaiting;

static int in_set(const pid_t *set, pid_t pid) {
  for (int i = 0; i < MAX_PENDING; i++) if (set[i] == pid) return 1;
  return 0;
}
static void set_put(pid_t *set, pid_t pid, int on) {
  for (int i = 0; i < MAX_PENDING; i++) if (set[i] == (on ? 0 : pid)) { set[i] = on ? pid : 0; if (on) return; }
}

static struct pending *slot_for(pid_t pid, int create) {
  for (int i = 0; i < MAX_PENDING; i++) if (pending[i].pid == pid) return &pending[i];
  if (!create) return NULL;
  for (int i = 0; i < MAX_PENDING; i++) if (pending[i].pid == 0) { pending[i].pid = pid; return &pending[i]; }
  return NULL;
}

static int first_stop(pid_t pid) {
  for (int i = 0; i < MAX_PENDING; i++) if (seen[i] == pid) return 0;
  for (int i = 0; i < MAX_PENDING; i++) if (seen[i] == 0) { seen[i] = pid; return 1; }
  return 0;
}

static void forget(pid_t pid) {
  struct pending *p = slot_for(pid, 0);
  if (p) { p->pid = 0; nheld -= p->held; p->held = 0; }
  for (int i = 0; i < MAX_PENDING; i++) if (seen[i] == pid) seen[i] = 0;
  set_put(announced, pid, 0);
  set_put(parked, pid, 0);
}

/* Reads a NUL-terminated string from the tracee, a page at a time (a string may end just
 * before an unmapped page). Returns its length, or -1. */
static int read_string(pid_t pid, uint64_t addr, char *out, size_t size) {
  size_t got = 0;
  while (got < size - 1) {
    size_t chunk = 4096 - ((addr + got) & 4095);
    if (chunk > size - 1 - got) chunk = size - 1 - got;
    struct iovec local = {out + got, chunk}, remote = {(void *)(uintptr_t)(addr + got), chunk};
    ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (n <= 0) return got ? (int)got : -1;
    void *nul = memchr(out + got, 0, (size_t)n);
    if (nul) return (int)((char *)nul - out);
    got += (size_t)n;
  }
  out[got] = 0;
  return (int)got;
}

static const struct jc_capture *find_capture(const struct jc_capture *caps, int n, uint32_t arch, int32_t nr) {
  for (int i = 0; i < n; i++) if (caps[i].arch == arch && caps[i].nr == nr) return &caps[i];
  return NULL;
}

/* A seccomp stop: count it; if the plan wants its arguments, read them now and its result at exit. */
static int on_seccomp_stop(pid_t pid, const struct jc_capture *caps, int ncaps) {
  struct __ptrace_syscall_info info;
  if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, &info) <= 0 || info.op != PTRACE_SYSCALL_INFO_SECCOMP) return PTRACE_CONT;
  int32_t nr = (int32_t)info.seccomp.nr;
  jc_out_count(info.arch, nr);
  const struct jc_capture *cap = find_capture(caps, ncaps, info.arch, nr);
  struct pending *p = cap ? slot_for(pid, 1) : NULL;
  if (!p) return PTRACE_CONT;
  p->cap = cap;
  p->len = 0;
  p->value = cap->aux_arg >= 0 && cap->aux_arg < 6 ? (int64_t)info.seccomp.args[cap->aux_arg] : -1;
  p->flags = cap->flags_arg >= 0 && cap->flags_arg < 6 ? (int64_t)info.seccomp.args[cap->flags_arg] : -1;
  uint64_t arg = cap->arg >= 0 && cap->arg < 6 ? info.seccomp.args[cap->arg] : 0;
  if (cap->kind == 1) {
    int len = read_string(pid, arg, p->data, sizeof p->data);
    /* "" with AT_EMPTY_PATH works on a descriptor (fstat): no path, so no need to see its exit */
    if (len <= 0) { p->cap = NULL; return PTRACE_CONT; }
    p->len = (uint32_t)len;
  } else if (cap->kind == 2) {
    p->value = (int64_t)arg;
  } else if (cap->kind == 3) {
    size_t want = p->value > 0 && p->value < (int64_t)sizeof p->data ? (size_t)p->value : 0;
    struct iovec local = {p->data, want}, remote = {(void *)(uintptr_t)arg, want};
    ssize_t n = want ? process_vm_readv(pid, &local, 1, &remote, 1, 0) : 0;
    p->len = n > 0 ? (uint32_t)n : 0;
  }
  return PTRACE_SYSCALL;
}

/* The record of a captured call, now that its result is known. */
static void emit_pending(int fd, pid_t pid, struct pending *p, int64_t ret) {
  uint32_t type = p->cap->kind == 1 ? JC_TREC_PATH : p->cap->kind == 2 ? JC_TREC_VALUE : JC_TREC_BYTES;
  jc_out_emit(fd, type, pid, p->cap->arch, p->cap->nr, ret, p->value, p->flags, p->data, p->len);
  p->cap = NULL;
  if (p->held) nheld--;
  p->held = 0;
}

/* The results the counter kept since the last stop, recorded before that stop is handled: a call
 * that follows one of them in time (in any task) has to stop at its entry first. */
static void collect_results(int fd, struct jc_counter *c) {
  for (int i = 0; c && nawaiting && i < MAX_PENDING; i++) {
    int64_t ret;
    int got = awaiting[i] ? jc_counter_result(c, awaiting[i], &ret) : 0;
    if (got == 0) continue;
    struct pending *p = got > 0 ? slot_for(awaiting[i], 0) : NULL;
    if (p && p->cap && ret <= -512 && ret >= -516) { p->held = 1; p->ret = ret; nheld++; } /* ERESTART* */
    else if (p && p->cap) emit_pending(fd, awaiting[i], p, ret);
    awaiting[i] = 0;
    nawaiting--;
  }
}

static void stop_awaiting(struct jc_counter *c, pid_t pid) {
  jc_counter_drop_result(c, pid);
  if (pid > 0 && in_set(awaiting, pid)) { set_put(awaiting, pid, 0); nawaiting--; }
}

/* Drains the recorder's ring: each call the kernel recorded is told at once, in the order the
 * calls ended, or held while its result is a restart code (as a stopped call's would be). */
struct recorded { int fd; struct jc_counter *counter; uint32_t arch; uint64_t calls; const struct jc_capture *by_nr[JC_COUNTER_NRS]; };

static void on_recorded_call(void *arg, const struct jc_kernel_record *r) {
  struct recorded *d = arg;
  pid_t tid = (pid_t)r->tid;
  d->calls++;
  /* a call of the same task that stopped at its entry ended before this one */
  if (nawaiting && in_set(awaiting, tid)) collect_results(d->fd, d->counter);
  struct pending *p = nheld ? slot_for(tid, 0) : NULL;
  if (p && p->held) emit_pending(d->fd, tid, p, p->ret);
  const struct jc_capture *cap = r->nr >= 0 && r->nr < JC_COUNTER_NRS ? d->by_nr[r->nr] : NULL;
  if (!cap) return;
  uint32_t len = r->len < MAX_PATH ? r->len : MAX_PATH;
  p = r->ret <= -512 && r->ret >= -516 ? slot_for(tid, 1) : NULL; /* ERESTART* */
  if (p && !p->cap) {
    *p = (struct pending){tid, cap, r->value, r->flags, r->ret, 1, len, {0}};
    memcpy(p->data, r + 1, len);
    nheld++;
    return;
  }
  uint32_t type = cap->kind == 1 ? JC_TREC_PATH : cap->kind == 2 ? JC_TREC_VALUE : JC_TREC_BYTES;
  jc_out_emit(d->fd, type, tid, cap->arch, cap->nr, r->ret, r->value, r->flags, r + 1, len);
}

static void drain_recorded(void *arg) {
  struct recorded *d = arg;
  if (d->counter && d->counter->recording) jc_ring_drain(&d->counter->ring, on_recorded_call, d);
}

static void on_syscall_exit(pid_t pid, int fd) {
  struct pending *p = slot_for(pid, 0);
  struct __ptrace_syscall_info info;
  if (!p || !p->cap) return;
  int64_t ret = ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, &info) > 0 && info.op == PTRACE_SYSCALL_INFO_EXIT ? info.exit.rval : -ENOSYS;
  emit_pending(fd, pid, p, ret);
}

/* An exec by a thread other than the leader takes over the leader's id (the old thread id is
 * given by PTRACE_GETEVENTMSG and never reports its exit): move its state over. */
static pid_t on_exec(pid_t pid) {
  unsigned long former = 0;
  if (ptrace(PTRACE_GETEVENTMSG, pid, 0, &former) == 0 && (pid_t)former != pid && former != 0) {
    struct pending *leader = slot_for(pid, 0), *execing = slot_for((pid_t)former, 0);
    if (leader) leader->pid = 0;
    if (execing) execing->pid = pid;
    for (int i = 0; i < MAX_PENDING; i++) if (seen[i] == (pid_t)former) seen[i] = 0;
  }
  return (pid_t)former;
}

int jc_trace_me(void) {
  if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0) return -1;
  return raise(SIGSTOP);
}

int jc_trace_loop(pid_t service, int fd, const struct jc_capture *caps, int ncaps, const struct jc_trace_counting *counting) {
  const long options = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
                       PTRACE_O_TRACEEXEC | PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL;
  int service_status = 0, status, service_filtered = 0;
  struct jc_counter *counter = counting ? counting->counter : NULL;
  pending = calloc(MAX_PENDING, sizeof *pending);
  struct recorded *recorded = calloc(1, sizeof *recorded);
  if (!pending || !recorded) return -1;
  *recorded = (struct recorded){fd, counter, counting ? counting->native_arch : 0, 0, {0}};
  for (int i = 0; counter && counter->recording && i < ncaps; i++)
    if (caps[i].arch == recorded->arch && caps[i].nr >= 0 && caps[i].nr < JC_COUNTER_NRS && !recorded->by_nr[caps[i].nr]) recorded->by_nr[caps[i].nr] = &caps[i];
  struct jc_stop_waiter waiter;
  jc_stop_waiter_open(&waiter, counter && counter->recording ? counter->ring.fd : -1);
  jc_progress_start();
  for (;;) {
    pid_t pid = jc_next_stop(&waiter, &status, drain_recorded, recorded);
    collect_results(fd, counter);
    drain_recorded(recorded);
    if (jc_progress_due()) jc_out_progress(fd, counter ? counting : NULL);
    if (pid < 0) { if (errno == EINTR) continue; break; } /* ECHILD: the whole tree is gone */
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      jc_counter_member(counter, pid, 0);
      stop_awaiting(counter, pid);
      /* a parked task whose parent died before it said so would wait forever: let all go (a
       * fork's event comes right after it, so this only orders less in a few races) */
      for (int i = 0; i < MAX_PENDING; i++) if (parked[i]) { ptrace(PTRACE_CONT, parked[i], 0, 0); parked[i] = 0; }
      if (pid == service) {
        service_status = status;
        jc_out_emit(fd, JC_TREC_EXIT, pid, 0, 0, 0, status, -1, NULL, 0);
      }
      forget(pid);
      continue;
    }
    if (!WIFSTOPPED(status)) continue;
    int sig = WSTOPSIG(status), event = status >> 16, resume = PTRACE_CONT, inject = 0;
    /* a task is counted from its first stop (a new one has made no call yet), the service from
     * its first call under the filter; the tracer counts the calls it stops on itself */
    if (event == PTRACE_EVENT_SECCOMP && pid == service) service_filtered = 1;
    if (pid != service || service_filtered) jc_counter_member(counter, pid, 1);
    if (event == PTRACE_EVENT_SECCOMP) jc_counter_counted(counter, pid);
    struct pending *held = nheld ? slot_for(pid, 0) : NULL;
    if (held && held->held) emit_pending(fd, pid, held, held->ret);
    if (pid == service && first_stop(pid)) {
      ptrace(PTRACE_SETOPTIONS, pid, 0, options); /* the SIGSTOP jc_trace_me raised */
    } else if (event == PTRACE_EVENT_SECCOMP) {
      resume = on_seccomp_stop(pid, caps, ncaps);
      /* the counter keeps the result: no stop at the call's exit */
      if (resume == PTRACE_SYSCALL && in_set(awaiting, 0) && jc_counter_want_result(counter, pid) == 0) {
        set_put(awaiting, pid, 1);
        nawaiting++;
        resume = PTRACE_CONT;
      }
    } else if (event == PTRACE_EVENT_EXEC) {
      pid_t former = on_exec(pid);
      if (former != pid) jc_counter_member(counter, former, 0);
      stop_awaiting(counter, pid);
      stop_awaiting(counter, former);
      /* the exec event is the execve's success: record it now, with no stop at its exit */
      struct pending *p = slot_for(pid, 0);
      if (p && p->cap) emit_pending(fd, pid, p, 0);
    } else if (sig == (SIGTRAP | 0x80)) {
      on_syscall_exit(pid, fd);
    } else if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK || event == PTRACE_EVENT_CLONE) {
      unsigned long child = 0;
      ptrace(PTRACE_GETEVENTMSG, pid, 0, &child);
      jc_out_emit(fd, JC_TREC_SPAWN, (pid_t)child, 0, 0, 0, pid, event, NULL, 0);
      if (!in_set(parked, (pid_t)child)) set_put(announced, (pid_t)child, 1);
      else { set_put(parked, (pid_t)child, 0); ptrace(PTRACE_CONT, (pid_t)child, 0, 0); }
    } else if (event == 0 && sig == SIGSTOP && first_stop(pid)) {
      /* a new child's attach stop: swallowed; it runs once its parent's event has said whose it is */
      if (in_set(announced, pid)) set_put(announced, pid, 0);
      else if (in_set(parked, 0)) { set_put(parked, pid, 1); continue; }
    } else if (event == 0) {
      siginfo_t si;
      /* a group-stop (no siginfo) is resumed; a real signal is delivered, but the recorder's own
       * SIGSTOP (sent by the kernel when its ring is half full: drained above) is swallowed */
      if (ptrace(PTRACE_GETSIGINFO, pid, 0, &si) == 0) inject = sig == SIGSTOP && si.si_code == SI_KERNEL && counter && counter->recording ? 0 : sig;
    }
    ptrace(resume, pid, 0, inject);
  }
  collect_results(fd, counter);
  drain_recorded(recorded);
  jc_progress_stop();
  jc_out_counts(fd, counter ? counting : NULL, counter && counter->recording ? (int64_t)recorded->calls : -1);
  jc_out_flush(fd);
  return service_status;
}
