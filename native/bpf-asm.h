/* A tiny eBPF assembler for the trace's in-kernel programs (no compiler or libbpf on a router):
 * instructions appended in order, forward jumps to labels patched when the program ends. */
#ifndef JC_BPF_ASM_H
#define JC_BPF_ASM_H

#include <linux/bpf.h>
#include <stdint.h>

#define JC_BPF_MAX_INSNS 192
#define JC_BPF_MAX_FIXUPS 48
#define JC_BPF_LABELS 16

/* Helpers and map types newer than some toolchains' headers (numbers are kernel ABI) */
#define JC_BPF_FUNC_PROBE_READ_USER 112
#define JC_BPF_FUNC_PROBE_READ_KERNEL 113
#define JC_BPF_FUNC_PROBE_READ_USER_STR 114
#define JC_BPF_FUNC_SEND_SIGNAL_THREAD 117
#define JC_BPF_FUNC_RINGBUF_OUTPUT 130
#define JC_BPF_FUNC_RINGBUF_QUERY 134
#define JC_BPF_MAP_TYPE_RINGBUF 27
#define JC_BPF_RB_NO_WAKEUP 1
#define JC_BPF_RB_FORCE_WAKEUP 2
#define JC_BPF_RB_AVAIL_DATA 0
#ifndef BPF_ATOMIC
#define BPF_ATOMIC 0xc0
#endif
#ifndef BPF_F_MMAPABLE
#define BPF_F_MMAPABLE (1U << 10)
#endif

struct jc_bpf_prog {
  struct bpf_insn insn[JC_BPF_MAX_INSNS];
  int n;
  int overflow;                                  /* more instructions or jumps than room: not loaded */
  int label_at[JC_BPF_LABELS];
  struct { int at, label; } fixups[JC_BPF_MAX_FIXUPS];
  int nfixups;
};

void jc_bpf_init(struct jc_bpf_prog *p);
void jc_bpf_op(struct jc_bpf_prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm);
/* A jump whose target is `label` (placed later with jc_bpf_label) */
void jc_bpf_jump(struct jc_bpf_prog *p, uint8_t code, uint8_t dst, uint8_t src, int32_t imm, int label);
void jc_bpf_label(struct jc_bpf_prog *p, int label);
/* dst = the map with descriptor fd (a 64-bit immediate: two slots) */
void jc_bpf_map(struct jc_bpf_prog *p, uint8_t dst, int fd);
/* r0 = &map[r(key)] (the key is spilled to fp-4), jumping to `missing` when out of range */
void jc_bpf_lookup(struct jc_bpf_prog *p, int fd, uint8_t key, int missing);
void jc_bpf_call(struct jc_bpf_prog *p, int32_t helper);
/* Patches every jump; returns -1 when a label was never placed or the program overflowed. */
int jc_bpf_finish(struct jc_bpf_prog *p);
/* Loads a raw-tracepoint program; returns its descriptor or -1. */
int jc_bpf_load(const struct jc_bpf_prog *p);

#endif
