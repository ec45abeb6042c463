/* The daemon's loop: ppoll over the endpoints (and the RESCUE helper's answer), each packet to
 * the verifier, replies to the sender only and never larger than the request, the action once,
 * children reaped, --window deadlines. Signals only set flags; they are handled between polls. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "daemon.h"
#include "flag.h"
#include "reboot.h"
#include "rescue.h"

#define DRAIN_PER_WAKE 64 /* packets per endpoint per wake-up, so that one flood cannot starve another */

static volatile sig_atomic_t g_stop, g_child;

static void on_signal(int sig) {
  if (sig == SIGCHLD) g_child = 1;
  else g_stop = 1;
}

static const char *action_name(uint8_t action) {
  return action == JC_FS_FAILSAFE_REBOOT ? "failsafe reboot" : "rescue";
}

static void report_error(struct jc_fs_daemon *d, const char *what, int err) {
  char why[96];
  if (++d->errors > JC_FS_MAX_REPORTED_ERRORS) return;
  jc_fs_warn("%s: %s", what, jc_fs_errno_text(err, why, sizeof why));
  if (d->errors == JC_FS_MAX_REPORTED_ERRORS) jc_fs_warn("further errors are not reported");
}

/* The amplification guard, independent of the verifier: never more bytes than the request. */
static void send_reply(struct jc_fs_daemon *d, unsigned endpoint, const struct jc_fs_peer *to, size_t request_len, const uint8_t *bytes, size_t len) {
  char what[192];
  const struct jc_fs_endpoint *ep = &d->endpoints[endpoint];
  if (len > request_len) return;
  if (jc_fs_send(ep, to, bytes, len) < 0) {
    snprintf(what, sizeof what, "%s: send to %s", ep->description, to->text);
    report_error(d, what, errno);
  }
}

static void end(struct jc_fs_daemon *d, int code) {
  d->ending = 1;
  d->exit_code = code;
}

static void window_closed(struct jc_fs_daemon *d) {
  jc_fs_log("window closed without a trigger");
  end(d, 1);
}

static void request_reboot(struct jc_fs_daemon *d) {
  struct jc_fs_error e;
  const char *cmd = d->opt.reboot_cmd;
  if (d->opt.reboot_fifo) {
    if (jc_fs_request_reboot(d->opt.reboot_fifo, &e) < 0) jc_fs_warn("%s", e.msg);
    else jc_fs_log("flag set; reboot requested through %s", d->opt.reboot_fifo);
  } else if (!cmd || cmd[strspn(cmd, " \t\n")] == '\0') {
    jc_fs_log("flag set; no reboot command (--reboot-cmd is empty)");
  } else {
    jc_fs_log("flag set; running %s", cmd);
    d->reboot_pid = jc_fs_run_reboot_cmd(cmd, &e);
    if (d->reboot_pid < 0) { d->reboot_pid = 0; jc_fs_warn("%s", e.msg); }
  }
}

/* The action's outcome: ACK it, then (OK) carry out what follows. */
static void finish(struct jc_fs_daemon *d, enum jc_fs_status status) {
  static const char *const NAMES[] = {"OK", "REFUSED", "IOERR"};
  struct jc_fs_pending *p = &d->pending;
  uint8_t ack[JC_FS_MAX_PACKET];
  size_t len = jc_fs_verifier_finish(&d->verifier, status, ack);
  send_reply(d, p->endpoint, &p->peer, p->request_len, ack, len);
  p->active = 0;
  if (status != JC_FS_OK) {
    jc_fs_log("%s requested by %s: answered %s", action_name(p->action), p->peer.text, NAMES[status]);
    if (d->window_expired) window_closed(d);
    return;
  }
  jc_fs_log("%s triggered by %s", action_name(p->action), p->peer.text);
  if (p->action == JC_FS_FAILSAFE_REBOOT) request_reboot(d);
  if (d->opt.window_ms > 0) d->linger_end = jc_fs_now_ms() + JC_FS_LINGER_MS;
}

