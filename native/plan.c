/* Decoding of the binary launch plan written by src/native/plan-codec.ts. Layout, integers
 * little-endian on every CPU (assembled byte by byte here, so big-endian mips reads the same):
 *   "JCPLAN01" u32 nops, then per op: u32 code, phase, flags, nints, nstrs;
 *   i64 ints[nints]; describe, hint and strs[nstrs] as (u32 len, bytes, NUL). */
#include <stdlib.h>
#include <string.h>
#include "plan.h"
#include "reader.h"

static int read_op(struct jc_reader *r, struct jc_op *op) {
  if (jc_read_u32(r, &op->code) || jc_read_u32(r, &op->phase) || jc_read_u32(r, &op->flags) ||
      jc_read_u32(r, &op->nints) || jc_read_u32(r, &op->nstrs))
    return -1;
  if (op->code == 0 || op->code >= JC_OP_MAX || op->phase > JC_PHASE_CLEANUP) return -1;
  if (op->nints > 4096 || op->nstrs > 65536) return -1;
  op->ints = calloc(op->nints + 1, sizeof(int64_t));
  op->strs = calloc(op->nstrs + 1, sizeof(char *));
  op->lens = calloc(op->nstrs + 1, sizeof(uint32_t));
  if (!op->ints || !op->strs || !op->lens) return -1;
  for (uint32_t i = 0; i < op->nints; i++)
    if (jc_read_u64(r, (uint64_t *)&op->ints[i])) return -1;
  if (jc_read_str(r, &op->describe, NULL) || jc_read_str(r, &op->hint, NULL)) return -1;
  for (uint32_t i = 0; i < op->nstrs; i++)
    if (jc_read_str(r, &op->strs[i], &op->lens[i])) return -1;
  return 0;
}

int jc_plan_parse(const unsigned char *buf, size_t len, struct jc_plan *plan, const char **err) {
  struct jc_reader r = {buf, len, 0};
  uint32_t nops;
  *err = "bad magic";
  if (len < 8 || memcmp(buf, JC_PLAN_MAGIC, 8) != 0) return -1;
  r.pos = 8;
  *err = "truncated header";
  if (jc_read_str(&r, &plan->name, NULL) || jc_read_u32(&r, &nops) || nops > 100000) return -1;
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
