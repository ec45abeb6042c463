/* The trace's eBPF assembler (bpf-asm.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "bpf-asm.h"

void jc_bpf_init(struct jc_bpf_prog *p) {
  memset(p, 0, sizeof *p);
  for (int i = 0; i < JC_BPF_LABELS; i++) p->label_at[i] = -1;
}

void jc_bpf_op(struct jc_bpf_prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  if (p->n >= JC_BPF_MAX_INSNS) { p->overflow = 1; return; }
  struct bpf_insn i = {code, dst, src, off, imm};
  p->insn[p->n++] = i;
}

void jc_bpf_jump(struct jc_bpf_prog *p, uint8_t code, uint8_t dst, uint8_t src, int32_t imm, int label) {
  if (p->nfixups >= JC_BPF_MAX_FIXUPS || label < 0 || label >= JC_BPF_LABELS) { p->overflow = 1; return; }
  p->fixups[p->nfixups].at = p->n;
  p->fixups[p->nfixups++].label = label;
  jc_bpf_op(p, code, dst, src, 0, imm);
}

void jc_bpf_label(struct jc_bpf_prog *p, int label) {
  if (label >= 0 && label < JC_BPF_LABELS) p->label_at[label] = p->n;
}

void jc_bpf_map(struct jc_bpf_prog *p, uint8_t dst, int fd) {
  jc_bpf_op(p, BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, 0, fd);
  jc_bpf_op(p, 0, 0, 0, 0, 0);
}

void jc_bpf_call(struct jc_bpf_prog *p, int32_t helper) {
  jc_bpf_op(p, BPF_JMP | BPF_CALL, 0, 0, 0, helper);
}

void jc_bpf_lookup(struct jc_bpf_prog *p, int fd, uint8_t key, int missing) {
  jc_bpf_op(p, BPF_STX | BPF_W | BPF_MEM, BPF_REG_10, key, -4, 0);
  jc_bpf_op(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0);
  jc_bpf_op(p, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4);
  jc_bpf_map(p, BPF_REG_1, fd);
  jc_bpf_call(p, BPF_FUNC_map_lookup_elem);
  jc_bpf_jump(p, BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 0, missing);
}

int jc_bpf_finish(struct jc_bpf_prog *p) {
  if (p->overflow) return -1;
  for (int i = 0; i < p->nfixups; i++) {
    int to = p->label_at[p->fixups[i].label];
    if (to < 0) return -1;
    p->insn[p->fixups[i].at].off = (int16_t)(to - p->fixups[i].at - 1);
  }
  return 0;
}

int jc_bpf_load(const struct jc_bpf_prog *p) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
  attr.insns = (uint64_t)(uintptr_t)p->insn;
  attr.insn_cnt = (uint32_t)p->n;
  attr.license = (uint64_t)(uintptr_t)"GPL";
  return (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
}