static void act(struct jc_fs_daemon *d, const struct jc_fs_verdict *v, int64_t now) {
  struct jc_fs_error e;
  if (v->action == JC_FS_FAILSAFE_REBOOT) {
    /* set and verified before anything else happens; a failure is ACK IOERR and no reboot */
    int ok = jc_fs_set_flag(d->opt.flag, &e) == 0;
    if (!ok) jc_fs_warn("%s; answering IOERR, not rebooting", e.msg);
    return finish(d, ok ? JC_FS_OK : JC_FS_IOERR);
  }
  d->rescue_pid = jc_fs_start_rescue(d->opt.rescue_argv, v->param, &d->rescue_fd, &e);
  if (d->rescue_pid < 0) {
    d->rescue_pid = 0;
    jc_fs_warn("%s", e.msg);
    return finish(d, JC_FS_IOERR);
  }
  d->rescue_deadline = now + JC_FS_RESCUE_ANSWER_MS;
}

static void rescue_answered(struct jc_fs_daemon *d, int64_t now) {
  int status = jc_fs_read_rescue_status(d->rescue_fd);
  if (status == -1 && now < d->rescue_deadline) return;
  close(d->rescue_fd);
  d->rescue_fd = -1;
  if (status < 0) {
    jc_fs_warn("rescue failed: %s", status == -1 ? "the rescue helper did not answer in time" : "the rescue helper ended without an answer");
    if (status == -1 && d->rescue_pid > 0) kill(d->rescue_pid, SIGTERM);
    status = JC_FS_IOERR;
  }
  finish(d, (enum jc_fs_status)status);
}

static void handle_packet(struct jc_fs_daemon *d, unsigned endpoint, const uint8_t *packet, size_t len, const struct jc_fs_peer *from, int64_t now) {
  struct jc_fs_verdict v;
  jc_fs_verifier_receive(&d->verifier, packet, len, now, &v);
  if (v.kind == JC_FS_VERDICT_DROP && v.reason == JC_FS_DROP_NO_RANDOM) report_error(d, "no server nonce: getrandom(2)", errno);
  if (v.kind == JC_FS_VERDICT_REPLY) send_reply(d, endpoint, from, len, v.bytes, v.len);
  if (v.kind != JC_FS_VERDICT_ACT) return;
  d->pending = (struct jc_fs_pending){1, endpoint, *from, len, v.action};
  act(d, &v, now);
}

static void drain(struct jc_fs_daemon *d, unsigned endpoint, int64_t now) {
  uint8_t buf[JC_FS_MAX_PACKET + 1];
  struct jc_fs_peer from;
  char what[128];
  for (int i = 0; i < DRAIN_PER_WAKE && !d->ending; i++) {
    ssize_t n = jc_fs_receive(&d->endpoints[endpoint], buf, sizeof buf, &from);
    if (n == -1) return;
    if (n == -2) {
      snprintf(what, sizeof what, "%s: recv", d->endpoints[endpoint].description);
      return report_error(d, what, errno); /* e.g. ENETDOWN while the interface is down */
    }
    if (n > 0) handle_packet(d, endpoint, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf, &from, now);
  }
}

static void describe_status(int status, char *out, size_t size) {
  if (WIFEXITED(status)) snprintf(out, size, "exit %d", WEXITSTATUS(status));
  else snprintf(out, size, "signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
}

static void reap(struct jc_fs_daemon *d) {
  int status;
  pid_t pid;
  char how[64];
  g_child = 0;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    if (pid == d->reboot_pid) {
      d->reboot_pid = 0;
      describe_status(status, how, sizeof how);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) jc_fs_warn("the reboot command %s ended with %s", d->opt.reboot_cmd, how);
    } else if (pid == d->rescue_pid) {
      d->rescue_pid = 0;
      if (d->exit_when_rescue_ends) end(d, 0);
    }
  }
}

