/* Seccomp user notification in the jail's pid 1. The service installs its filter with
 * SECCOMP_FILTER_FLAG_NEW_LISTENER and then blocks in a handshake call the filter notifies, so
 * the listener stays open in it until pid 1 holds a copy; the service's code never runs before.
 * Answers: the handshake returns 0, the service's own first execve continues (a profile without
 * execve, as procd's are), anything else gets what the profile's own program decides. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "bpf-eval.h"
#include "notify.h"

/* ints: gate arch, gate nr, n exec gates, (arch, nr) per exec gate, (arch, nr) per name;
 * strs: the answer program, then the names. */
int jc_notify_configure(const struct jc_plan *plan, uint32_t index, struct jc_notify *n) {
  const struct jc_op *op = &plan->ops[index];
  memset(n, 0, sizeof *n);
  n->listener = n->proc_fd = -1;
  errno = EINVAL;
  if (op->nints < 3 || op->nstrs < 1 || op->ints[2] < 0) return -1;
  int64_t nexec = op->ints[2], nnames = (int64_t)op->nstrs - 1;
  if ((int64_t)op->nints != 3 + 2 * nexec + 2 * nnames) return -1;
  size_t len = op->lens[0];
  if (len == 0 || len % sizeof(struct sock_filter)) return -1;
  n->answer = malloc(len); /* aligned copy: the plan buffer is not */
  if (!n->answer) return -1;
  memcpy(n->answer, op->strs[0], len);
  n->answer_len = len / sizeof(struct sock_filter);
  n->jail = plan->name;
  n->gate_arch = (uint32_t)op->ints[0];
  n->gate_nr = op->ints[1];
  n->exec_gates = &op->ints[3];
  n->nexec_gates = (int)nexec;
  n->pairs = &op->ints[3 + 2 * nexec];
  n->names = op->strs + 1;
  n->nnames = (int)nnames;
  n->op_index = (int)index;
  return 0;
}

static int fail_with(struct jc_fail *fail, const struct jc_notify *n, int sys) {
  fail->op_index = n->op_index;
  fail->sys = sys;
  fail->err = errno;
  return -1;
}

/* A seccomp listener answers ID_VALID (for an id nobody has) with ENOENT; other files don't. */
static int is_listener(int fd) {
  uint64_t id = 0;
  return ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0 || errno == ENOENT;
}

int jc_notify_take_listener(struct jc_notify *n, int number_fd, struct jc_fail *fail) {
  int32_t number;
  ssize_t got;
  do got = read(number_fd, &number, sizeof number); while (got < 0 && errno == EINTR);
  if (got != (ssize_t)sizeof number) return 1; /* the service failed a step before its filter */
  int pidfd = (int)syscall(SYS_pidfd_open, n->service, 0);
  if (pidfd < 0) return fail_with(fail, n, JC_SYS_PIDFD_OPEN);
  /* the number arrives just before the service's seccomp(2) makes it: until then it is free */
  for (int tries = 0;; tries++) {
    int fd = (int)syscall(SYS_pidfd_getfd, pidfd, number, 0);
    if (fd >= 0 && is_listener(fd)) { close(pidfd); n->listener = fd; return 0; }
    if (fd >= 0) { close(fd); errno = EBADFD; }
    if (errno != EBADF || tries > 5000) {
      if (errno == EBADF) errno = ETIMEDOUT;
      int saved = errno;
      close(pidfd);
      errno = saved;
      return fail_with(fail, n, JC_SYS_PIDFD_GETFD);
    }
    struct pollfd exited = {pidfd, POLLIN, 0};
    if (poll(&exited, 1, tries < 100 ? 0 : 1) > 0) { close(pidfd); return 1; }
    if (tries < 100) sched_yield();
  }
}

static const char *syscall_name(const struct jc_notify *n, uint32_t arch, int32_t nr) {
  for (int i = 0; i < n->nnames; i++)
    if ((uint32_t)n->pairs[2 * i] == arch && n->pairs[2 * i + 1] == nr) return n->names[i];
  return NULL;
}

