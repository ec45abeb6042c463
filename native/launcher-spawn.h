/* The launcher as a child of Node (jailctl trace): plan in a memfd on fd 3, records on a pipe. */
#ifndef JC_LAUNCHER_SPAWN_H
#define JC_LAUNCHER_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

/* A memfd holding the whole plan, read from its start: the descriptor, or -errno. Without
 * `cloexec` it survives execve (execLauncher hands it to the launcher that replaces Node). */
int jc_plan_memfd(const unsigned char *plan, size_t plan_len, int cloexec);

/* Starts `path` with the plan on fd 3 and the write end of a new pipe on fd 4 (stdin and stderr
 * are ours; stdout is ours, or our stderr when `stdout_from_stderr`). Sets *pid and *trace_r (the
 * pipe's read end, close-on-exec); returns 0 or -errno. */
int jc_spawn_launcher(const char *path, const unsigned char *plan, size_t plan_len, int stdout_from_stderr, pid_t *pid, int *trace_r);

/* Waits until the child `pid` has exited, leaving it unreaped (its pid stays ours); 0 or -errno.
 * Blocks: thread pool only. */
int jc_wait_exit(pid_t pid);

/* Reaps the child `pid`; 0 with its status, or -errno. */
int jc_reap(pid_t pid, int *status);

#endif
