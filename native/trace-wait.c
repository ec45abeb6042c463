/* Waiting for the next stop (trace-wait.h). */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include "trace-wait.h"

void jc_stop_waiter_open(struct jc_stop_waiter *w, int ring_fd) {
  w->epoll = w->signals = -1;
  if (ring_fd < 0) return;
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  w->signals = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
  w->epoll = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event on_signal = {EPOLLIN, {.fd = w->signals}}, on_ring = {EPOLLIN, {.fd = ring_fd}};
  if (w->signals < 0 || w->epoll < 0 || epoll_ctl(w->epoll, EPOLL_CTL_ADD, w->signals, &on_signal) < 0 ||
      epoll_ctl(w->epoll, EPOLL_CTL_ADD, ring_fd, &on_ring) < 0) {
    if (w->epoll >= 0) close(w->epoll);
    w->epoll = -1; /* waitpid alone: the ring is drained at each stop and on the timer */
  }
}

pid_t jc_next_stop(struct jc_stop_waiter *w, int *status, void (*drain)(void *), void *arg) {
  if (w->epoll < 0) return waitpid(-1, status, __WALL);
  for (;;) {
    pid_t pid = waitpid(-1, status, __WALL | WNOHANG);
    if (pid != 0) return pid;
    drain(arg);
    struct epoll_event ready[2];
    if (epoll_wait(w->epoll, ready, 2, -1) < 0) return -1;
    struct signalfd_siginfo info;
    while (read(w->signals, &info, sizeof info) > 0) continue;
  }
}