static int is_exec_gate(const struct jc_notify *n, const struct seccomp_data *d) {
  for (int i = 0; i < n->nexec_gates; i++)
    if ((uint32_t)n->exec_gates[2 * i] == d->arch && n->exec_gates[2 * i + 1] == d->nr) return 1;
  return 0;
}

/* The program a task runs, from the jail's own /proc (kept open by the open-proc step). */
static void program_of(const struct jc_notify *n, pid_t pid, char *out, size_t size) {
  char link[32];
  ssize_t len = -1;
  snprintf(link, sizeof link, "%d/exe", (int)pid);
  if (n->proc_fd >= 0 && pid > 0) len = readlinkat(n->proc_fd, link, out, size - 1);
  if (len <= 0) { out[0] = '?'; len = 1; }
  out[len] = '\0';
}

/* Whether `pid` is the service or one of its threads (its exit status then reads SIGSYS). */
static int in_service(const struct jc_notify *n, pid_t pid) {
  char task[48];
  if (pid == n->service) return 1;
  snprintf(task, sizeof task, "%d/task/%d", (int)n->service, (int)pid);
  return n->proc_fd >= 0 && faccessat(n->proc_fd, task, F_OK, 0) == 0;
}

/* A call the profile kills: name it, then kill the whole thread group (kill(2) with any thread's
 * id does), unless the task is no longer waiting (then its id may not be its own any more). */
static void refuse(struct jc_notify *n, const struct seccomp_notif *req) {
  char program[256], line[768];
  pid_t pid = (pid_t)req->pid;
  const char *name = syscall_name(n, req->data.arch, req->data.nr);
  program_of(n, pid, program, sizeof program);
  int len = name ? snprintf(line, sizeof line, "jailctl: %s: seccomp refused %s in pid %d (%s); killing it\n", n->jail, name, (int)pid, program)
                 : snprintf(line, sizeof line, "jailctl: %s: seccomp refused syscall %d (audit arch 0x%x) in pid %d (%s); killing it\n", n->jail, req->data.nr, req->data.arch, (int)pid, program);
  if (write(STDERR_FILENO, line, (size_t)len) < 0) { /* nowhere else to say it */ }
  uint64_t id = req->id;
  if (pid <= 0 || ioctl(n->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0) {
    /* not a task we can name (or gone already): it still never runs the call */
    struct seccomp_notif_resp resp = {req->id, 0, -EPERM, 0};
    ioctl(n->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    return;
  }
  if (in_service(n, pid)) n->service_denied = 1;
  kill(pid, SIGKILL); /* the call is never answered: the task dies waiting */
}

void jc_notify_answer(struct jc_notify *n) {
  struct seccomp_notif req;
  memset(&req, 0, sizeof req); /* the kernel wants it zeroed */
  if (ioctl(n->listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) return; /* ENOENT: the caller died */
  struct seccomp_notif_resp resp = {req.id, 0, 0, 0};
  int own = (pid_t)req.pid == n->service;
  if (own && !n->handshake_done && req.data.arch == n->gate_arch && req.data.nr == n->gate_nr) {
    n->handshake_done = 1; /* returns 0: the service goes on to its execve */
  } else if (own && n->handshake_done && !n->exec_done && is_exec_gate(n, &req.data)) {
    n->exec_done = 1; /* our own execve of the service, before any code of its own ran */
    resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  } else {
    uint32_t ret = jc_bpf_run(n->answer, n->answer_len, &req.data);
    uint32_t action = ret & SECCOMP_RET_ACTION_FULL;
    /* the profile's program sees the same registers the kernel would: continuing on its ALLOW
     * is exactly the kernel's ALLOW (nothing here reads the caller's memory) */
    if (action == SECCOMP_RET_ALLOW || action == SECCOMP_RET_LOG) resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    else if (action == SECCOMP_RET_ERRNO) resp.error = -(int32_t)(ret & SECCOMP_RET_DATA);
    else { refuse(n, &req); return; }
  }
  ioctl(n->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}
