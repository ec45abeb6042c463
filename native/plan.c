/* Decoding of the binary launch plan written by src/native/plan-codec.ts. Layout, integers
 * little-endian on every CPU (assembled byte by byte here, so big-endian mips reads the same):
 *   "JCPLAN01" u32 nops, then per op: u32 code, phase, flags, nints, nstrs;
 *   i64 ints[nints]; describe, hint and strs[nstrs] as (u32 len, bytes, NUL). */
#include <stdlib.h>
#include <string.h>
#include "plan.h"

struct reader {
  const unsigned char *buf;
  size_t len, pos;
};

static uint64_t load_le(const unsigned char *p, unsigned n) {
  uint64_t v = 0;
  while (n--) v = v << 8 | p[n];
  return v;
}

static int read_u32(struct reader *r, uint32_t *out) {
  if (r->len - r->pos < 4) return -1;
  *out = (uint32_t)load_le(r->buf + r->pos, 4);
  r->pos += 4;
  return 0;
}

static int read_i64(struct reader *r, int64_t *out) {
  if (r->len - r->pos < 8) return -1;
  *out = (int64_t)load_le(r->buf + r->pos, 8);
  r->pos += 8;
  return 0;
}

static int read_str(struct reader *r, const char **out, uint32_t *len_out) {
  uint32_t len;
  if (read_u32(r, &len) < 0 || r->len - r->pos < (size_t)len + 1) return -1;
  if (r->buf[r->pos + len] != '\0') return -1;
  *out = (const char *)r->buf + r->pos;
  if (len_out) *len_out = len;
  r->pos += (size_t)len + 1;
  return 0;
}

static int read_op(struct reader *r, struct jc_op *op) {
  if (read_u32(r, &op->code) || read_u32(r, &op->phase) || read_u32(r, &op->flags) ||
      read_u32(r, &op->nints) || read_u32(r, &op->nstrs))
    return -1;
  if (op->code == 0 || op->code >= JC_OP_MAX || op->phase > JC_PHASE_CLEANUP) return -1;
  if (op->nints > 4096 || op->nstrs > 65536) return -1;
  op->ints = calloc(op->nints + 1, sizeof(int64_t));
  op->strs = calloc(op->nstrs + 1, sizeof(char *));
  op->lens = calloc(op->nstrs + 1, sizeof(uint32_t));
  if (!op->ints || !op->strs || !op->lens) return -1;
  for (uint32_t i = 0; i < op->nints; i++)
    if (read_i64(r, &op->ints[i])) return -1;
  if (read_str(r, &op->describe, NULL) || read_str(r, &op->hint, NULL)) return -1;
  for (uint32_t i = 0; i < op->nstrs; i++)
    if (read_str(r, &op->strs[i], &op->lens[i])) return -1;
  return 0;
}

int jc_plan_parse(const unsigned char *buf, size_t len, struct jc_plan *plan, const char **err) {
  struct reader r = {buf, len, 0};
  uint32_t nops;
  *err = "bad magic";
  if (len < 8 || memcmp(buf, JC_PLAN_MAGIC, 8) != 0) return -1;
  r.pos = 8;
  *err = "truncated header";
  if (read_str(&r, &plan->name, NULL) || read_u32(&r, &nops) || nops > 100000) return -1;
  plan->nops = nops;
  plan->ops = calloc(nops + 1, sizeof(struct jc_op));
  *err = "out of memory";
  if (!plan->ops) return -1;
  for (uint32_t i = 0; i < nops; i++) {
    *err = "malformed operation";
    if (read_op(&r, &plan->ops[i])) return -1;
  }
  *err = "trailing bytes";
  if (r.pos != len) return -1;
  return 0;
}

const struct jc_op *jc_find_op(const struct jc_plan *plan, uint32_t code) {
  for (uint32_t i = 0; i < plan->nops; i++)
    if (plan->ops[i].code == code) return &plan->ops[i];
  return NULL;
}
