/* pid 1's side of SECCOMP_RET_USER_NOTIF: it takes the listener the service installed (over
 * pidfd_getfd) and answers every notification the way the plan's seccomp-notify step says. */
#ifndef JC_NOTIFY_H
#define JC_NOTIFY_H

#include <linux/filter.h>
#include <stdint.h>
#include <sys/types.h>
#include "fail.h"
#include "plan.h"

struct jc_notify {
  const char *jail;                 /* the jail's name, for the log line */
  struct sock_filter *answer;       /* the profile's own decisions (ALLOW, ERRNO or KILL_PROCESS) */
  size_t answer_len;
  uint32_t gate_arch;               /* the service's handshake call, made right after the filter */
  int64_t gate_nr;
  const int64_t *exec_gates;        /* (audit arch, nr) pairs: the service's own first execve */
  int nexec_gates;
  const int64_t *pairs;             /* (audit arch, nr) per syscall name, for the log line */
  const char *const *names;
  int nnames;
  int op_index;                     /* the plan step, for failure records */
  /* pid 1's state */
  int listener, proc_fd, handshake_done, exec_done, service_denied;
  pid_t service;
};

/* Reads the config step (see native/plan.h, JC_OP_SECCOMP_NOTIFY). Returns 0 or -1 (EINVAL). */
int jc_notify_configure(const struct jc_plan *plan, uint32_t index, struct jc_notify *n);

/* After the fork: reads the listener's fd number from `number_fd` (written by the service just
 * before seccomp(2)) and takes the listener out of the service with pidfd_getfd(2). Returns 0
 * when n->listener is set, 1 when the service ended before installing its filter, -1 on failure
 * with *fail filled. */
int jc_notify_take_listener(struct jc_notify *n, int number_fd, struct jc_fail *fail);

/* Receives one notification and answers it: the handshake, the service's first execve, or the
 * profile's decision (continue, an errno, or kill the process after naming the call). */
void jc_notify_answer(struct jc_notify *n);

#endif
