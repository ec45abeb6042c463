/* The operations of a launch plan. Each does exactly what the plan says; paths are never
 * resolved through symlinks here (the planner resolved them; we refuse any we meet). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <grp.h>
#include "ops.h"
#include "trace.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#define FAIL(sys_) do { fail->sys = (sys_); fail->err = errno; return -1; } while (0)

/* Opens the parent directory of path safely and points *base at the last component. */
static int open_parent(const char *path, char *buf, size_t size, const char **base) {
  if (strlen(path) >= size) { errno = ENAMETOOLONG; return -1; }
  strcpy(buf, path);
  char *slash = strrchr(buf, '/');
  if (!slash || slash[1] == '\0') { errno = EINVAL; return -1; }
  *base = slash + 1;
  if (slash == buf) return open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  *slash = '\0';
  return jc_open_no_symlinks(buf, 1);
}

/* Runs `make(dirfd, name)` in the parent directory of path, opened without following links
 * (an O_PATH fd serves as the dirfd of the *at() calls). */
static int in_parent(const char *path, int (*make)(int, const char *, const struct jc_op *), const struct jc_op *op, int sys, struct jc_fail *fail) {
  char buf[PATH_MAX];
  const char *base;
  int dir = open_parent(path, buf, sizeof buf, &base);
  if (dir < 0) FAIL(JC_SYS_OPENAT);
  int rc = make(dir, base, op);
  int saved = errno;
  close(dir);
  errno = saved;
  if (rc < 0) FAIL(sys);
  return 0;
}

static int make_file(int dir, const char *name, const struct jc_op *op) {
  int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)op->ints[0]);
  return fd < 0 ? -1 : close(fd);
}

static int make_symlink(int dir, const char *name, const struct jc_op *op) {
  return symlinkat(op->strs[0], dir, name);
}

/* An existing directory is fine: cgroup parents and shared mount points are made more than once. */
static int make_dir(int dir, const char *name, const struct jc_op *op) {
  struct stat st;
  if (mkdirat(dir, name, (mode_t)op->ints[0]) == 0) return 0;
  if (errno != EEXIST) return -1;
  if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) return 0;
  errno = EEXIST;
  return -1;
}

static int op_mkdir(const struct jc_op *op, struct jc_fail *fail) {
  return in_parent(op->strs[0], make_dir, op, JC_SYS_MKDIR, fail);
}

static int op_mkfile(const struct jc_op *op, struct jc_fail *fail) {
  return in_parent(op->strs[0], make_file, op, JC_SYS_OPENAT, fail);
}

static int op_symlink(const struct jc_op *op, struct jc_fail *fail) {
  return in_parent(op->strs[1], make_symlink, op, JC_SYS_SYMLINK, fail);
}

static int write_all(const char *path, const char *data, size_t len, struct jc_fail *fail) {
  int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) FAIL(JC_SYS_OPEN);
  ssize_t n = write(fd, data, len);
  int saved = errno;
  close(fd);
  if (n != (ssize_t)len) { errno = n < 0 ? saved : EIO; FAIL(JC_SYS_WRITE); }
  return 0;
}

static int op_write_child_file(const struct jc_op *op, struct jc_ctx *ctx, struct jc_fail *fail) {
  char path[96];
  snprintf(path, sizeof path, "/proc/%d/%s", (int)ctx->child_pid, op->strs[0]);
  return write_all(path, op->strs[1], op->lens[1], fail);
}

static int op_attach_cgroup(const struct jc_op *op, struct jc_ctx *ctx, struct jc_fail *fail) {
  char pid[24];
  int len = snprintf(pid, sizeof pid, "%d\n", (int)ctx->child_pid);
  return write_all(op->strs[0], pid, (size_t)len, fail);
}

/* A cgroup can only be removed once its last task has been reaped; give it a second. */
static int op_rmdir(const struct jc_op *op, struct jc_fail *fail) {
  for (int attempt = 0; attempt < 100; attempt++) {
    if (rmdir(op->strs[0]) == 0 || errno == ENOENT) return 0;
    if (errno != EBUSY) break;
    usleep(10000);
  }
  FAIL(JC_SYS_RMDIR);
}

