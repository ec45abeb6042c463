/* The ptrace loop: pid 1 of the jail traces the service and everything it forks, counting
 * syscalls per (arch, number) and reporting the arguments the plan asked for. */
#ifndef JC_TRACE_H
#define JC_TRACE_H

#include <stdint.h>
#include <sys/types.h>
#include "plan.h"

/* Records written to the trace fd (host endian), each followed by `len` bytes of data. */
enum jc_trace_record {
  JC_TREC_COUNT = 1,  /* arch, nr, value = how many calls */
  JC_TREC_PATH = 2,   /* a path argument: pid, arch, nr, ret, value = dirfd arg, data = path */
  JC_TREC_VALUE = 3,  /* an integer argument: pid, arch, nr, ret, value */
  JC_TREC_BYTES = 4,  /* a buffer argument (sockaddr): pid, arch, nr, ret, data */
  JC_TREC_EXIT = 5,   /* the service ended: pid, value = wait status */
  JC_TREC_SPAWN = 6,  /* a new traced process or thread: pid, value = parent pid, flags = the
                         PTRACE_EVENT that reported it (PTRACE_EVENT_CLONE: a thread) */
  JC_TREC_PROGRESS = 7, /* while it runs, a few times a second: value = calls so far, flags = distinct (arch, nr) */
  JC_TREC_COUNTER = 8,  /* at the end, with the in-kernel counter: value = the calls it counted, flags =
                         the calls its recorder recorded (-1: no recorder) */
  JC_TREC_LOST = 9,     /* at the end, when the recorder's ring was full: value = calls not recorded */
};

struct jc_trace_header {
  uint32_t type;
  uint32_t pid;
  uint32_t arch;
  int32_t nr;
  int64_t ret;
  int64_t value;
  int64_t flags;  /* PATH: the flags argument the capture names, or -1 */
  uint32_t len;
  uint32_t pad;
};

/* What to capture, from the plan's TRACE op: for (arch, nr) read argument `arg` as kind
 * 1 = path string, 2 = integer, 3 = buffer whose length is argument `aux_arg`; for paths
 * `aux_arg` names the dirfd argument and `flags_arg` the open flags/mode (or -1). */
struct jc_capture {
  uint32_t arch;
  int32_t nr;
  int32_t kind;
  int32_t arg;
  int32_t aux_arg;
  int32_t flags_arg;
};

struct jc_counter;

/* The in-kernel counter (trace-count.h), when it runs: it counts the calls of `native_arch` that
 * did not stop; the tracer tells it which tasks are traced and which calls it counted itself. */
struct jc_trace_counting {
  struct jc_counter *counter;
  uint32_t native_arch;
};

/* Tracer side of the service's fork: configure, then loop until every traced process is gone.
 * `counting` (or NULL) names the in-kernel counter when it runs. Returns the service's wait
 * status. */
int jc_trace_loop(pid_t service, int trace_fd, const struct jc_capture *captures, int ncaptures,
                  const struct jc_trace_counting *counting);

/* In the service, before its last steps: become traceable and wait for the tracer. */
int jc_trace_me(void);

#endif
