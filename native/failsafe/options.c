/* Parsing the daemon's command line (see options.h). Refuses what cannot work (nothing to listen
 * on, no flag for FAILSAFE_REBOOT, both reboot paths) before anything is opened. */
#include "options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define USAGE_HINT "usage: jailctl-failsafe --config FILE [--udp ADDR:PORT]... [--iface NAME]... [--flag PATH] " \
  "[--reboot-cmd CMD | --reboot-fifo PATH] [--window MS] [--no-failsafe-action] [-- RESCUE-HELPER ARG...]; " \
  "`jailctl failsafe listen` writes it"

static int add(const char **list, unsigned *n, unsigned max, const char *value, const char *name, struct jc_fs_error *e) {
  if (*n >= max) return jc_fs_fail(e, NULL, "more than %u %s options", max, name);
  list[(*n)++] = value;
  return 0;
}

static int parse_window(const char *text, long *out, struct jc_fs_error *e) {
  char *end;
  errno = 0;
  long ms = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || ms <= 0) return jc_fs_fail(e, NULL, "--window %s: expected a number of milliseconds above 0", text);
  *out = ms;
  return 0;
}

static int takes_value(const char *arg) {
  static const char *const NAMES[] = {"--config", "--udp", "--iface", "--flag", "--reboot-cmd", "--reboot-fifo", "--window"};
  for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
    if (strcmp(arg, NAMES[i]) == 0) return 1;
  return 0;
}

static int check(const struct jc_fs_options *o, struct jc_fs_error *e) {
  if (!o->config) return jc_fs_fail(e, USAGE_HINT, "--config FILE is missing (the UCI file holding the key)");
  if (o->nudp == 0 && o->nifaces == 0) return jc_fs_fail(e, "give --udp ADDR:PORT or --iface NAME", "nothing to listen on: no --udp and no --iface");
  if (o->failsafe_enabled && !o->flag) return jc_fs_fail(e, "give --flag PATH, or --no-failsafe-action", "--flag PATH is missing: FAILSAFE_REBOOT needs a flag to set");
  if (o->reboot_fifo && o->reboot_cmd) return jc_fs_fail(e, "keep one of them", "--reboot-fifo and --reboot-cmd exclude each other: with --reboot-fifo, the reader of the FIFO runs the reboot command");
  return 0;
}

int jc_fs_parse_options(int argc, char **argv, struct jc_fs_options *o, struct jc_fs_error *e) {
  memset(o, 0, sizeof *o);
  o->window_ms = -1;
  o->failsafe_enabled = 1;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i], *v;
    if (strcmp(arg, "--") == 0) {
      if (i + 1 >= argc) return jc_fs_fail(e, USAGE_HINT, "-- must be followed by the rescue helper's command");
      o->rescue_argv = &argv[i + 1];
      break;
    }
    if (strcmp(arg, "--no-failsafe-action") == 0) { o->failsafe_enabled = 0; continue; }
    if (!takes_value(arg)) return jc_fs_fail(e, USAGE_HINT, "unknown option %s", arg);
    if (i + 1 >= argc) return jc_fs_fail(e, USAGE_HINT, "%s needs a value", arg);
    v = argv[++i];
    int rc = 0;
    if (strcmp(arg, "--config") == 0) o->config = v;
    else if (strcmp(arg, "--udp") == 0) rc = add(o->udp, &o->nudp, JC_FS_MAX_UDP, v, "--udp", e);
    else if (strcmp(arg, "--iface") == 0) rc = add(o->ifaces, &o->nifaces, JC_FS_MAX_IFACES, v, "--iface", e);
    else if (strcmp(arg, "--flag") == 0) o->flag = v;
    else if (strcmp(arg, "--reboot-cmd") == 0) o->reboot_cmd = v;
    else if (strcmp(arg, "--reboot-fifo") == 0) o->reboot_fifo = v[0] ? v : NULL;
    else rc = parse_window(v, &o->window_ms, e);
    if (rc < 0) return -1;
  }
  return check(o, e);
}
