/* The errno names a launcher or the failsafe daemon may report: file, mount, namespace,
 * socket and exec errors. Aliases (EWOULDBLOCK, EDEADLOCK, ENOTSUP) are left out: they share a
 * number with a name listed here. */
#include "errname.h"

#include <errno.h>
#include <stddef.h>

#define NAME(e) {e, #e}

/* a list, not an array indexed by number: mips numbers EDQUOT 1133 */
static const struct { int err; const char *name; } NAMES[] = {
  NAME(EPERM), NAME(ENOENT), NAME(ESRCH), NAME(EINTR), NAME(EIO), NAME(ENXIO), NAME(E2BIG),
  NAME(ENOEXEC), NAME(EBADF), NAME(ECHILD), NAME(EAGAIN), NAME(ENOMEM), NAME(EACCES), NAME(EFAULT),
  NAME(ENOTBLK), NAME(EBUSY), NAME(EEXIST), NAME(EXDEV), NAME(ENODEV), NAME(ENOTDIR), NAME(EISDIR),
  NAME(EINVAL), NAME(ENFILE), NAME(EMFILE), NAME(ENOTTY), NAME(ETXTBSY), NAME(EFBIG), NAME(ENOSPC),
  NAME(ESPIPE), NAME(EROFS), NAME(EMLINK), NAME(EPIPE), NAME(ERANGE), NAME(ENAMETOOLONG), NAME(ENOSYS),
  NAME(ENOTEMPTY), NAME(ELOOP), NAME(EOVERFLOW), NAME(EOPNOTSUPP), NAME(EAFNOSUPPORT), NAME(EADDRINUSE),
  NAME(EADDRNOTAVAIL), NAME(ENETDOWN), NAME(ENETUNREACH), NAME(ECONNREFUSED), NAME(EHOSTUNREACH),
  NAME(EMSGSIZE), NAME(ENOBUFS), NAME(EPROTONOSUPPORT), NAME(ESOCKTNOSUPPORT), NAME(EDQUOT), NAME(ESTALE),
  NAME(EUSERS), NAME(ENOTSOCK), NAME(EDESTADDRREQ), NAME(EPROTOTYPE), NAME(ENOPROTOOPT),
};

const char *jc_errno_name(int err) {
  for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
    if (NAMES[i].err == err) return NAMES[i].name;
  return NULL;
}
