/* The daemon's output: one line per call, written with a single write(2) (no stdio buffer, so a
 * line is out before anything that follows it, and no copy of anything lingers in a buffer). */
#ifndef JC_FS_LOG_H
#define JC_FS_LOG_H

#include <stddef.h>

/* A setup failure: the message and what to do about it (hint may be NULL). */
struct jc_fs_error {
  char msg[512];
  const char *hint;
};

/* "failsafe: ..." on stdout (what happened) or stderr (what went wrong). */
void jc_fs_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void jc_fs_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Fills e; returns -1 so that callers can `return jc_fs_fail(...)`. */
int jc_fs_fail(struct jc_fs_error *e, const char *hint, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "ENOENT: No such file or directory" (into buf). */
const char *jc_fs_errno_text(int err, char *buf, size_t size);

#endif
