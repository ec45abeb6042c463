/* ptrace loop. The service installs a seccomp filter answering SECCOMP_RET_TRACE, so each
 * syscall stops once (PTRACE_EVENT_SECCOMP) instead of twice; only calls whose result the plan
 * wants (file syscalls) are resumed with PTRACE_SYSCALL to see their exit. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "trace.h"

#define MAX_COUNTS 4096
#define MAX_PENDING 1024
#define MAX_PATH 4096

struct count { uint32_t arch; int32_t nr; uint64_t n; };
struct pending { pid_t pid; const struct jc_capture *cap; int64_t value, flags; uint32_t len; char data[MAX_PATH]; };

static struct count counts[MAX_COUNTS];
static struct pending *pending; /* per traced task waiting for its syscall-exit stop */
static pid_t seen[MAX_PENDING];

/* Records are batched: one write per 64 KiB (or per 100 ms while records keep coming) instead of a
 * pipe write, and a wake-up of the reader, per traced file call. */
static char out_buf[65536];
static size_t out_len;
static struct timespec out_since;

static void flush_records(int fd) {
  size_t done = 0;
  while (done < out_len) {
    ssize_t n = write(fd, out_buf + done, out_len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break; /* the reader is gone: nothing left to tell */
    done += (size_t)n;
  }
  out_len = 0;
}

static void emit(int fd, uint32_t type, pid_t pid, uint32_t arch, int32_t nr, int64_t ret, int64_t value, int64_t flags, const void *data, uint32_t len) {
  struct jc_trace_header h = {type, (uint32_t)pid, arch, nr, ret, value, flags, len, 0};
  if (out_len + sizeof h + len > sizeof out_buf) flush_records(fd);
  if (out_len == 0) clock_gettime(CLOCK_MONOTONIC_COARSE, &out_since);
  memcpy(out_buf + out_len, &h, sizeof h);
  if (len) memcpy(out_buf + out_len + sizeof h, data, len);
  out_len += sizeof h + len;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  if ((now.tv_sec - out_since.tv_sec) * 1000 + (now.tv_nsec - out_since.tv_nsec) / 1000000 >= 100) flush_records(fd);
}

static void count_call(uint32_t arch, int32_t nr) {
  uint32_t h = (arch * 2654435761u) ^ (uint32_t)nr;
  for (uint32_t i = 0; i < MAX_COUNTS; i++) {
    struct count *c = &counts[(h + i) % MAX_COUNTS];
    if (c->n == 0) { c->arch = arch; c->nr = nr; }
    if (c->arch == arch && c->nr == nr) { c->n++; return; }
  }
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
  if (p) p->pid = 0;
  for (int i = 0; i < MAX_PENDING; i++) if (seen[i] == pid) seen[i] = 0;
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
  count_call(info.arch, nr);
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
  emit(fd, type, pid, p->cap->arch, p->cap->nr, ret, p->value, p->flags, p->data, p->len);
  p->cap = NULL;
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
static void on_exec(pid_t pid) {
  unsigned long former = 0;
  if (ptrace(PTRACE_GETEVENTMSG, pid, 0, &former) == 0 && (pid_t)former != pid && former != 0) {
    struct pending *leader = slot_for(pid, 0), *execing = slot_for((pid_t)former, 0);
    if (leader) leader->pid = 0;
    if (execing) execing->pid = pid;
    for (int i = 0; i < MAX_PENDING; i++) if (seen[i] == (pid_t)former) seen[i] = 0;
  }
}

int jc_trace_me(void) {
  if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0) return -1;
  return raise(SIGSTOP);
}

static void flush_counts(int fd) {
  for (int i = 0; i < MAX_COUNTS; i++)
    if (counts[i].n) emit(fd, JC_TREC_COUNT, 0, counts[i].arch, counts[i].nr, 0, (int64_t)counts[i].n, -1, NULL, 0);
}

int jc_trace_loop(pid_t service, int fd, const struct jc_capture *caps, int ncaps) {
  const long options = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
                       PTRACE_O_TRACEEXEC | PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL;
  int service_status = 0, status;
  pending = calloc(MAX_PENDING, sizeof *pending);
  if (!pending) return -1;
  for (;;) {
    pid_t pid = waitpid(-1, &status, __WALL);
    if (pid < 0) { if (errno == EINTR) continue; break; } /* ECHILD: the whole tree is gone */
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      if (pid == service) {
        service_status = status;
        emit(fd, JC_TREC_EXIT, pid, 0, 0, 0, status, -1, NULL, 0);
      }
      forget(pid);
      continue;
    }
    if (!WIFSTOPPED(status)) continue;
    int sig = WSTOPSIG(status), event = status >> 16, resume = PTRACE_CONT, inject = 0;
    if (pid == service && first_stop(pid)) {
      ptrace(PTRACE_SETOPTIONS, pid, 0, options); /* the SIGSTOP jc_trace_me raised */
    } else if (event == PTRACE_EVENT_SECCOMP) {
      resume = on_seccomp_stop(pid, caps, ncaps);
    } else if (event == PTRACE_EVENT_EXEC) {
      on_exec(pid);
      /* the exec event is the execve's success: record it now, with no stop at its exit */
      struct pending *p = slot_for(pid, 0);
      if (p && p->cap) emit_pending(fd, pid, p, 0);
    } else if (sig == (SIGTRAP | 0x80)) {
      on_syscall_exit(pid, fd);
    } else if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK || event == PTRACE_EVENT_CLONE) {
      unsigned long child = 0;
      ptrace(PTRACE_GETEVENTMSG, pid, 0, &child);
      emit(fd, JC_TREC_SPAWN, (pid_t)child, 0, 0, 0, pid, -1, NULL, 0);
    } else if (event == 0 && sig == SIGSTOP && first_stop(pid)) {
      /* a new child's attach stop: swallow it */
    } else if (event == 0) {
      siginfo_t si;
      /* a group-stop (no siginfo) is resumed; a real signal is delivered */
      if (ptrace(PTRACE_GETSIGINFO, pid, 0, &si) == 0) inject = sig;
    }
    ptrace(resume, pid, 0, inject);
  }
  flush_counts(fd);
  flush_records(fd);
  return service_status;
}
