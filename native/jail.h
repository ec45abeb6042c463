/* The jail's side of the launch: clone() into new namespaces, pid 1's steps, the service
 * fork, and the pid-1 reaper that forwards signals and reports the service's status. */
#ifndef JC_JAIL_H
#define JC_JAIL_H

#include <signal.h>
#include <sys/types.h>
#include "notify.h"
#include "ops.h"
#include "plan.h"
#include "trace.h"
#include "trace-count.h"

struct jc_jail_args {
  const struct jc_plan *plan;
  int clone_flags;
  int clone_op;            /* index of the CLONE_FLAGS op, for the failure line */
  int signals[32];         /* signals forwarded from launcher to pid 1 to the service */
  int nsignals;
  int sync_pipe[2];        /* parent -> child: "R" releases the child after id maps/cgroup */
  int error_pipe[2];       /* child -> parent: a struct jc_fail, or EOF when execve succeeded */
  int status_pipe[2];      /* pid 1 -> parent: the service's raw wait status */
  sigset_t saved_mask;
  int out_pipe[2];         /* supervised services: the jail's stdout and stderr go to the */
  int err_pipe[2];         /* launcher, which logs them; -1 when stdio is inherited */
  int trace_fd;            /* >= 0: pid 1 traces the service and reports here */
  int ready_fd;            /* the supervisor's "started" pipe: never held open by the jail */
  struct jc_capture *captures;
  int ncaptures;
  struct jc_notify notify;   /* with has_notify: pid 1 answers the service's seccomp notifications */
  int has_notify;
  int notify_pipe[2];        /* service -> pid 1: the listener's fd number (-1 without notify) */
  struct jc_ctx ctx;         /* what pid 1's steps leave for later ones (the /proc fd) */
  const struct jc_op *counter_op; /* the plan's in-kernel counter, when it has one */
  struct jc_counter counter;      /* active: the service loads counter_op's filter instead */
};

/* Reads the config ops once, and blocks the forwarded signals. */
int jc_jail_configure(const struct jc_plan *plan, struct jc_jail_args *args);

/* Makes the pipes for one start of the jail (a supervised service is started again and again). */
int jc_jail_pipes(struct jc_jail_args *args, int capture_output);

/* clone()s pid 1 of the jail; returns its pid (in our namespace) or -1. */
pid_t jc_jail_clone(struct jc_jail_args *args);

#endif
