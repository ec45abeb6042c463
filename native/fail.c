/* One-line failure report. The words come from the plan; this file only adds the syscall
 * name and the errno, so the launcher can report after Node has exec'd into it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "errname.h"
#include "fail.h"

static const char *const sys_names[JC_SYS_MAX] = {
  [JC_SYS_NONE] = "", [JC_SYS_OPEN] = "open", [JC_SYS_OPENAT] = "openat", [JC_SYS_FSTAT] = "fstat",
  [JC_SYS_WRITE] = "write", [JC_SYS_MKDIR] = "mkdir", [JC_SYS_RMDIR] = "rmdir",
  [JC_SYS_MOUNT] = "mount", [JC_SYS_UMOUNT2] = "umount2", [JC_SYS_SYMLINK] = "symlink",
  [JC_SYS_PIVOT_ROOT] = "pivot_root", [JC_SYS_CHDIR] = "chdir", [JC_SYS_SETHOSTNAME] = "sethostname",
  [JC_SYS_SOCKET] = "socket", [JC_SYS_IOCTL] = "ioctl", [JC_SYS_UNSHARE] = "unshare",
  [JC_SYS_FORK] = "fork", [JC_SYS_SETRLIMIT] = "setrlimit", [JC_SYS_SETGROUPS] = "setgroups",
  [JC_SYS_SETRESGID] = "setresgid", [JC_SYS_SETRESUID] = "setresuid", [JC_SYS_PRCTL] = "prctl",
  [JC_SYS_CAPGET] = "capget", [JC_SYS_CAPSET] = "capset", [JC_SYS_SETSID] = "setsid",
  [JC_SYS_CLOSE_RANGE] = "close_range", [JC_SYS_SECCOMP] = "seccomp", [JC_SYS_EXECVE] = "execve",
  [JC_SYS_STATFS] = "statfs", [JC_SYS_CLONE] = "clone", [JC_SYS_READ] = "read", [JC_SYS_PTRACE] = "ptrace",
  [JC_SYS_MOUNT_SETATTR] = "mount_setattr",
  [JC_SYS_PIDFD_OPEN] = "pidfd_open", [JC_SYS_PIDFD_GETFD] = "pidfd_getfd", [JC_SYS_KEYCTL] = "keyctl",
  [JC_SYS_FSMOUNT] = "fsmount",
};

static const char *errno_name(int err) {
  const char *name = jc_errno_name(err);
  if (name) return name;
  static char buf[24];
  snprintf(buf, sizeof buf, "errno %d", err);
  return buf;
}

int jc_format_fail(const struct jc_plan *plan, const struct jc_fail *fail, char *buf, size_t size) {
  const char *describe = "launch plan", *hint = "";
  const char *sys = "";
  if (fail->op_index >= 0 && (uint32_t)fail->op_index < plan->nops) {
    describe = plan->ops[fail->op_index].describe;
    hint = plan->ops[fail->op_index].hint;
  }
  if (fail->sys > 0 && fail->sys < JC_SYS_MAX) sys = sys_names[fail->sys];
  int n = snprintf(buf, size, "jailctl: %s: %s: %s(2): %s (%s)\n%s%s%s", plan->name, describe, sys,
                   errno_name(fail->err), strerror(fail->err), hint[0] ? "hint: " : "", hint, hint[0] ? "\n" : "");
  return n < 0 ? 0 : (size_t)n >= size ? (int)size - 1 : n;
}

void jc_report_fail(const struct jc_plan *plan, const struct jc_fail *fail) {
  char line[2048];
  int n = jc_format_fail(plan, fail, line, sizeof line);
  fwrite(line, 1, (size_t)n, stderr);
}

int jc_fail_exit_code(const struct jc_plan *plan, const struct jc_fail *fail) {
  if (fail->op_index < 0 || (uint32_t)fail->op_index >= plan->nops) return 125;
  const struct jc_op *op = &plan->ops[fail->op_index];
  if (op->code == JC_OP_EXECVE && op->nints >= 4 && fail->sys == JC_SYS_EXECVE) {
    /* as a shell: ENOENT is "not found", every other execve failure (EACCES, ENOEXEC, ELOOP,
     * ETXTBSY, E2BIG ...) is "cannot execute" */
    return fail->err == ENOENT ? (int)op->ints[2] : (int)op->ints[3];
  }
  return 125;
}
