/* The failsafe flag (FAILSAFE.md "Action FAILSAFE_REBOOT"): a 4096-byte region (a RAM-backed mtd
 * partition or a file) that preinit checks and erases. Set = "FAILSAFE" x 512 in one write, read
 * back, compared, synced. */
#ifndef JC_FS_FLAG_H
#define JC_FS_FLAG_H

#include "log.h"

/* At start: the flag must be writable now, not only when a trigger arrives. A missing file is
 * created holding zeros (not set); an existing one is opened read-write and left alone. */
int jc_fs_prepare_flag(const char *path, struct jc_fs_error *e);

/* Sets the flag and verifies it; -1 (with e) on any failure, which answers ACK IOERR. */
int jc_fs_set_flag(const char *path, struct jc_fs_error *e);

#endif
