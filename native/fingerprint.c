/* Re-checking one fingerprint of a stored plan: stat(2) or lstat(2) the path as the plan says,
 * compare exactly the fields its checks name, hash the bytes where it asks for content. Which
 * fields matter was decided when the plan was saved (src/jail/fingerprint.ts). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "failsafe/hmac-sha256.h"
#include "stored-plan.h"

static int same_digest(struct jc_sha256 *ctx, const unsigned char *want) {
  uint8_t got[JC_SHA256_LEN];
  jc_sha256_final(ctx, got);
  return memcmp(got, want, JC_SHA256_LEN) == 0;
}

/* The file's bytes hash to `want`; a file that cannot be read does not. */
static int content_matches(const char *path, int follow, const unsigned char *want) {
  static uint8_t buf[16384];
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (follow ? 0 : O_NOFOLLOW));
  if (fd < 0) return 0;
  struct jc_sha256 ctx;
  jc_sha256_init(&ctx);
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) { close(fd); return 0; }
    if (n == 0) break;
    jc_sha256_update(&ctx, buf, (size_t)n);
  }
  close(fd);
  return same_digest(&ctx, want);
}

static int link_matches(const char *path, const unsigned char *want) {
  char target[4096];
  ssize_t n = readlink(path, target, sizeof target);
  if (n < 0 || n == (ssize_t)sizeof target) return 0;
  struct jc_sha256 ctx;
  jc_sha256_init(&ctx);
  jc_sha256_update(&ctx, (const uint8_t *)target, (size_t)n);
  return same_digest(&ctx, want);
}

/* The first field of st that differs from fp among those fp checks, or NULL. */
static const char *differing_field(const struct jc_fingerprint *fp, const struct stat *st) {
  uint32_t c = fp->checks;
  if ((c & JC_FP_TYPE) && (st->st_mode & S_IFMT) != (fp->mode & S_IFMT)) return "type";
  if ((c & JC_FP_PERM) && (st->st_mode & 07777) != (fp->mode & 07777)) return "mode";
  if ((c & JC_FP_OWNER) && (st->st_uid != fp->uid || st->st_gid != fp->gid)) return "owner";
  if ((c & JC_FP_SIZE) && (uint64_t)st->st_size != fp->size) return "size";
  if ((c & JC_FP_DEV) && (uint64_t)st->st_dev != fp->dev) return "device";
  if ((c & JC_FP_INO) && (uint64_t)st->st_ino != fp->ino) return "inode";
  if ((c & JC_FP_MTIME) && ((int64_t)st->st_mtim.tv_sec != fp->mtime_sec || (uint32_t)st->st_mtim.tv_nsec != fp->mtime_nsec)) return "mtime";
  if ((c & JC_FP_CTIME) && ((int64_t)st->st_ctim.tv_sec != fp->ctime_sec || (uint32_t)st->st_ctim.tv_nsec != fp->ctime_nsec)) return "ctime";
  if ((c & JC_FP_CONTENT) && !content_matches(fp->path, (int)fp->follow, fp->sha256)) return "content";
  if ((c & JC_FP_LINK) && !link_matches(fp->path, fp->sha256)) return "link target";
  return NULL;
}

int jc_fingerprint_stale(const struct jc_fingerprint *fp, const char **what) {
  struct stat st;
  int r = fp->follow ? stat(fp->path, &st) : lstat(fp->path, &st);
  if (fp->checks & JC_FP_ABSENT) {
    if (r == 0) { *what = "it exists now"; return 1; }
    if ((uint32_t)errno != fp->err) { *what = "it fails differently now"; return 1; }
    return 0;
  }
  if (r < 0) { *what = errno == ENOENT ? "it is gone" : "it cannot be looked up"; return 1; }
  *what = differing_field(fp, &st);
  return *what != NULL;
}
