/* The operations of a launch plan. Each does exactly what the plan says; paths are never
 * resolved through symlinks here (the planner resolved them; we refuse any we meet). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
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
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <grp.h>
#include "ops.h"
#include "trace.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define FAIL(sys_) do { fail->sys = (sys_); fail->err = errno; return -1; } while (0)

/* Opens an absolute path component by component with O_NOFOLLOW, so no symlink is ever
 * followed (neither planted in a bind source nor in the jail root). O_PATH fd or -1. */
static int open_no_symlinks(const char *path, int want_dir) {
  char buf[PATH_MAX];
  if (path[0] != '/' || strlen(path) >= sizeof buf) { errno = EINVAL; return -1; }
  strcpy(buf, path);
  int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  char *save = NULL;
  for (char *name = strtok_r(buf + 1, "/", &save); fd >= 0 && name; name = strtok_r(NULL, "/", &save)) {
    if (strcmp(name, "..") == 0 || strcmp(name, ".") == 0) { close(fd); errno = EINVAL; return -1; }
    int next = openat(fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    close(fd);
    fd = next;
  }
  if (fd < 0) return -1;
  struct stat st;
  if (fstat(fd, &st) < 0) { close(fd); return -1; }
  if (S_ISLNK(st.st_mode)) { close(fd); errno = ELOOP; return -1; }
  if (want_dir && !S_ISDIR(st.st_mode)) { close(fd); errno = ENOTDIR; return -1; }
  return fd;
}

/* "<procdir>/self/fd/<fd>": lets mount(2) act on exactly the inode we opened. */
static void fd_path(char *out, size_t size, const char *procdir, int fd) {
  snprintf(out, size, "%s/self/fd/%d", procdir, fd);
}

/* Opens the parent directory of path safely and points *base at the last component. */
static int open_parent(const char *path, char *buf, size_t size, const char **base) {
  if (strlen(path) >= size) { errno = ENAMETOOLONG; return -1; }
  strcpy(buf, path);
  char *slash = strrchr(buf, '/');
  if (!slash || slash[1] == '\0') { errno = EINVAL; return -1; }
  *base = slash + 1;
  if (slash == buf) return open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  *slash = '\0';
  return open_no_symlinks(buf, 1);
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

static int op_mount(const struct jc_op *op, struct jc_fail *fail) {
  const char *source = op->strs[0], *target = op->strs[1], *fstype = op->strs[2];
  const char *data = op->strs[3], *procdir = op->strs[4];
  char tpath[64];
  int tfd = -1;
  if (procdir[0]) {
    tfd = open_no_symlinks(target, 0);
    if (tfd < 0) FAIL(JC_SYS_OPENAT);
    fd_path(tpath, sizeof tpath, procdir, tfd);
    target = tpath;
  }
  int rc = mount(source[0] ? source : NULL, target, fstype[0] ? fstype : NULL,
                 (unsigned long)op->ints[0], data[0] ? data : NULL);
  int saved = errno;
  if (tfd >= 0) close(tfd);
  errno = saved;
  if (rc < 0) FAIL(JC_SYS_MOUNT);
  return 0;
}

static int op_bind(const struct jc_op *op, struct jc_fail *fail) {
  char spath[64], tpath[64];
  int sfd = open_no_symlinks(op->strs[0], 0);
  if (sfd < 0) FAIL(JC_SYS_OPENAT);
  int tfd = open_no_symlinks(op->strs[1], 0);
  if (tfd < 0) { int saved = errno; close(sfd); errno = saved; FAIL(JC_SYS_OPENAT); }
  fd_path(spath, sizeof spath, op->strs[2], sfd);
  fd_path(tpath, sizeof tpath, op->strs[2], tfd);
  int rc = mount(spath, tpath, NULL, MS_BIND | (op->ints[0] ? MS_REC : 0), NULL);
  int saved = errno;
  close(sfd);
  close(tfd);
  errno = saved;
  if (rc < 0) FAIL(JC_SYS_MOUNT);
  return 0;
}

/* A bind remount must repeat the flags the kernel locked on the source mount (in a user
 * namespace, dropping nosuid/nodev/noexec/atime flags is EPERM), so they are kept. */
static int op_remount(const struct jc_op *op, struct jc_fail *fail) {
  struct statvfs sv;
  if (statvfs(op->strs[0], &sv) < 0) FAIL(JC_SYS_STATFS);
  unsigned long keep = 0;
  if (sv.f_flag & ST_RDONLY) keep |= MS_RDONLY; /* never turn a read-only source writable */
  if (sv.f_flag & ST_NOSUID) keep |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) keep |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) keep |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME) keep |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME) keep |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME) keep |= MS_RELATIME;
  int tfd = open_no_symlinks(op->strs[0], 0);
  if (tfd < 0) FAIL(JC_SYS_OPENAT);
  char tpath[64];
  fd_path(tpath, sizeof tpath, op->strs[1], tfd);
  int rc = mount(NULL, tpath, NULL, (unsigned long)op->ints[0] | keep, NULL);
  int saved = errno;
  close(tfd);
  errno = saved;
  if (rc < 0) FAIL(JC_SYS_MOUNT);
  return 0;
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
 * then the final effective/permitted/inheritable sets, then ambient (needs them in place). */
