/* Reading launch plans: from a descriptor (jailctl hands one over) or from a stored-plan file
 * (`jailctl-launch --plan FILE`), checked for trust, machine and freshness first. */
#ifndef JC_PLAN_FILE_H
#define JC_PLAN_FILE_H

#include <stddef.h>
#include "plan.h"

/* Reads fd to its end (at most 64 MiB) into a new buffer. Returns 0, or -1 with errno. */
int jc_read_all(int fd, unsigned char **out, size_t *len);

/* Loads the stored plan in `file` into *plan. Returns 0, or prints one line naming the file and
 * what is wrong (not root's, writable by others, corrupt, another machine's, stale) and returns
 * the launcher's exit status, 125. */
int jc_load_plan_file(const char *file, struct jc_plan *plan);

#endif
