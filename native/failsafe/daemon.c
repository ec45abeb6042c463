/* jailctl-failsafe: the buttonless-failsafe listener (FAILSAFE.md) as a small static daemon for
 * routers without Node. `jailctl failsafe listen` (or init.d/failsafe-listener) decides every
 * option; this file checks them, reads the key, opens the endpoints and hands over to serve.c.
 * Setup failures are one line (and a hint) on stderr and exit 125. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "daemon.h"
#include "flag.h"
#include "hmac-sha256.h"
#include "key-file.h"
#include "reboot.h"

int64_t jc_fs_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts); /* never wall-clock time: routers boot without an RTC */
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Server nonces from the kernel CSPRNG; getrandom(2) waits until it is seeded. */
static int kernel_random(void *ctx, uint8_t *out, size_t n) {
  (void)ctx;
  size_t got = 0;
  while (got < n) {
    ssize_t r = getrandom(out + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    got += (size_t)r;
  }
  return 0;
}

static int setup_failed(struct jc_fs_daemon *d, const struct jc_fs_error *e) {
  jc_fs_verifier_wipe(&d->verifier);
  for (unsigned i = 0; i < d->nendpoints; i++) close(d->endpoints[i].fd);
  fprintf(stderr, "jailctl: %s\n", e->msg);
  if (e->hint) fprintf(stderr, "hint: %s\n", e->hint);
  return 125;
}

static int open_endpoints(struct jc_fs_daemon *d, struct jc_fs_error *e) {
  for (unsigned i = 0; i < d->opt.nudp; i++, d->nendpoints++)
    if (jc_fs_open_udp(d->opt.udp[i], &d->endpoints[d->nendpoints], e) < 0) return -1;
  for (unsigned i = 0; i < d->opt.nifaces; i++, d->nendpoints++)
    if (jc_fs_open_raw(d->opt.ifaces[i], &d->endpoints[d->nendpoints], e) < 0) return -1;
  return 0;
}

static void log_listening(const struct jc_fs_daemon *d) {
  char where[JC_FS_MAX_ENDPOINTS * 100] = "", id[17];
  size_t n = 0;
  for (unsigned i = 0; i < d->nendpoints; i++)
    n += (size_t)snprintf(where + n, sizeof where - n, "%s%s", i ? ", " : "", d->endpoints[i].description);
  for (int i = 0; i < 8; i++) snprintf(id + 2 * i, 3, "%02x", d->verifier.keys.dev_id[i]);
  int failsafe = d->opt.failsafe_enabled, rescue = d->opt.rescue_argv != NULL;
  const char *actions = failsafe && rescue ? "failsafe, rescue" : failsafe ? "failsafe" : rescue ? "rescue" : "none";
  jc_fs_log("listening on %s; dev_id %s; actions: %s", where, id, actions);
}

int main(int argc, char **argv) {
  static struct jc_fs_daemon d; /* static: no copy of the keys on a stack that is reused */
  struct jc_fs_error e = {"", NULL};
  struct jc_fs_keys keys;
  signal(SIGPIPE, SIG_IGN); /* a FIFO or peer gone is an error to report, not a death */
  d.rescue_fd = -1;
  d.window_end = d.linger_end = -1;
  if (jc_fs_parse_options(argc, argv, &d.opt, &e) < 0) return setup_failed(&d, &e);
  if (jc_fs_read_keys(d.opt.config, &keys, &e) < 0) return setup_failed(&d, &e);
  jc_fs_verifier_init(&d.verifier, &keys, d.opt.failsafe_enabled, d.opt.rescue_argv != NULL, jc_fs_now_ms(), kernel_random, NULL);
  jc_wipe(&keys, sizeof keys); /* the verifier holds the only copy */
  if (d.opt.failsafe_enabled && jc_fs_prepare_flag(d.opt.flag, &e) < 0) return setup_failed(&d, &e);
  if (d.opt.failsafe_enabled && d.opt.reboot_fifo && jc_fs_check_fifo(d.opt.reboot_fifo, &e) < 0) return setup_failed(&d, &e);
  if (open_endpoints(&d, &e) < 0) return setup_failed(&d, &e);
  if (d.opt.window_ms > 0) d.window_end = jc_fs_now_ms() + d.opt.window_ms;
  log_listening(&d);
  return jc_fs_serve(&d);
}
