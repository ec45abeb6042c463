/* errno names ("ENOENT") for one-line messages, on any libc (musl has no strerrorname_np) and any
 * architecture (mips numbers many errors differently: the table is built from <errno.h>). */
#ifndef JC_ERRNAME_H
#define JC_ERRNAME_H

/* The name of err, or NULL for a number not in the table. */
const char *jc_errno_name(int err);

#endif
