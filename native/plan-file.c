/* Stored plans (`jailctl-launch --plan FILE`) are trusted as a plan from jailctl is: only if
 * root wrote them and only root can change them (the file and the directory holding it), only
 * on the machine they were made for, and only while every path planning looked at is as the
 * plan's fingerprints say. Each refusal is one line naming the file and the reason. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "arch.h"
#include "errname.h"
#include "plan-file.h"
#include "stored-plan.h"

#define MAX_PLAN (64u << 20)

int jc_read_all(int fd, unsigned char **out, size_t *len) {
  size_t cap = 1 << 16, got = 0;
  unsigned char *buf = malloc(cap);
  if (!buf) return -1;
  for (;;) {
    if (got == cap) {
      if (cap >= MAX_PLAN) { free(buf); errno = EFBIG; return -1; }
      unsigned char *bigger = realloc(buf, cap *= 2);
      if (!bigger) { free(buf); return -1; }
      buf = bigger;
    }
    ssize_t n = read(fd, buf + got, cap - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) { free(buf); return -1; }
    if (n == 0) break;
    got += (size_t)n;
  }
  *out = buf;
  *len = got;
  return 0;
}

static int refuse(const char *file, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "jailctl: %s: ", file);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return 125;
}

static const char *ename(int err) {
  const char *name = jc_errno_name(err);
  return name ? name : "error";
}

/* Root's and writable by root alone: anyone else could make it a plan of their choosing. */
static int refuse_untrusted(const char *file, const char *what, const struct stat *st) {
  if (st->st_uid != 0)
    return refuse(file, "refused: %s is owned by uid %u, not root; only root's stored plans are run", what, (unsigned)st->st_uid);
  if (st->st_mode & 022)
    return refuse(file, "refused: %s is writable by others (mode %04o); only root may be able to change a stored plan", what, (unsigned)(st->st_mode & 07777));
  return 0;
}

static int check_directory(const char *file) {
  char dir[4096];
  const char *slash = strrchr(file, '/');
  size_t n = slash == NULL ? 1 : slash == file ? 1 : (size_t)(slash - file);
  if (n >= sizeof dir) return refuse(file, "refused: the path is too long");
  memcpy(dir, slash == NULL ? "." : file, n);
  dir[n] = '\0';
  struct stat st;
  if (stat(dir, &st) < 0) return refuse(file, "cannot look at its directory %s: %s (%s)", dir, ename(errno), strerror(errno));
  char what[4200];
  snprintf(what, sizeof what, "its directory %s", dir);
  return refuse_untrusted(file, what, &st);
}

/* Opens and reads the file if it may be trusted; returns 0 or the exit status after one line. */
static int read_trusted(const char *file, unsigned char **buf, size_t *len) {
  int status = check_directory(file);
  if (status) return status;
  int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
  if (fd < 0 && errno == ELOOP) return refuse(file, "refused: a symbolic link; name the stored plan itself");
  if (fd < 0) return refuse(file, "cannot open the stored plan: %s (%s)", ename(errno), strerror(errno));
  struct stat st;
  if (fstat(fd, &st) < 0) status = refuse(file, "cannot look at the stored plan: %s (%s)", ename(errno), strerror(errno));
  else if (!S_ISREG(st.st_mode)) status = refuse(file, "refused: not a regular file");
  else status = refuse_untrusted(file, "the file", &st);
  if (!status && jc_read_all(fd, buf, len) < 0) status = refuse(file, "cannot read the stored plan: %s (%s)", ename(errno), strerror(errno));
  close(fd);
  return status;
}

int jc_load_plan_file(const char *file, struct jc_plan *plan) {
  unsigned char *buf;
  size_t len;
  const char *err, *what;
  struct jc_stored_plan stored;
  int status = read_trusted(file, &buf, &len);
  if (status) return status;
  if (jc_stored_plan_parse(buf, len, &stored, &err) < 0) return refuse(file, "%s", err);
  if (strcmp(stored.arch, JC_ARCH) != 0)
    return refuse(file, "made for %s, but this launcher runs %s code; save the plan with --arch %s", stored.arch, JC_ARCH, JC_ARCH);
  for (uint32_t i = 0; i < stored.nfingerprints; i++) {
    const struct jc_fingerprint *fp = &stored.fingerprints[i];
    if (jc_fingerprint_stale(fp, &what))
      return refuse(file, "stale: %s changed since the plan was saved (%s); %s", fp->path, what, stored.refresh);
  }
  if (jc_plan_parse(stored.plan, stored.plan_len, plan, &err) < 0) return refuse(file, "launch plan: %s", err);
  return 0;
}
