/* Executors for the plan's operations, one short function per op code. */
#ifndef JC_OPS_H
#define JC_OPS_H

#include <sys/types.h>
#include "fail.h"
#include "plan.h"

struct jc_ctx {
  pid_t child_pid;  /* PARENT phase: the jail's pid 1 as seen from outside */
  pid_t parent_pid; /* SERVICE phase: the jail's pid 1, which forked the service */
};

/* Runs plan->ops[index]. Returns 0, or -1 with *fail filled (never prints). */
int jc_run_op(const struct jc_plan *plan, uint32_t index, struct jc_ctx *ctx, struct jc_fail *fail);

#endif
