/* The in-kernel syscall counter of a trace (see trace-count.h): three mmap'able BPF arrays, a
 * 40-instruction program on raw_syscalls:sys_enter and a 20-instruction one on sys_exit. Any
 * refusal by the kernel (no root, no BPF, an older kernel) leaves the trace to count every call by
 * ptrace, as before. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "trace-count.h"

#ifndef BPF_ATOMIC
#define BPF_ATOMIC 0xc0
#endif
#ifndef BPF_F_MMAPABLE
#define BPF_F_MMAPABLE (1U << 10)
#endif

/* Thread ids run below PID_MAX_LIMIT: 4M on 64-bit kernels (a 32-bit launcher may run on one),
 * 32768 on 32-bit ones. Two bitmaps of 4M bits are 1 MiB. */
#define PID_LIMIT 4194304u

enum { MAP_BITS, MAP_COUNTS, MAP_SLOTS, PROG_ENTER, PROG_EXIT, LINK_ENTER, LINK_EXIT };
#define NFDS 7

/* The bitmaps are 64-bit words the program changes with BPF's 64-bit atomics. A launcher built
 * without 64-bit atomics of its own (32-bit MIPS, whose kernels emulate them with locks the
 * program's and ours could not share) has no counter: every call stops for the tracer there. */
#ifdef __GCC_HAVE_SYNC_COMPARE_AND_SWAP_8
#define HAVE_WORD_ATOMICS 1
static void word_or(volatile uint64_t *w, uint64_t bits) { __atomic_fetch_or(w, bits, __ATOMIC_SEQ_CST); }
static void word_and(volatile uint64_t *w, uint64_t bits) { __atomic_fetch_and(w, bits, __ATOMIC_SEQ_CST); }
#else
#define HAVE_WORD_ATOMICS 0
static void word_or(volatile uint64_t *w, uint64_t bits) { (void)w; (void)bits; }  /* never active */
static void word_and(volatile uint64_t *w, uint64_t bits) { (void)w; (void)bits; }
#endif

static int sys_bpf(int cmd, union bpf_attr *attr) {
  return (int)syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

static int create_map(uint32_t entries, uint32_t value_size) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.map_type = BPF_MAP_TYPE_ARRAY;
  attr.key_size = 4;
  attr.value_size = value_size;
  attr.max_entries = entries;
  attr.map_flags = BPF_F_MMAPABLE;
  return sys_bpf(BPF_MAP_CREATE, &attr);
}

/* A tiny eBPF assembler: instructions appended in order, jumps to the end patched at the end. */
struct prog { struct bpf_insn insn[64]; int n; int exits[8]; int nexits; };