static int op_loopback_up(const struct jc_op *op, struct jc_fail *fail) {
  struct ifreq ifr;
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) FAIL(JC_SYS_SOCKET);
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, op->strs[0], IFNAMSIZ - 1);
  int rc = ioctl(sock, SIOCGIFFLAGS, &ifr);
  if (rc == 0) {
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    rc = ioctl(sock, SIOCSIFFLAGS, &ifr);
  }
  int saved = errno;
  close(sock);
  errno = saved;
  if (rc < 0) FAIL(JC_SYS_IOCTL);
  return 0;
}

static int op_setgroups(const struct jc_op *op, struct jc_fail *fail) {
  gid_t gids[256];
  size_t n = op->nints < 256 ? op->nints : 256;
  for (size_t i = 0; i < n; i++) gids[i] = (gid_t)op->ints[i];
  if (setgroups(n, gids) < 0) FAIL(JC_SYS_SETGROUPS);
  return 0;
}

/* Bounding set first (needs CAP_SETPCAP, so effective = permitted before), then securebits,
 * then the final effective/permitted/inheritable sets, then ambient (needs them in place).
 * A set given as all ones (-1) is left as it is, as procd's capabilities files mean it; an
 * unchanged effective set is the permitted one, as ujail's SECBIT_NO_SETUID_FIXUP leaves it
 * across a uid switch (KEEPCAPS, which the plan uses, keeps only the permitted set). */
#define CAPS_UNCHANGED (-1)
static int op_caps(const struct jc_op *op, struct jc_fail *fail) {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2], orig[2];
  if (syscall(SYS_capget, &hdr, orig) < 0) FAIL(JC_SYS_CAPGET);
  memcpy(data, orig, sizeof data);
  data[0].effective = data[0].permitted;
  data[1].effective = data[1].permitted;
  if (syscall(SYS_capset, &hdr, data) < 0) FAIL(JC_SYS_CAPSET);
  uint64_t bounding = (uint64_t)op->ints[0];
  for (int cap = 0; op->ints[0] != CAPS_UNCHANGED && cap < 64; cap++) {
    if (bounding & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) FAIL(JC_SYS_PRCTL);
  }
  if (op->ints[5] >= 0 && prctl(PR_SET_SECUREBITS, (unsigned long)op->ints[5], 0, 0, 0) < 0) FAIL(JC_SYS_PRCTL);
  for (int half = 0; half < 2; half++) {
    int shift = 32 * half;
    data[half].permitted = op->ints[2] == CAPS_UNCHANGED ? orig[half].permitted : (uint32_t)((uint64_t)op->ints[2] >> shift);
    data[half].effective = op->ints[1] == CAPS_UNCHANGED ? data[half].permitted : (uint32_t)((uint64_t)op->ints[1] >> shift);
    data[half].inheritable = op->ints[3] == CAPS_UNCHANGED ? orig[half].inheritable : (uint32_t)((uint64_t)op->ints[3] >> shift);
  }
  if (syscall(SYS_capset, &hdr, data) < 0) FAIL(JC_SYS_CAPSET);
  if (op->ints[4] == CAPS_UNCHANGED) return 0;
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) FAIL(JC_SYS_PRCTL);
  uint64_t ambient = (uint64_t)op->ints[4];
  for (int cap = 0; cap < 64; cap++)
    if ((ambient & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0) FAIL(JC_SYS_PRCTL);
  return 0;
}

/* Without a pid namespace the service would outlive a killed pid 1: it dies with it instead
 * (as ujail's jailed process dies with ujail). */
static int op_parent_death_signal(const struct jc_op *op, const struct jc_ctx *ctx, struct jc_fail *fail) {
  if (prctl(PR_SET_PDEATHSIG, (unsigned long)op->ints[0], 0, 0, 0) < 0) FAIL(JC_SYS_PRCTL);
  if (getppid() != ctx->parent_pid) { errno = ESRCH; FAIL(JC_SYS_PRCTL); }
  return 0;
}

static int op_close_fds(struct jc_fail *fail) {
  /* CLOEXEC rather than close: the error pipe must stay open until execve succeeds */
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return 0;
  if (errno != ENOSYS && errno != EINVAL) FAIL(JC_SYS_CLOSE_RANGE);
  struct rlimit rl;
  long max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 1048576 ? (long)rl.rlim_cur : 1048576;
  for (long fd = 3; fd < max; fd++) fcntl((int)fd, F_SETFD, FD_CLOEXEC);
  return 0;
}

