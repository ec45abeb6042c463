/* The daemon's command line, as `jailctl failsafe listen` writes it after deciding everything
 * (src/failsafe/daemon-argv.ts): explicit addresses, paths and commands, no defaults to find. */
#ifndef JC_FS_OPTIONS_H
#define JC_FS_OPTIONS_H

#include "log.h"

#define JC_FS_MAX_UDP 16
#define JC_FS_MAX_IFACES 16

struct jc_fs_options {
  const char *config;                 /* the UCI file holding the key */
  const char *udp[JC_FS_MAX_UDP];     /* ADDR:PORT or [V6ADDR]:PORT */
  unsigned nudp;
  const char *ifaces[JC_FS_MAX_IFACES];
  unsigned nifaces;
  const char *flag;                   /* needed unless --no-failsafe-action */
  const char *reboot_cmd;             /* NULL or "": no command */
  const char *reboot_fifo;
  long window_ms;                     /* -1: run until SIGTERM */
  int failsafe_enabled;
  char **rescue_argv;                 /* after "--": RESCUE's helper; NULL: RESCUE is refused */
};

/* Returns 0, or -1 with e filled (usage errors). */
int jc_fs_parse_options(int argc, char **argv, struct jc_fs_options *out, struct jc_fs_error *e);

#endif
