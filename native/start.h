/* Starting one instance of the jail: pipes, clone(), parent-side steps, release, and the
 * answer from the child (a failure record, or EOF once the service's execve succeeded). */
#ifndef JC_START_H
#define JC_START_H

#include <sys/types.h>
#include "fail.h"
#include "jail.h"

/* Returns pid 1 of the jail (as seen from here), or -1 with *fail filled and the jail gone. */
pid_t jc_start_jail(const struct jc_plan *plan, struct jc_jail_args *args, int capture_output, struct jc_fail *fail);

/* Runs the plan's CLEANUP steps (cgroup removal), reporting failures to stderr. */
void jc_run_cleanup(const struct jc_plan *plan);

/* 128+N for a signal death, the exit code otherwise. */
int jc_status_to_exit(int status);

void jc_reap(pid_t pid, int *status);

#endif
