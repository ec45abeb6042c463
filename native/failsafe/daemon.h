/* The failsafe daemon's state between packets: endpoints, the verifier, the action in flight,
 * its children (reboot command, RESCUE helper) and the --window deadlines. */
#ifndef JC_FS_DAEMON_H
#define JC_FS_DAEMON_H

#include <stdint.h>
#include <sys/types.h>
#include "net.h"
#include "options.h"
#include "verifier.h"

#define JC_FS_MAX_ENDPOINTS (JC_FS_MAX_UDP + JC_FS_MAX_IFACES)
/* After a trigger in --window mode: keep re-sending the ACK to a retransmitted TRIGGER this long. */
#define JC_FS_LINGER_MS 2000
/* How long the RESCUE helper may take to answer before the trigger is answered IOERR. */
#define JC_FS_RESCUE_ANSWER_MS 30000
/* Runtime errors reported per run before going quiet (a flood must not flood the log). */
#define JC_FS_MAX_REPORTED_ERRORS 10

/* The authenticated TRIGGER being acted on, and where its ACK goes. */
struct jc_fs_pending {
  int active;
  unsigned endpoint;
  struct jc_fs_peer peer;
  size_t request_len;
  uint8_t action;
};

struct jc_fs_daemon {
  struct jc_fs_options opt;
  struct jc_fs_verifier verifier;
  struct jc_fs_endpoint endpoints[JC_FS_MAX_ENDPOINTS];
  unsigned nendpoints;
  struct jc_fs_pending pending;
  int64_t window_end, linger_end;   /* monotonic ms, -1: none */
  int window_expired;
  pid_t rescue_pid, reboot_pid;     /* 0: none running */
  int rescue_fd;                    /* -1: no answer awaited */
  int64_t rescue_deadline;
  int exit_when_rescue_ends;
  unsigned errors;
  int ending, exit_code;
};

int64_t jc_fs_now_ms(void);

/* Serves packets until SIGTERM/SIGINT (0) or, with --window, until triggered (0) or the window
 * ends (1); zeroes the keys and stops a running rescue before returning the exit code. */
int jc_fs_serve(struct jc_fs_daemon *d);

#endif
