/* Action RESCUE: the daemon only starts the configured helper (`jailctl failsafe rescue-run`,
 * which makes the firewall rules and runs the jailed service) with the authenticated
 * ALLOWED_IPV4 PORT SECONDS appended, and reads its answer, one byte (an ACK status), on fd 3. */
#ifndef JC_FS_RESCUE_H
#define JC_FS_RESCUE_H

#include <stdint.h>
#include <sys/types.h>
#include "log.h"

#define JC_FS_MAX_HELPER_ARGS 64

/* Returns the helper's pid and the read end of its status pipe in *status_fd, or -1 with e. */
pid_t jc_fs_start_rescue(char *const helper[], const uint8_t param[16], int *status_fd, struct jc_fs_error *e);

/* The helper's answer: 0 OK, 1 REFUSED, 2 IOERR; -1 none yet; -2 it closed the pipe unanswered. */
int jc_fs_read_rescue_status(int status_fd);

#endif
