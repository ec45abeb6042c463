/* The seccomp side of the plan's steps: loading a filter in the service (with a listener, the
 * handshake that hands it to pid 1 before any code of the service runs), and pid 1's own /proc
 * for naming refused calls. Async-signal-safe, like every step after clone(). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/mount.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "ops.h"

#define FAIL(sys_) do { fail->sys = (sys_); fail->err = errno; return -1; } while (0)

/* With a listener (ints[1]): the fd seccomp(2) will return is the lowest free one; pid 1 gets
 * its number first, then takes it with pidfd_getfd(2) while the handshake call (ints[2]), which
 * the filter notifies, keeps the service waiting. Nothing else opens a file in between. */
int jc_op_seccomp(const struct jc_op *op, struct jc_ctx *ctx, struct jc_fail *fail) {
  static struct sock_filter filter[4096]; /* aligned copy: the plan buffer is not */
  size_t len = op->lens[0];
  int listener = op->nints >= 3 && op->ints[1];
  if (len == 0 || len % sizeof(struct sock_filter) || len > sizeof filter) { errno = EINVAL; FAIL(JC_SYS_SECCOMP); }
  if (listener && ctx->notify_fd < 0) { errno = EINVAL; FAIL(JC_SYS_SECCOMP); }
  memcpy(filter, op->strs[0], len);
  struct sock_fprog prog = {(unsigned short)(len / sizeof(struct sock_filter)), filter};
  int32_t number = -1;
  if (listener) {
    /* pidfd_getfd needs ptrace access: our mm still belongs to the launcher's user namespace and a
     * uid change made it non-dumpable. execve recomputes dumpability from the new program. */
    if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) FAIL(JC_SYS_PRCTL);
    number = fcntl(ctx->notify_fd, F_DUPFD_CLOEXEC, 0);
    if (number < 0 || close(number) < 0) FAIL(JC_SYS_SECCOMP);
    if (write(ctx->notify_fd, &number, sizeof number) != (ssize_t)sizeof number) FAIL(JC_SYS_WRITE);
  }
  long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned long)op->ints[0], &prog);
  if (fd < 0) FAIL(JC_SYS_SECCOMP);
  if (!listener) return 0;
  if (fd != number) { errno = EBADFD; FAIL(JC_SYS_SECCOMP); }
  /* answered 0 by pid 1 once it holds the listener; -1 (ENOSYS) if nobody ever does */
  if (syscall((long)op->ints[2]) != 0) FAIL(JC_SYS_SECCOMP);
  return 0;
}

/* A procfs of the jail's pid namespace, mounted nowhere: pid 1 reads program names from it
 * whatever the service does to the jail's own /proc. Made before pivot_root, while the host's
 * /proc is still visible (a user namespace may not mount a more revealing proc). */
int jc_op_open_proc(struct jc_ctx *ctx, struct jc_fail *fail) {
  int fs = (int)syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC);
  if (fs < 0) FAIL(JC_SYS_FSMOUNT);
  int mnt = -1;
  if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
    mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  int saved = errno;
  close(fs);
  errno = saved;
  if (mnt < 0) FAIL(JC_SYS_FSMOUNT);
  ctx->proc_fd = mnt;
  return 0;
}