static char **exec_argv, **exec_envp;

int jc_prepare_exec(const struct jc_plan *plan) {
  const struct jc_op *op = jc_find_op(plan, JC_OP_EXECVE);
  if (!op) return 0;
  size_t argc = (size_t)op->ints[0], envc = (size_t)op->ints[1];
  if (op->nints < 4 || 1 + argc + envc > op->nstrs) { errno = EINVAL; return -1; }
  exec_argv = calloc(argc + 1, sizeof(char *));
  exec_envp = calloc(envc + 1, sizeof(char *));
  if (!exec_argv || !exec_envp) return -1;
  for (size_t i = 0; i < argc; i++) exec_argv[i] = (char *)op->strs[1 + i];
  for (size_t i = 0; i < envc; i++) exec_envp[i] = (char *)op->strs[1 + argc + i];
  return 0;
}

/* No allocation: right after the seccomp step, execve must be the next syscall (a traced run
 * counts every call from the filter on, and the in-kernel counter from execve on). */
static int op_execve(const struct jc_op *op, struct jc_fail *fail) {
  if (!exec_argv || !exec_envp) { errno = EINVAL; FAIL(JC_SYS_EXECVE); }
  execve(op->strs[0], exec_argv, exec_envp);
  FAIL(JC_SYS_EXECVE);
}