static int op_caps(const struct jc_op *op, struct jc_fail *fail) {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  if (syscall(SYS_capget, &hdr, data) < 0) FAIL(JC_SYS_CAPGET);
  data[0].effective = data[0].permitted;
  data[1].effective = data[1].permitted;
  if (syscall(SYS_capset, &hdr, data) < 0) FAIL(JC_SYS_CAPSET);
  uint64_t bounding = (uint64_t)op->ints[0];
  for (int cap = 0; cap < 64; cap++) {
    if (bounding & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) FAIL(JC_SYS_PRCTL);
  }
  if (op->ints[5] >= 0 && prctl(PR_SET_SECUREBITS, (unsigned long)op->ints[5], 0, 0, 0) < 0) FAIL(JC_SYS_PRCTL);
  uint64_t eff = (uint64_t)op->ints[1], perm = (uint64_t)op->ints[2], inh = (uint64_t)op->ints[3];
  data[0].effective = (uint32_t)eff;   data[1].effective = (uint32_t)(eff >> 32);
  data[0].permitted = (uint32_t)perm;  data[1].permitted = (uint32_t)(perm >> 32);
  data[0].inheritable = (uint32_t)inh; data[1].inheritable = (uint32_t)(inh >> 32);
  if (syscall(SYS_capset, &hdr, data) < 0) FAIL(JC_SYS_CAPSET);
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) FAIL(JC_SYS_PRCTL);
  uint64_t ambient = (uint64_t)op->ints[4];
  for (int cap = 0; cap < 64; cap++)
    if ((ambient & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0) FAIL(JC_SYS_PRCTL);
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

static int op_seccomp(const struct jc_op *op, struct jc_fail *fail) {
  static struct sock_filter filter[4096]; /* aligned copy: the plan buffer is not */
  size_t len = op->lens[0];
  if (len == 0 || len % sizeof(struct sock_filter) || len > sizeof filter) { errno = EINVAL; FAIL(JC_SYS_SECCOMP); }
  memcpy(filter, op->strs[0], len);
  struct sock_fprog prog = {(unsigned short)(len / sizeof(struct sock_filter)), filter};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned long)op->ints[0], &prog) < 0) FAIL(JC_SYS_SECCOMP);
  return 0;
}

/* No allocation: right after the seccomp step, execve must be the next syscall (a traced run
 * counts every call from the filter on, and the in-kernel counter from execve on). */
static int op_execve(const struct jc_op *op, struct jc_fail *fail) {
  size_t argc = (size_t)op->ints[0], envc = (size_t)op->ints[1];
  if (1 + argc + envc > op->nstrs || argc + envc > 1u << 20) { errno = EINVAL; FAIL(JC_SYS_EXECVE); }
  char *argv[argc + 1], *envp[envc + 1];
  argv[argc] = NULL;
  envp[envc] = NULL;
  for (size_t i = 0; i < argc; i++) argv[i] = (char *)op->strs[1 + i];
  for (size_t i = 0; i < envc; i++) envp[i] = (char *)op->strs[1 + argc + i];
  execve(op->strs[0], argv, envp);
  FAIL(JC_SYS_EXECVE);
}

static int run_op(const struct jc_op *op, struct jc_ctx *ctx, struct jc_fail *fail) {
  switch ((enum jc_op_code)op->code) {
  case JC_OP_WRITE_CHILD_FILE: return op_write_child_file(op, ctx, fail);
  case JC_OP_MKDIR: return op_mkdir(op, fail);
  case JC_OP_WRITE_FILE: return write_all(op->strs[0], op->strs[1], op->lens[1], fail);
  case JC_OP_ATTACH_CGROUP: return op_attach_cgroup(op, ctx, fail);
  case JC_OP_RMDIR: return op_rmdir(op, fail);
  case JC_OP_MOUNT: return op_mount(op, fail);
  case JC_OP_BIND: return op_bind(op, fail);
  case JC_OP_REMOUNT: return op_remount(op, fail);
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
  case JC_OP_SECCOMP: return op_seccomp(op, fail);
  case JC_OP_EXECVE: return op_execve(op, fail);
  case JC_OP_TRACE_ME:
    if (jc_trace_me() < 0) FAIL(JC_SYS_PTRACE);
    return 0;
  case JC_OP_TRACE:
  case JC_OP_SUPERVISE:
  case JC_OP_DENIALS:
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