static void check_deadlines(struct jc_fs_daemon *d, int64_t now) {
  if (d->window_end >= 0 && now >= d->window_end) {
    d->window_end = -1;
    d->window_expired = 1;
    if (d->verifier.mode == JC_FS_OPEN) window_closed(d);
  }
  if (d->linger_end >= 0 && now >= d->linger_end) {
    d->linger_end = -1;
    if (d->rescue_pid > 0) d->exit_when_rescue_ends = 1;
    else end(d, 0);
  }
}

/* Milliseconds until the nearest deadline, for ppoll; NULL when there is none. */
static struct timespec *next_wake(const struct jc_fs_daemon *d, int64_t now, struct timespec *ts) {
  int64_t deadlines[] = {d->window_end, d->linger_end, d->rescue_fd >= 0 ? d->rescue_deadline : -1}, next = -1;
  for (unsigned i = 0; i < 3; i++)
    if (deadlines[i] >= 0 && (next < 0 || deadlines[i] < next)) next = deadlines[i];
  if (next < 0) return NULL;
  int64_t ms = next > now ? next - now : 0;
  ts->tv_sec = ms / 1000;
  ts->tv_nsec = (ms % 1000) * 1000000;
  return ts;
}

static void stop(struct jc_fs_daemon *d) {
  char counts[512] = "";
  size_t n = 0;
  jc_fs_verifier_wipe(&d->verifier);
  for (unsigned i = 0; i < JC_FS_COUNTS; i++)
    if (d->verifier.counts[i] > 0)
      n += (size_t)snprintf(counts + n, sizeof counts - n, "%s%s %llu", n ? ", " : "", jc_fs_count_name(i), (unsigned long long)d->verifier.counts[i]);
  jc_fs_log("stopping; packets seen: %s", n ? counts : "none");
  if (d->rescue_pid > 0) {
    int status;
    kill(d->rescue_pid, SIGTERM); /* the helper stops the service and removes its rules */
    while (waitpid(d->rescue_pid, &status, 0) < 0 && errno == EINTR) {}
  }
  for (unsigned i = 0; i < d->nendpoints; i++) close(d->endpoints[i].fd);
}

static void install_signals(sigset_t *while_polling) {
  struct sigaction sa;
  sigset_t blocked;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&blocked);
  int signals[] = {SIGTERM, SIGINT, SIGCHLD};
  for (unsigned i = 0; i < 3; i++) {
    sigaction(signals[i], &sa, NULL);
    sigaddset(&blocked, signals[i]);
  }
  /* delivered only inside ppoll, so a flag set by a handler is never missed */
  sigprocmask(SIG_BLOCK, &blocked, while_polling);
  sigdelset(while_polling, SIGTERM);
  sigdelset(while_polling, SIGINT);
  sigdelset(while_polling, SIGCHLD);
}

int jc_fs_serve(struct jc_fs_daemon *d) {
  struct pollfd fds[JC_FS_MAX_ENDPOINTS + 1];
  struct timespec ts;
  sigset_t while_polling;
  install_signals(&while_polling);
  while (!d->ending) {
    unsigned n = d->nendpoints;
    for (unsigned i = 0; i < n; i++) fds[i] = (struct pollfd){d->endpoints[i].fd, POLLIN, 0};
    fds[n] = (struct pollfd){d->rescue_fd, POLLIN, 0}; /* a negative fd is ignored by poll */
    int ready = ppoll(fds, n + 1, next_wake(d, jc_fs_now_ms(), &ts), &while_polling);
    if (ready < 0 && errno != EINTR) { report_error(d, "ppoll", errno); continue; }
    int64_t now = jc_fs_now_ms();
    if (g_child) reap(d);
    if (g_stop) { end(d, 0); break; }
    if (d->rescue_fd >= 0 && (fds[n].revents || now >= d->rescue_deadline)) rescue_answered(d, now);
    for (unsigned i = 0; i < n && ready > 0; i++)
      if (fds[i].revents) drain(d, i, now);
    check_deadlines(d, now);
  }
  stop(d);
  return d->exit_code;
}