static void write_text(const char *text, size_t len) {
  while (len > 0) {
    ssize_t n = write(STDERR_FILENO, text, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return; /* a closed stderr must not stop the cleanup */
    text += n;
    len -= (size_t)n;
  }
}

/* Finds the "KEY N" line of a cgroup file (memory.events, memory.oom_control) and prints the
 * plan's text when N > 0. The plan decided the words; this only reads and compares. */
static int op_report_count(const struct jc_op *op, struct jc_fail *fail) {
  char buf[4096];
  if (op->nstrs < 5) { errno = EINVAL; FAIL(JC_SYS_NONE); }
  int fd = open(op->strs[0], O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) FAIL(JC_SYS_OPEN);
  ssize_t len = read(fd, buf, sizeof buf - 1);
  int saved = errno;
  close(fd);
  if (len < 0) { errno = saved; FAIL(JC_SYS_READ); }
  buf[len] = '\0';
  size_t keylen = op->lens[1];
  unsigned long long count = 0;
  for (const char *line = buf; *line;) {
    if (strncmp(line, op->strs[1], keylen) == 0 && line[keylen] == ' ') { count = strtoull(line + keylen + 1, NULL, 10); break; }
    const char *next = strchr(line, '\n');
    if (!next) break;
    line = next + 1;
  }
  if (count == 0) return 0;
  if (count == 1) { write_text(op->strs[2], op->lens[2]); return 0; }
  char number[24];
  int n = snprintf(number, sizeof number, "%llu", count);
  write_text(op->strs[3], op->lens[3]);
  write_text(number, (size_t)n);
  write_text(op->strs[4], op->lens[4]);
  return 0;
}

static int run_op(const struct jc_op *op, struct jc_ctx *ctx, struct jc_fail *fail) {
  switch ((enum jc_op_code)op->code) {
  case JC_OP_WRITE_CHILD_FILE: return op_write_child_file(op, ctx, fail);
  case JC_OP_MKDIR: return op_mkdir(op, fail);
  case JC_OP_WRITE_FILE: return write_all(op->strs[0], op->strs[1], op->lens[1], fail);
  case JC_OP_ATTACH_CGROUP: return op_attach_cgroup(op, ctx, fail);
  case JC_OP_RMDIR: return op_rmdir(op, fail);
  case JC_OP_MOUNT: return jc_op_mount(op, fail);
  case JC_OP_BIND: return jc_op_bind(op, fail);
  case JC_OP_REMOUNT: return jc_op_remount(op, fail);
  case JC_OP_SETATTR: return jc_op_setattr(op, fail);
  case JC_OP_REPORT_COUNT: return op_report_count(op, fail);
  case JC_OP_MKFILE: return op_mkfile(op, fail);
  case JC_OP_SYMLINK: return op_symlink(op, fail);
  case JC_OP_PIVOT_ROOT:
    if (syscall(SYS_pivot_root, op->strs[0], op->strs[1]) < 0) FAIL(JC_SYS_PIVOT_ROOT);
    return 0;
  case JC_OP_UMOUNT:
    if (umount2(op->strs[0], (int)op->ints[0]) < 0) FAIL(JC_SYS_UMOUNT2);
    return 0;
  case JC_OP_CHDIR:
    if (chdir(op->strs[0]) < 0) FAIL(JC_SYS_CHDIR);
    return 0;
  case JC_OP_SETHOSTNAME:
    if (sethostname(op->strs[0], op->lens[0]) < 0) FAIL(JC_SYS_SETHOSTNAME);
    return 0;
  case JC_OP_LOOPBACK_UP: return op_loopback_up(op, fail);
  case JC_OP_UNSHARE:
    if (unshare((int)op->ints[0]) < 0) FAIL(JC_SYS_UNSHARE);
    return 0;
  case JC_OP_RLIMIT: {
    struct rlimit rl = {(rlim_t)op->ints[1], (rlim_t)op->ints[2]};
    if (setrlimit((int)op->ints[0], &rl) < 0) FAIL(JC_SYS_SETRLIMIT);
    return 0;
  }
  case JC_OP_SETGROUPS: return op_setgroups(op, fail);
  case JC_OP_SETRESGID:
    if (setresgid((gid_t)op->ints[0], (gid_t)op->ints[0], (gid_t)op->ints[0]) < 0) FAIL(JC_SYS_SETRESGID);
    return 0;
  case JC_OP_KEEPCAPS:
    if (prctl(PR_SET_KEEPCAPS, (unsigned long)op->ints[0], 0, 0, 0) < 0) FAIL(JC_SYS_PRCTL);
    return 0;
  case JC_OP_SETRESUID:
    if (setresuid((uid_t)op->ints[0], (uid_t)op->ints[0], (uid_t)op->ints[0]) < 0) FAIL(JC_SYS_SETRESUID);
    return 0;
  case JC_OP_CAPS: return op_caps(op, fail);
  case JC_OP_NO_NEW_PRIVS:
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) FAIL(JC_SYS_PRCTL);
    return 0;
  case JC_OP_SETSID:
    if (setsid() < 0) FAIL(JC_SYS_SETSID);
    return 0;
  case JC_OP_CLOSE_FDS: return op_close_fds(fail);
  case JC_OP_SECCOMP: return jc_op_seccomp(op, ctx, fail);
  case JC_OP_EXECVE: return op_execve(op, fail);
  case JC_OP_TRACE_ME:
    if (jc_trace_me() < 0) FAIL(JC_SYS_PTRACE);
    return 0;
  case JC_OP_OPEN_PROC: return jc_op_open_proc(ctx, fail);
  case JC_OP_KEYRING:
    /* NULL: always a new anonymous keyring (a named one could be another jail's); a kernel
     * without keyrings (ENOSYS, CONFIG_KEYS off as on many routers) has none to share */
    if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS) FAIL(JC_SYS_KEYCTL);
    return 0;
  case JC_OP_PARENT_DEATH_SIGNAL: return op_parent_death_signal(op, ctx, fail);
  case JC_OP_TRACE:
  case JC_OP_SUPERVISE:
  case JC_OP_SECCOMP_NOTIFY:
  case JC_OP_DIE_WITH_PARENT:
  case JC_OP_TRACE_COUNTER:
  case JC_OP_CLONE_FLAGS:
  case JC_OP_FORWARD_SIGNALS:
  case JC_OP_FORK_SERVICE:
  case JC_OP_MAX:
  default:
    errno = EINVAL;
    FAIL(JC_SYS_NONE);
  }
}

int jc_run_op(const struct jc_plan *plan, uint32_t index, struct jc_ctx *ctx, struct jc_fail *fail) {
  const struct jc_op *op = &plan->ops[index];
  fail->op_index = (int32_t)index;
  fail->sys = JC_SYS_NONE;
  fail->err = 0;
  if (run_op(op, ctx, fail) == 0) return 0;
  if ((op->flags & JC_OPF_OPTIONAL) && fail->err == ENOENT) return 0;
  return -1;
}
