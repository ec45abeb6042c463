/* The resident supervisor of `jailctl service NAME start`. Everything it applies (respawn
 * threshold/timeout/retry, term timeout, where logs, state and the pidfile go, the hook run
 * after every respawn) comes from the plan's SUPERVISE step; this file only counts, waits,
 * writes and copies bytes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "children.h"
#include "resident.h"
#include "service.h"
#include "start.h"

struct svc {
  const struct jc_plan *plan;
  struct jc_jail_args *args;
  int respawn, retry, ready_fd, log_fd, syslog_fd, signal_fd;
  int64_t threshold_ms, timeout_ms, term_timeout_ms;
  const char *state_file, *ident, *pidfile;
  char *const *hook_argv; /* NULL-terminated; NULL for no hook */
  char *const *hook_envp;
  int restarts, crashes, stopping;
  pid_t jail, service, hook;
  int64_t started_ms;
  char line[2][1024]; /* partial syslog lines of stdout and stderr */
  size_t line_len[2];
};

static int64_t now_ms(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void write_state(struct svc *s, const char *state, int last_status) {
  char tmp[4200], text[512];
  if (!s->state_file[0]) return;
  int n = snprintf(text, sizeof text, "state=%s\nlauncher=%d\njail=%d\nservice=%d\nstarted_ms=%lld\nrestarts=%d\ncrashes=%d\nlast_status=%d\n",
                   state, (int)getpid(), (int)s->jail, (int)s->service, (long long)s->started_ms, s->restarts, s->crashes, last_status);
  snprintf(tmp, sizeof tmp, "%s.tmp", s->state_file);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  ssize_t w = write(fd, text, (size_t)n);
  close(fd);
  if (w == n) rename(tmp, s->state_file); /* readers never see a half-written state */
  else unlink(tmp);
}

/* syslog(3) format over /dev/log without libc's syslog (which would keep state of its own). */
static void send_syslog(struct svc *s, int err, const char *msg, size_t len) {
  char buf[1200];
  if (s->syslog_fd < 0) return;
  int n = snprintf(buf, sizeof buf, "<%d>%s[%d]: %.*s", 3 * 8 + (err ? 3 : 6), s->ident, (int)s->jail, (int)len, msg);
  if (n > 0) send(s->syslog_fd, buf, (size_t)(n < (int)sizeof buf ? n : (int)sizeof buf - 1), MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void log_bytes(struct svc *s, int stream, const char *data, size_t len) {
  if (s->log_fd >= 0 && write(s->log_fd, data, len) < 0) { /* a full disk must not stop the service */ }
  for (size_t i = 0; i < len; i++) {
    char c = data[i];
    if (c != '\n' && s->line_len[stream] < sizeof s->line[stream]) { s->line[stream][s->line_len[stream]++] = c; continue; }
    send_syslog(s, stream, s->line[stream], s->line_len[stream]);
    s->line_len[stream] = 0;
    if (c != '\n') s->line[stream][s->line_len[stream]++] = c;
  }
}

static void log_text(struct svc *s, const char *text) {
  log_bytes(s, 1, text, strlen(text));
}

/* procd's pidfile: the service's pid, rewritten on every start; a failure is logged, as procd does. */
static void write_pidfile(struct svc *s) {
  char text[24];
  if (!s->pidfile[0] || s->service <= 0) return;
  int n = snprintf(text, sizeof text, "%d\n", (int)s->service);
  int fd = open(s->pidfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd >= 0 && write(fd, text, (size_t)n) == n) { close(fd); return; }
  int err = errno;
  if (fd >= 0) close(fd);
  char line[600];
  int len = snprintf(line, sizeof line, "jailctl: cannot write the pidfile %s: %s\n", s->pidfile, strerror(err));
  if (len > 0) log_bytes(s, 0, line, (size_t)(len < (int)sizeof line ? len : (int)sizeof line - 1));
}

/* procd runs `/etc/init.d/NAME running` after every (re)start of an instance: the plan's hook. */
static void run_hook(struct svc *s) {
  if (!s->hook_argv || s->hook > 0) return;
  pid_t pid = fork();
  if (pid != 0) { if (pid > 0) s->hook = pid; return; }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  execve(s->hook_argv[0], s->hook_argv, s->hook_envp);
  _exit(127);
}

static void reap_hook(struct svc *s) {
  int status;
  if (s->hook > 0 && waitpid(s->hook, &status, WNOHANG) == s->hook) s->hook = 0;
}

static void open_sinks(struct svc *s, const char *log_file) {
  s->log_fd = log_file[0] ? open(log_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640) : -1;
  s->syslog_fd = -1;
  if (!s->ident[0]) return;
  struct sockaddr_un addr = {.sun_family = AF_UNIX, .sun_path = "/dev/log"};
  s->syslog_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s->syslog_fd >= 0 && connect(s->syslog_fd, (struct sockaddr *)&addr, sizeof addr) < 0) { close(s->syslog_fd); s->syslog_fd = -1; }
}

/* Copies whatever the jail wrote; returns 0 at EOF of that pipe. */
static int pump(struct svc *s, int *fd, int stream) {
  char buf[4096];
  ssize_t n = read(*fd, buf, sizeof buf);
  if (n > 0) { log_bytes(s, stream, buf, (size_t)n); return 1; }
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 1;
  close(*fd);
  *fd = -1;
  return 0;
}

static void on_signal(struct svc *s, int sig, int64_t *kill_at) {
  if (sig == SIGCHLD) return;
  if (sig == SIGTERM || sig == SIGINT) {
    s->stopping = 1;
    if (*kill_at == 0) *kill_at = now_ms(CLOCK_MONOTONIC) + s->term_timeout_ms;
  }
  kill(s->jail, sig); /* pid 1 forwards it to the service */
}

/* Waits for the jail to end while logging its output; returns the service's wait status. */
static int wait_jail(struct svc *s) {
  int64_t kill_at = 0;
  int status = 0, done = 0;
  while (!done || s->args->out_pipe[0] >= 0 || s->args->err_pipe[0] >= 0) {
    struct pollfd p[3] = {{s->signal_fd, POLLIN, 0}, {s->args->out_pipe[0], POLLIN, 0}, {s->args->err_pipe[0], POLLIN, 0}};
    int timeout = -1;
    if (kill_at) { int64_t left = kill_at - now_ms(CLOCK_MONOTONIC); timeout = left > 0 ? (int)left : 0; }
    if (poll(p, 3, done ? 100 : timeout) < 0 && errno != EINTR) break;
    if (p[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(s->signal_fd, &si, sizeof si) == sizeof si) on_signal(s, (int)si.ssi_signo, &kill_at);
      reap_hook(s);
    }
    if (p[1].revents) pump(s, &s->args->out_pipe[0], 1);
    if (p[2].revents) pump(s, &s->args->err_pipe[0], 0);
    if (kill_at && !done && now_ms(CLOCK_MONOTONIC) >= kill_at) {
      /* pid 1 of a pid namespace takes the service along; without one the service dies with
       * it (its parent-death signal), and is killed here too in case it has not set it yet */
      if (s->service > 0) kill(s->service, SIGKILL);
      kill(s->jail, SIGKILL);
      kill_at = 0;
    }
    if (!done && waitpid(s->jail, &status, WNOHANG) == s->jail) done = 1;
    else if (done && !(p[1].revents | p[2].revents)) break; /* output drained */
  }
  int service_status;
  ssize_t n = read(s->args->status_pipe[0], &service_status, sizeof service_status);
  close(s->args->status_pipe[0]);
  return n == sizeof service_status ? service_status : status;
}

/* Sleeps before a respawn; returns 1 if told to stop meanwhile. */
static int wait_respawn(struct svc *s) {
  int64_t until = now_ms(CLOCK_MONOTONIC) + s->timeout_ms;
  for (int64_t left; (left = until - now_ms(CLOCK_MONOTONIC)) > 0;) {
    struct pollfd p = {s->signal_fd, POLLIN, 0};
    if (poll(&p, 1, (int)left) > 0) {
      struct signalfd_siginfo si;
      while (read(s->signal_fd, &si, sizeof si) == sizeof si)
        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) return 1;
      reap_hook(s);
    }
  }
  return 0;
}

static void report_ready(struct svc *s, const void *what, size_t len) {
  if (s->ready_fd < 0) return;
  if (write(s->ready_fd, what, len) < 0) { /* the starter went away: nothing to tell */ }
  close(s->ready_fd);
  /* both copies: a respawned jail's pid 1 must not close the number once pipe2() reuses it */
  s->ready_fd = s->args->ready_fd = -1;
}

/* Stopped on request: no state file, and procd removes the pidfile of a halted instance. */
static int stopped(struct svc *s) {
  if (s->state_file[0]) unlink(s->state_file);
  if (s->pidfile[0]) unlink(s->pidfile);
  return 0;
}

static int give_up(struct svc *s, const char *state, int status) {
  write_state(s, state, status);
  jc_run_cleanup(s->plan);
  return jc_status_to_exit(status);
}

int jc_service_main(const struct jc_plan *plan, struct jc_jail_args *args, const struct jc_op *op) {
  struct svc s = {.plan = plan, .args = args, .jail = 0};
  if (op->nints < 8 || op->nstrs < 4 || op->nstrs != 4 + (uint32_t)op->ints[6] + (uint32_t)op->ints[7]) return 125;
  s.respawn = (int)op->ints[0]; s.threshold_ms = op->ints[1]; s.timeout_ms = op->ints[2];
  s.retry = (int)op->ints[3]; s.term_timeout_ms = op->ints[4]; s.ready_fd = (int)op->ints[5];
  s.state_file = op->strs[0]; s.ident = op->strs[2]; s.pidfile = op->strs[3];
  if (op->ints[6] > 0) {
    /* the strings are NUL-terminated and live as long as the plan: point at them */
    char **vec = calloc((size_t)(op->ints[6] + op->ints[7] + 2), sizeof(char *));
    if (!vec) return 125;
    for (int64_t i = 0; i < op->ints[6]; i++) vec[i] = (char *)op->strs[4 + i];
    for (int64_t i = 0; i < op->ints[7]; i++) vec[op->ints[6] + 1 + i] = (char *)op->strs[4 + op->ints[6] + i];
    s.hook_argv = vec;
    s.hook_envp = vec + op->ints[6] + 1;
  }
  open_sinks(&s, op->strs[1]);
  sigset_t mask;
  sigemptyset(&mask);
  for (int i = 0; i < args->nsignals; i++) sigaddset(&mask, args->signals[i]);
  sigaddset(&mask, SIGCHLD);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  s.signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  for (;;) {
    struct jc_fail fail;
    s.started_ms = now_ms(CLOCK_BOOTTIME);
    s.jail = jc_start_jail(plan, args, 1, &fail);
    s.service = 0;
    int status;
    if (s.jail < 0) {
      char text[2048];
      int n = jc_format_fail(plan, &fail, text, sizeof text);
      log_bytes(&s, 0, text, (size_t)n);
      jc_run_cleanup(plan);
      if (s.ready_fd >= 0) { report_ready(&s, &fail, sizeof fail); return jc_fail_exit_code(plan, &fail); }
      status = 125 << 8;
    } else {
      s.service = jc_first_child(s.jail);
      write_state(&s, "running", 0);
      write_pidfile(&s);
      report_ready(&s, "R", 1);
      if (s.restarts > 0) run_hook(&s);
      jc_trim_resident();
      status = wait_jail(&s);
      jc_run_cleanup(plan);
    }
    if (s.stopping) return stopped(&s);
    if (!s.respawn) return give_up(&s, "stopped", status);
    s.crashes = now_ms(CLOCK_BOOTTIME) - s.started_ms < s.threshold_ms ? s.crashes + 1 : 0;
    /* procd: retry 0 (and a negative retry, which procd reads as a huge unsigned one) never gives up */
    if (s.retry > 0 && s.crashes > s.retry) { log_text(&s, "jailctl: respawn limit reached, giving up\n"); return give_up(&s, "crashed", status); }
    write_state(&s, "respawning", status);
    if (wait_respawn(&s)) return stopped(&s);
    s.restarts++;
  }
}
