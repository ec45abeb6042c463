/* A stored plan (`jailctl run --save-plan FILE`, run by `jailctl-launch --plan FILE`): the launch
 * plan together with a fingerprint of every path planning looked at, written by
 * src/native/stored-plan-codec.ts. Which fields of a fingerprint are compared is the plan's
 * choice (the checks bits); C only compares. Keep in sync with the codec (a test checks). */
#ifndef JC_STORED_PLAN_H
#define JC_STORED_PLAN_H

#include <stddef.h>
#include <stdint.h>

#define JC_STORED_MAGIC "JCSTORED"
#define JC_STORED_VERSION 1

/* What a fingerprint's checks ask the launcher to compare. */
enum jc_fp_check {
  JC_FP_TYPE = 1,      /* st_mode & S_IFMT */
  JC_FP_PERM = 2,      /* st_mode & 07777 */
  JC_FP_OWNER = 4,     /* st_uid, st_gid */
  JC_FP_SIZE = 8,      /* st_size */
  JC_FP_DEV = 16,      /* st_dev */
  JC_FP_INO = 32,      /* st_ino */
  JC_FP_MTIME = 64,    /* st_mtim, to the nanosecond */
  JC_FP_CTIME = 128,   /* st_ctim, to the nanosecond */
  JC_FP_ABSENT = 256,  /* the lookup fails with errno `err` (nothing else is compared) */
  JC_FP_CONTENT = 512, /* SHA-256 of the file's bytes */
  JC_FP_LINK = 1024,   /* SHA-256 of the symlink's target text */
};

struct jc_fingerprint {
  uint32_t follow; /* 1: stat(2), following a final symlink; 0: lstat(2) */
  uint32_t checks; /* JC_FP_* */
  uint32_t err;
  uint32_t mode, uid, gid;
  uint64_t size, dev, ino;
  int64_t mtime_sec, ctime_sec;
  uint32_t mtime_nsec, ctime_nsec;
  const unsigned char *sha256; /* 32 bytes */
  const char *path;
};

struct jc_stored_plan {
  const char *arch;    /* the machine the plan was made for (src/profile/arch.ts names) */
  const char *refresh; /* what to do when it is stale, e.g. "run jailctl run --save-plan again" */
  uint32_t nfingerprints;
  struct jc_fingerprint *fingerprints;
  const unsigned char *plan; /* the encoded launch plan (native/plan.h) */
  size_t plan_len;
};

/* Parses buf (which must outlive out). Returns 0, or -1 with a static message. */
int jc_stored_plan_parse(const unsigned char *buf, size_t len, struct jc_stored_plan *out, const char **err);

/* 0 when the path still matches; 1 with *what naming the first field that differs. */
int jc_fingerprint_stale(const struct jc_fingerprint *fp, const char **what);

#endif
