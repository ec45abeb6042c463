/* Waiting for the next ptrace stop of a traced task, or (with the in-kernel recorder) for its ring
 * buffer to ask for a drain: SIGCHLD through a signalfd and the ring's descriptor in one epoll, so
 * that a stop between the last look and the wait is not missed. */
#ifndef JC_TRACE_WAIT_H
#define JC_TRACE_WAIT_H

#include <sys/types.h>

struct jc_stop_waiter { int epoll, signals; };

/* With ring_fd < 0 (or where epoll/signalfd fail) waiting is a plain waitpid. */
void jc_stop_waiter_open(struct jc_stop_waiter *w, int ring_fd);

/* waitpid(-1, status, __WALL), calling drain(arg) whenever the ring wakes us instead. Returns -1
 * with EINTR when a signal handler ran (the progress timer). */
pid_t jc_next_stop(struct jc_stop_waiter *w, int *status, void (*drain)(void *), void *arg);

#endif