static void op(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  struct bpf_insn i = {code, dst, src, off, imm};
  p->insn[p->n++] = i;
}
static void map_fd(struct prog *p, uint8_t dst, int fd) {
  op(p, BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, 0, fd);
  op(p, 0, 0, 0, 0, 0);
}
static void to_exit(struct prog *p, uint8_t code, uint8_t dst, int32_t imm) {
  p->exits[p->nexits++] = p->n;
  op(p, code, dst, 0, 0, imm);
}
/* r0 = &map[key in r(key)], or to the end when the key is out of range */
static void lookup(struct prog *p, int fd, uint8_t key) {
  op(p, BPF_STX | BPF_W | BPF_MEM, BPF_REG_10, key, -4, 0);
  op(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0);
  op(p, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4);
  map_fd(p, BPF_REG_1, fd);
  op(p, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
  to_exit(p, BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0);
}

/* r6 = ctx, r7 = tid, r8 = its bitmap word, r9 = its bit */
static void build(struct prog *p, int bits, int counts, uint32_t words) {
  op(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0);
  op(p, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_current_pid_tgid);
  op(p, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_7, BPF_REG_0, 0, 0); /* the low half: the thread id */
  to_exit(p, BPF_JMP | BPF_JGE | BPF_K, BPF_REG_7, (int32_t)PID_LIMIT);
  op(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_8, BPF_REG_7, 0, 0);
  op(p, BPF_ALU64 | BPF_RSH | BPF_K, BPF_REG_8, 0, 0, 6);
  op(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_9, BPF_REG_7, 0, 0);
  op(p, BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_9, 0, 0, 63);
  /* a traced task? */
  lookup(p, bits, BPF_REG_8);
  op(p, BPF_LDX | BPF_DW | BPF_MEM, BPF_REG_1, BPF_REG_0, 0, 0);
  op(p, BPF_ALU64 | BPF_RSH | BPF_X, BPF_REG_1, BPF_REG_9, 0, 0);
  op(p, BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_1, 0, 0, 1);
  to_exit(p, BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_1, 0);
  /* counted by the tracer already: clear the mark, count nothing */
  op(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_8, 0, 0);
  op(p, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_1, 0, 0, (int32_t)words);
  lookup(p, bits, BPF_REG_1);
  op(p, BPF_LDX | BPF_DW | BPF_MEM, BPF_REG_1, BPF_REG_0, 0, 0);
  op(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_2, 0, 0, 1);
  op(p, BPF_ALU64 | BPF_LSH | BPF_X, BPF_REG_2, BPF_REG_9, 0, 0);
  op(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_1, 0, 0);
  op(p, BPF_ALU64 | BPF_AND | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0);
  op(p, BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_3, 0, 3, 0); /* not marked: count it */
  op(p, BPF_ALU64 | BPF_XOR | BPF_K, BPF_REG_2, 0, 0, -1);
  op(p, BPF_STX | BPF_DW | BPF_ATOMIC, BPF_REG_0, BPF_REG_2, 0, BPF_AND);
  to_exit(p, BPF_JMP | BPF_JA, 0, 0);
  /* count it by its number (ctx->args[1] of sys_enter) */
  op(p, BPF_LDX | BPF_DW | BPF_MEM, BPF_REG_1, BPF_REG_6, 8, 0);
  to_exit(p, BPF_JMP | BPF_JGE | BPF_K, BPF_REG_1, JC_COUNTER_NRS);
  lookup(p, counts, BPF_REG_1);
  op(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, 1);
  op(p, BPF_STX | BPF_DW | BPF_ATOMIC, BPF_REG_0, BPF_REG_1, 0, BPF_ADD);
  for (int i = 0; i < p->nexits; i++) p->insn[p->exits[i]].off = (int16_t)(p->n - p->exits[i] - 1);
  op(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
  op(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

/* sys_exit: the result of a call the tracer asked for (its thread's slot in WANT), kept */
static void build_exit(struct prog *p, int slots) {
  op(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0);
  op(p, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_current_pid_tgid);
  op(p, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_7, BPF_REG_0, 0, 0);
  op(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_8, BPF_REG_7, 0, 0);
  op(p, BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_8, 0, 0, JC_RESULT_SLOTS - 1);
  lookup(p, slots, BPF_REG_8);
  op(p, BPF_LDX | BPF_W | BPF_MEM, BPF_REG_1, BPF_REG_0, 0, 0);
  to_exit(p, BPF_JMP | BPF_JNE | BPF_X, BPF_REG_1, 0);
  p->insn[p->n - 1].src_reg = BPF_REG_7; /* another thread's slot */
  op(p, BPF_LDX | BPF_W | BPF_MEM, BPF_REG_1, BPF_REG_0, 4, 0);
  to_exit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_1, JC_SLOT_WANT);
  op(p, BPF_LDX | BPF_DW | BPF_MEM, BPF_REG_1, BPF_REG_6, 8, 0); /* ctx->args[1]: the return value */
  op(p, BPF_STX | BPF_DW | BPF_MEM, BPF_REG_0, BPF_REG_1, 8, 0);
  /* DONE after the value, ordered (an exchange is a full barrier on every arch) */
  op(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, JC_SLOT_DONE);
  op(p, BPF_STX | BPF_W | BPF_ATOMIC, BPF_REG_0, BPF_REG_1, 4, BPF_XCHG);
  for (int i = 0; i < p->nexits; i++) p->insn[p->exits[i]].off = (int16_t)(p->n - p->exits[i] - 1);
  op(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
  op(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static int load(struct prog *p) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
  attr.insns = (uint64_t)(uintptr_t)p->insn;
  attr.insn_cnt = (uint32_t)p->n;
  attr.license = (uint64_t)(uintptr_t)"GPL";
  return sys_bpf(BPF_PROG_LOAD, &attr);
}

static int attach(int prog, const char *tracepoint) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.raw_tracepoint.name = (uint64_t)(uintptr_t)tracepoint;
  attr.raw_tracepoint.prog_fd = (uint32_t)prog;
  return sys_bpf(BPF_RAW_TRACEPOINT_OPEN, &attr);
}

static void *map_memory(int fd, size_t size) {
  void *at = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  return at == MAP_FAILED ? NULL : at;
}

static int give_up(struct jc_counter *c) {
  int saved = errno;
  if (c->bits) munmap((void *)c->bits, 2 * (size_t)c->words * 8);
  if (c->counts) munmap((void *)c->counts, JC_COUNTER_NRS * 8);
  if (c->slots) munmap(c->slots, JC_RESULT_SLOTS * sizeof *c->slots);
  for (int i = 0; i < NFDS; i++) if (c->fds[i] >= 0) close(c->fds[i]);
  memset(c, 0, sizeof *c);
  for (int i = 0; i < NFDS; i++) c->fds[i] = -1;
  errno = saved;
  return -1;
}

int jc_counter_open(struct jc_counter *c) {
  static struct prog enter, leave;
  memset(c, 0, sizeof *c);
  for (int i = 0; i < NFDS; i++) c->fds[i] = -1;
  if (!HAVE_WORD_ATOMICS) { errno = ENOSYS; return -1; }
  c->words = PID_LIMIT / 64;
  if ((c->fds[MAP_BITS] = create_map(2 * c->words, 8)) < 0 || (c->fds[MAP_COUNTS] = create_map(JC_COUNTER_NRS, 8)) < 0 ||
      (c->fds[MAP_SLOTS] = create_map(JC_RESULT_SLOTS, sizeof *c->slots)) < 0) return give_up(c);
  if (!(c->bits = map_memory(c->fds[MAP_BITS], 2 * (size_t)c->words * 8)) || !(c->counts = map_memory(c->fds[MAP_COUNTS], JC_COUNTER_NRS * 8)) ||
      !(c->slots = map_memory(c->fds[MAP_SLOTS], JC_RESULT_SLOTS * sizeof *c->slots))) return give_up(c);
  memset(&enter, 0, sizeof enter);
  memset(&leave, 0, sizeof leave);
  build(&enter, c->fds[MAP_BITS], c->fds[MAP_COUNTS], c->words);
  build_exit(&leave, c->fds[MAP_SLOTS]);
  if ((c->fds[PROG_ENTER] = load(&enter)) < 0 || (c->fds[PROG_EXIT] = load(&leave)) < 0) return give_up(c);
  if ((c->fds[LINK_ENTER] = attach(c->fds[PROG_ENTER], "sys_enter")) < 0 || (c->fds[LINK_EXIT] = attach(c->fds[PROG_EXIT], "sys_exit")) < 0) return give_up(c);
  c->active = 1;
  return 0;
}

int jc_counter_want_result(struct jc_counter *c, pid_t tid) {
  if (!c || !c->active || tid <= 0) return -1;
  struct jc_result_slot *s = &c->slots[(uint32_t)tid % JC_RESULT_SLOTS];
  if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != JC_SLOT_FREE) return -1;
  s->tid = (uint32_t)tid;
  __atomic_store_n(&s->state, JC_SLOT_WANT, __ATOMIC_RELEASE);
  return 0;
}

int jc_counter_result(struct jc_counter *c, pid_t tid, int64_t *ret) {
  if (!c || !c->active || tid <= 0) return -1;
  struct jc_result_slot *s = &c->slots[(uint32_t)tid % JC_RESULT_SLOTS];
  uint32_t state = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
  if (s->tid != (uint32_t)tid || state == JC_SLOT_FREE) return -1;
  if (state != JC_SLOT_DONE) return 0;
  *ret = s->ret;
  s->tid = 0;
  __atomic_store_n(&s->state, JC_SLOT_FREE, __ATOMIC_RELEASE);
  return 1;
}

void jc_counter_drop_result(struct jc_counter *c, pid_t tid) {
  if (!c || !c->active || tid <= 0) return;
  struct jc_result_slot *s = &c->slots[(uint32_t)tid % JC_RESULT_SLOTS];
  if (s->tid != (uint32_t)tid) return;
  s->tid = 0;
  __atomic_store_n(&s->state, JC_SLOT_FREE, __ATOMIC_RELEASE);
}

void jc_counter_member(struct jc_counter *c, pid_t tid, int traced) {
  if (!c || !c->active || tid <= 0 || (uint32_t)tid >= PID_LIMIT) return;
  uint64_t bit = 1ull << (tid & 63);
  uint32_t word = (uint32_t)tid >> 6;
  if (traced) word_or(&c->bits[word], bit);
  else {
    word_and(&c->bits[word], ~bit);
    word_and(&c->bits[c->words + word], ~bit);
  }
}

void jc_counter_counted(struct jc_counter *c, pid_t tid) {
  if (!c || !c->active || tid <= 0 || (uint32_t)tid >= PID_LIMIT) return;
  word_or(&c->bits[c->words + ((uint32_t)tid >> 6)], 1ull << (tid & 63));
}
