/* Executors for the plan's operations, one short function per op code. */
#ifndef JC_OPS_H
#define JC_OPS_H

#include <sys/types.h>
#include "fail.h"
#include "plan.h"

struct jc_ctx {
  pid_t child_pid; /* PARENT phase: the jail's pid 1 as seen from outside */
};

/* native/mount-ops.c: an absolute path opened O_PATH without following any symlink ("." and
 * ".." refused), or -1; with want_dir, ENOTDIR for anything but a directory. */
int jc_open_no_symlinks(const char *path, int want_dir);
int jc_op_mount(const struct jc_op *op, struct jc_fail *fail);
int jc_op_bind(const struct jc_op *op, struct jc_fail *fail);
int jc_op_remount(const struct jc_op *op, struct jc_fail *fail);
int jc_op_setattr(const struct jc_op *op, struct jc_fail *fail);

/* Runs plan->ops[index]. Returns 0, or -1 with *fail filled (never prints). */
int jc_run_op(const struct jc_plan *plan, uint32_t index, struct jc_ctx *ctx, struct jc_fail *fail);

#endif
