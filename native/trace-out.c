/* What the tracer sends up (trace-out.h): records batched into one pipe write per 64 KiB or
 * 100 ms instead of one per traced call, the counts kept per (arch, nr) in a small open-addressed
 * table, and live totals on a timer. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "trace-count.h"
#include "trace-out.h"

#define MAX_COUNTS 4096

struct count { uint32_t arch; int32_t nr; uint64_t n; };
static struct count counts[MAX_COUNTS];

static char out_buf[65536];
static size_t out_len;
static struct timespec out_since;

void jc_out_flush(int fd) {
  size_t done = 0;
  while (done < out_len) {
    ssize_t n = write(fd, out_buf + done, out_len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break; /* the reader is gone: nothing left to tell */
    done += (size_t)n;
  }
  out_len = 0;
}

void jc_out_emit(int fd, uint32_t type, pid_t pid, uint32_t arch, int32_t nr, int64_t ret, int64_t value, int64_t flags, const void *data, uint32_t len) {
  struct jc_trace_header h = {type, (uint32_t)pid, arch, nr, ret, value, flags, len, 0};
  if (out_len + sizeof h + len > sizeof out_buf) jc_out_flush(fd);
  if (out_len == 0) clock_gettime(CLOCK_MONOTONIC_COARSE, &out_since);
  memcpy(out_buf + out_len, &h, sizeof h);
  if (len) memcpy(out_buf + out_len + sizeof h, data, len);
  out_len += sizeof h + len;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  if ((now.tv_sec - out_since.tv_sec) * 1000 + (now.tv_nsec - out_since.tv_nsec) / 1000000 >= 100) jc_out_flush(fd);
}

static struct count *count_of(uint32_t arch, int32_t nr, int create) {
  uint32_t h = (arch * 2654435761u) ^ (uint32_t)nr;
  for (uint32_t i = 0; i < MAX_COUNTS; i++) {
    struct count *c = &counts[(h + i) % MAX_COUNTS];
    if (c->n == 0 && !create) return NULL;
    if (c->n == 0) { c->arch = arch; c->nr = nr; }
    if (c->arch == arch && c->nr == nr) return c;
  }
  return NULL;
}

void jc_out_count(uint32_t arch, int32_t nr) {
  struct count *c = count_of(arch, nr, 1);
  if (c) c->n++;
}

void jc_out_counts(int fd, const struct jc_trace_counting *counting, int64_t recorded) {
  if (counting) {
    /* what the in-kernel counter counted (calls that did not stop), added to the tracer's own */
    uint64_t total = 0;
    for (int nr = 0; nr < JC_COUNTER_NRS; nr++) {
      uint64_t n = counting->counter->counts[nr];
      struct count *c = n ? count_of(counting->native_arch, nr, 1) : NULL;
      if (c) c->n += n;
      total += n;
    }
    jc_out_emit(fd, JC_TREC_COUNTER, 0, 0, 0, 0, (int64_t)total, recorded, NULL, 0);
    uint64_t lost = jc_counter_lost(counting->counter);
    if (lost) jc_out_emit(fd, JC_TREC_LOST, 0, 0, 0, 0, (int64_t)lost, -1, NULL, 0);
  }
  for (int i = 0; i < MAX_COUNTS; i++)
    if (counts[i].n) jc_out_emit(fd, JC_TREC_COUNT, 0, counts[i].arch, counts[i].nr, 0, (int64_t)counts[i].n, -1, NULL, 0);
}

static volatile sig_atomic_t progress_due;

static void on_progress_timer(int sig) {
  (void)sig;
  progress_due = 1;
}

void jc_progress_start(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_progress_timer; /* no SA_RESTART: waitpid returns, the loop reports */
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval every = {{0, 200000}, {0, 200000}};
  setitimer(ITIMER_REAL, &every, NULL);
}

void jc_progress_stop(void) {
  struct itimerval never = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &never, NULL);
}

int jc_progress_due(void) {
  if (!progress_due) return 0;
  progress_due = 0;
  return 1;
}

void jc_out_progress(int fd, const struct jc_trace_counting *counting) {
  uint64_t calls = 0, distinct = 0;
  for (int i = 0; i < MAX_COUNTS; i++) if (counts[i].n) { calls += counts[i].n; distinct++; }
  for (int nr = 0; counting && nr < JC_COUNTER_NRS; nr++) {
    uint64_t n = counting->counter->counts[nr];
    calls += n;
    if (n && !count_of(counting->native_arch, nr, 0)) distinct++;
  }
  jc_out_emit(fd, JC_TREC_PROGRESS, 0, 0, 0, 0, (int64_t)calls, (int64_t)distinct, NULL, 0);
  jc_out_flush(fd);
}

