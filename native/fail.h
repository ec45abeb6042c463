/* The failure record the jail child writes to the CLOEXEC error pipe before _exit, and the
 * launcher's one-line report of it. The text comes from the plan (TypeScript); C adds the
 * syscall it was making and the errno. */
#ifndef JC_FAIL_H
#define JC_FAIL_H

#include <stddef.h>
#include <stdint.h>
#include "plan.h"

enum jc_sys {
  JC_SYS_NONE = 0, JC_SYS_OPEN, JC_SYS_OPENAT, JC_SYS_FSTAT, JC_SYS_WRITE, JC_SYS_MKDIR,
  JC_SYS_RMDIR, JC_SYS_MOUNT, JC_SYS_UMOUNT2, JC_SYS_SYMLINK, JC_SYS_PIVOT_ROOT,
  JC_SYS_CHDIR, JC_SYS_SETHOSTNAME, JC_SYS_SOCKET, JC_SYS_IOCTL, JC_SYS_UNSHARE,
  JC_SYS_FORK, JC_SYS_SETRLIMIT, JC_SYS_SETGROUPS, JC_SYS_SETRESGID, JC_SYS_SETRESUID,
  JC_SYS_PRCTL, JC_SYS_CAPGET, JC_SYS_CAPSET, JC_SYS_SETSID, JC_SYS_CLOSE_RANGE,
  JC_SYS_SECCOMP, JC_SYS_EXECVE, JC_SYS_STATFS, JC_SYS_CLONE, JC_SYS_READ, JC_SYS_PTRACE,
  JC_SYS_MOUNT_SETATTR, JC_SYS_PIDFD_OPEN, JC_SYS_PIDFD_GETFD, JC_SYS_KEYCTL, JC_SYS_FSMOUNT, JC_SYS_MAX
};

struct jc_fail {
  int32_t op_index;
  int32_t sys;
  int32_t err;
};

/* Prints "jailctl: <name>: <describe>: <syscall>(2): <ENAME> (<text>)" and the hint. */
void jc_report_fail(const struct jc_plan *plan, const struct jc_fail *fail);

/* The same text into buf (one or two lines, NUL-terminated); returns its length. */
int jc_format_fail(const struct jc_plan *plan, const struct jc_fail *fail, char *buf, size_t size);

/* Exit status for a failure: the execve op may ask for 126/127 (like env(1)); else 125. */
int jc_fail_exit_code(const struct jc_plan *plan, const struct jc_fail *fail);

#endif
