/* Decoding of the stored-plan file written by src/native/stored-plan-codec.ts. Layout, integers
 * little-endian (native/reader.h):
 *   "JCSTORED" u32 version, str arch, str refresh, u32 n, n fingerprints, u32 plan length, plan
 *   fingerprint: u32 follow, checks, errno, mode, uid, gid; u64 size, dev, ino, mtime sec;
 *                u32 mtime nsec; u64 ctime sec; u32 ctime nsec; 32 bytes SHA-256; str path
 * Pure: no I/O. */
#include <stdlib.h>
#include <string.h>
#include "reader.h"
#include "stored-plan.h"

/* six u32, four u64, u32, u64, u32, the digest, and the shortest path ("/": length, byte, NUL) */
#define MIN_FINGERPRINT (6 * 4 + 4 * 8 + 4 + 8 + 4 + 32 + 4 + 1 + 1)

/* 0; -1 when it runs past the end of the file (truncated, or a length that is garbage);
 * -2 when it holds what no saved plan does */
static int read_fingerprint(struct jc_reader *r, struct jc_fingerprint *fp) {
  uint64_t mtime, ctime;
  if (jc_read_u32(r, &fp->follow) || jc_read_u32(r, &fp->checks) || jc_read_u32(r, &fp->err) ||
      jc_read_u32(r, &fp->mode) || jc_read_u32(r, &fp->uid) || jc_read_u32(r, &fp->gid) ||
      jc_read_u64(r, &fp->size) || jc_read_u64(r, &fp->dev) || jc_read_u64(r, &fp->ino) ||
      jc_read_u64(r, &mtime) || jc_read_u32(r, &fp->mtime_nsec) ||
      jc_read_u64(r, &ctime) || jc_read_u32(r, &fp->ctime_nsec) ||
      jc_read_bytes(r, 32, &fp->sha256) || jc_read_str(r, &fp->path, NULL))
    return -1;
  fp->mtime_sec = (int64_t)mtime;
  fp->ctime_sec = (int64_t)ctime;
  /* a path the launcher would look up relative to its own cwd, or checks it does not know */
  if (fp->path[0] != '/' || fp->follow > 1 || fp->checks == 0 || fp->checks >= 2048) return -2;
  if ((fp->checks & JC_FP_ABSENT) && fp->checks != JC_FP_ABSENT) return -2;
  return 0;
}

int jc_stored_plan_parse(const unsigned char *buf, size_t len, struct jc_stored_plan *out, const char **err) {
  struct jc_reader r = {buf, len, 0};
  uint32_t version, n, plan_len;
  *err = "not a stored plan (bad magic)";
  if (len < 8 || memcmp(buf, JC_STORED_MAGIC, 8) != 0) return -1;
  r.pos = 8;
  *err = "truncated header";
  if (jc_read_u32(&r, &version)) return -1;
  *err = "stored plan format version unknown to this launcher (save the plan with the jailctl that matches this launcher)";
  if (version != JC_STORED_VERSION) return -1;
  *err = "truncated header";
  if (jc_read_str(&r, &out->arch, NULL) || jc_read_str(&r, &out->refresh, NULL) || jc_read_u32(&r, &n)) return -1;
  /* each takes at least MIN_FINGERPRINT bytes: a garbage count cannot ask for a huge calloc */
  *err = "truncated (fewer bytes than its fingerprints need)";
  if (n > (len - r.pos) / MIN_FINGERPRINT) return -1;
  out->nfingerprints = n;
  out->fingerprints = calloc((size_t)n + 1, sizeof(struct jc_fingerprint));
  *err = "out of memory";
  if (!out->fingerprints) return -1;
  for (uint32_t i = 0; i < n; i++) {
    int bad = read_fingerprint(&r, &out->fingerprints[i]);
    *err = bad == -1 ? "truncated (the file ends inside a fingerprint)" : "malformed fingerprint";
    if (bad) return -1;
  }
  *err = "truncated plan";
  if (jc_read_u32(&r, &plan_len) || jc_read_bytes(&r, plan_len, &out->plan)) return -1;
  out->plan_len = plan_len;
  *err = "trailing bytes";
  if (r.pos != len) return -1;
  return 0;
}
