/* Executors for the plan's operations, one short function per op code. */
#ifndef JC_OPS_H
#define JC_OPS_H

#include <sys/types.h>
#include "fail.h"
#include "plan.h"

struct jc_ctx {
  pid_t child_pid;  /* PARENT phase: the jail's pid 1 as seen from outside */
  int proc_fd;      /* JAIL phase: the detached /proc of the open-proc step, or -1 */
  pid_t parent_pid; /* SERVICE phase: the jail's pid 1, which forked the service */
  int notify_fd;    /* SERVICE phase: where a listener's fd number goes to pid 1, or -1 */
};

/* native/mount-ops.c: an absolute path opened O_PATH without following any symlink ("." and
 * ".." refused), or -1; with want_dir, ENOTDIR for anything but a directory. */
int jc_open_no_symlinks(const char *path, int want_dir);
int jc_op_mount(const struct jc_op *op, struct jc_fail *fail);
int jc_op_bind(const struct jc_op *op, struct jc_fail *fail);
int jc_op_remount(const struct jc_op *op, struct jc_fail *fail);
int jc_op_setattr(const struct jc_op *op, struct jc_fail *fail);

/* native/seccomp-ops.c: JC_OP_SECCOMP in the service, JC_OP_OPEN_PROC in pid 1. */
int jc_op_seccomp(const struct jc_op *op, struct jc_ctx *ctx, struct jc_fail *fail);
int jc_op_open_proc(struct jc_ctx *ctx, struct jc_fail *fail);

/* Builds the execve step's argv and envp before the service's steps run, so that nothing after
 * the seccomp filter allocates (the filter may refuse brk or mmap). Returns 0 or -1. */
int jc_prepare_exec(const struct jc_plan *plan);

/* Runs plan->ops[index]. Returns 0, or -1 with *fail filled (never prints). */
int jc_run_op(const struct jc_plan *plan, uint32_t index, struct jc_ctx *ctx, struct jc_fail *fail);

#endif
