/* The mount operations of a launch plan, and opening plan paths without following symlinks.
 * Every mount acts on descriptors opened here (through <procdir>/self/fd/N), so a symlink planted
 * in a bind source or in the jail root is refused, never followed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "ops.h"

#define FAIL(sys_) do { fail->sys = (sys_); fail->err = errno; return -1; } while (0)

/* mount_setattr(2), Linux 5.12; the number is the same on every architecture but alpha */
#ifndef __NR_mount_setattr
#define __NR_mount_setattr 442
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
struct jc_mount_attr { uint64_t attr_set, attr_clr, propagation, userns_fd; };
/* openat2(2), Linux 5.6 */
#ifndef __NR_openat2
#define __NR_openat2 437
#endif
#define RESOLVE_NO_SYMLINKS_FLAG 0x04

/* openat2(2) with RESOLVE_NO_SYMLINKS (Linux 5.6): the whole path in one call; -1 with ENOSYS
 * where the kernel lacks it. */
static int open_resolving_no_symlinks(const char *path) {
  struct { uint64_t flags, mode, resolve; } how = {O_PATH | O_NOFOLLOW | O_CLOEXEC, 0, RESOLVE_NO_SYMLINKS_FLAG};
  return (int)syscall(__NR_openat2, AT_FDCWD, path, &how, sizeof how);
}

/* Opens an absolute path without following any symlink (neither planted in a bind source nor in
 * the jail root): in one openat2 call, or component by component with O_NOFOLLOW where the
 * kernel has no openat2. "." and ".." are refused (plan paths are canonical). O_PATH fd or -1. */
int jc_open_no_symlinks(const char *path, int want_dir) {
  char buf[PATH_MAX];
  if (path[0] != '/' || strlen(path) >= sizeof buf) { errno = EINVAL; return -1; }
  strcpy(buf, path);
  char *save = NULL;
  for (char *name = strtok_r(buf + 1, "/", &save); name; name = strtok_r(NULL, "/", &save))
    if (strcmp(name, "..") == 0 || strcmp(name, ".") == 0) { errno = EINVAL; return -1; }
  int fd = open_resolving_no_symlinks(path);
  if (fd < 0 && errno == ENOSYS) {
    strcpy(buf, path);
    fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    for (char *name = strtok_r(buf + 1, "/", &save); fd >= 0 && name; name = strtok_r(NULL, "/", &save)) {
      int next = openat(fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      close(fd);
      fd = next;
    }
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

int jc_op_mount(const struct jc_op *op, struct jc_fail *fail) {
  const char *source = op->strs[0], *target = op->strs[1], *fstype = op->strs[2];
  const char *data = op->strs[3], *procdir = op->strs[4];
  char tpath[64];
  int tfd = -1;
  if (procdir[0]) {
    tfd = jc_open_no_symlinks(target, 0);
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

int jc_op_bind(const struct jc_op *op, struct jc_fail *fail) {
  char spath[64], tpath[64];
  int sfd = jc_open_no_symlinks(op->strs[0], 0);
  if (sfd < 0) FAIL(JC_SYS_OPENAT);
  int tfd = jc_open_no_symlinks(op->strs[1], 0);
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
int jc_op_remount(const struct jc_op *op, struct jc_fail *fail) {
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
  int tfd = jc_open_no_symlinks(op->strs[0], 0);
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

/* Sets and clears mount attributes on the mount at the target (and every mount below it with
 * AT_RECURSIVE). Unlike a remount it leaves other flags alone, so nothing locked needs repeating. */
int jc_op_setattr(const struct jc_op *op, struct jc_fail *fail) {
  struct jc_mount_attr attr = {(uint64_t)op->ints[0], (uint64_t)op->ints[1], 0, 0};
  int tfd = jc_open_no_symlinks(op->strs[0], 0);
  if (tfd < 0) FAIL(JC_SYS_OPENAT);
  unsigned flags = AT_EMPTY_PATH | (op->ints[2] ? AT_RECURSIVE : 0);
  long rc = syscall(__NR_mount_setattr, tfd, "", flags, &attr, sizeof attr);
  int saved = errno;
  close(tfd);
  errno = saved;
  if (rc < 0) FAIL(JC_SYS_MOUNT_SETATTR);
  return 0;
}
