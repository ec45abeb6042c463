/* After the flag is set: the reboot request through a FIFO (a jailed daemon: its reader outside
 * the jail runs the reboot command), or the reboot command itself. */
#ifndef JC_FS_REBOOT_H
#define JC_FS_REBOOT_H

#include <sys/types.h>
#include "log.h"

/* At start: PATH must be a FIFO now, not only when a trigger arrives. */
int jc_fs_check_fifo(const char *path, struct jc_fs_error *e);

/* Writes "reboot\n" in one write(2), without blocking; nobody reading is an error. */
int jc_fs_request_reboot(const char *path, struct jc_fs_error *e);

/* Runs /bin/sh -c CMD; returns its pid or -1 with e filled. */
pid_t jc_fs_run_reboot_cmd(const char *cmd, struct jc_fs_error *e);

#endif
