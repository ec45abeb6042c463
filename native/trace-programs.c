/* The trace's eBPF programs (trace-programs.h). Registers: r6 = the tracepoint's context, r7 =
 * the thread id, r8/r9 = a bitmap word and bit (in the recorder: the record and its spec). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include "trace-programs.h"

#define OP jc_bpf_op
#define R(n) BPF_REG_##n
enum { L_END, L_COUNT, L_SLOT, L_NO_AUX, L_NO_FLAGS, L_VALUE, L_BYTES, L_OUT, L_WAKE, L_LOST, L_BIT };

/* r8 = the word of tid r7 in bitmap `which`, r9 = its bit; r0 = &word or to `missing` */
static void bitmap_word(struct jc_bpf_prog *p, int bits, uint32_t words, int which, int missing) {
  OP(p, BPF_ALU64 | BPF_MOV | BPF_X, R(8), R(7), 0, 0);
  OP(p, BPF_ALU64 | BPF_RSH | BPF_K, R(8), 0, 0, 6);
  if (which) OP(p, BPF_ALU64 | BPF_ADD | BPF_K, R(8), 0, 0, (int32_t)(words * (uint32_t)which));
  OP(p, BPF_ALU64 | BPF_MOV | BPF_X, R(9), R(7), 0, 0);
  OP(p, BPF_ALU64 | BPF_AND | BPF_K, R(9), 0, 0, 63);
  jc_bpf_lookup(p, bits, R(8), missing);
}

/* Clears the thread's bit in bitmap `which` (atomically), or jumps to `unset` when it is not set */
static void take_bit(struct jc_bpf_prog *p, const int *fds, uint32_t words, int which, int unset) {
  bitmap_word(p, fds[MAP_BITS], words, which, unset);
  OP(p, BPF_LDX | BPF_DW | BPF_MEM, R(1), R(0), 0, 0);
  OP(p, BPF_ALU64 | BPF_MOV | BPF_K, R(2), 0, 0, 1);
  OP(p, BPF_ALU64 | BPF_LSH | BPF_X, R(2), R(9), 0, 0);
  OP(p, BPF_ALU64 | BPF_AND | BPF_X, R(1), R(2), 0, 0);
  jc_bpf_jump(p, BPF_JMP | BPF_JEQ | BPF_K, R(1), 0, 0, unset);
  OP(p, BPF_ALU64 | BPF_XOR | BPF_K, R(2), 0, 0, -1);
  OP(p, BPF_STX | BPF_DW | BPF_ATOMIC, R(0), R(2), 0, BPF_AND);
}

/* r6 = ctx, r7 = the thread id, or to the end for one past the bitmaps */
static void current_thread(struct jc_bpf_prog *p) {
  OP(p, BPF_ALU64 | BPF_MOV | BPF_X, R(6), R(1), 0, 0);
  jc_bpf_call(p, BPF_FUNC_get_current_pid_tgid);
  OP(p, BPF_ALU | BPF_MOV | BPF_X, R(7), R(0), 0, 0); /* the low half: the thread id */
  jc_bpf_jump(p, BPF_JMP | BPF_JGE | BPF_K, R(7), 0, (int32_t)JC_PID_LIMIT, L_END);
}

static void finish(struct jc_bpf_prog *p) {
  jc_bpf_label(p, L_END);
  OP(p, BPF_ALU64 | BPF_MOV | BPF_K, R(0), 0, 0, 0);
  OP(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

/* sys_enter: count a traced task's call by number unless the tracer counted it; mark a call the
 * recorder keeps. */
void jc_trace_build_enter(struct jc_bpf_prog *p, const int *fds, uint32_t words, int recording) {
  current_thread(p);
  bitmap_word(p, fds[MAP_BITS], words, 0, L_END);
  OP(p, BPF_LDX | BPF_DW | BPF_MEM, R(1), R(0), 0, 0);
  OP(p, BPF_ALU64 | BPF_RSH | BPF_X, R(1), R(9), 0, 0);
  OP(p, BPF_ALU64 | BPF_AND | BPF_K, R(1), 0, 0, 1);
  jc_bpf_jump(p, BPF_JMP | BPF_JEQ | BPF_K, R(1), 0, 0, L_END); /* not traced */
  /* counted by the tracer already: clear the mark, count nothing */
  take_bit(p, fds, words, 1, L_COUNT);
  jc_bpf_jump(p, BPF_JMP | BPF_JA, 0, 0, 0, L_END);
  /* count it by its number (ctx->args[1] of sys_enter) */
  jc_bpf_label(p, L_COUNT);
  OP(p, BPF_LDX | BPF_DW | BPF_MEM, R(1), R(6), 8, 0);
  jc_bpf_jump(p, BPF_JMP | BPF_JGE | BPF_K, R(1), 0, JC_COUNTER_NRS, L_END);
  jc_bpf_lookup(p, fds[MAP_COUNTS], R(1), L_END);
  OP(p, BPF_ALU64 | BPF_MOV | BPF_K, R(1), 0, 0, 1);
  OP(p, BPF_STX | BPF_DW | BPF_ATOMIC, R(0), R(1), 0, BPF_ADD);
  if (recording) {
    /* a call the recorder keeps: mark the thread, so that its exit is recorded */
    OP(p, BPF_LDX | BPF_DW | BPF_MEM, R(1), R(6), 8, 0);
    jc_bpf_jump(p, BPF_JMP | BPF_JGE | BPF_K, R(1), 0, JC_COUNTER_NRS, L_END);
    jc_bpf_lookup(p, fds[MAP_SPECS], R(1), L_END);
    OP(p, BPF_LDX | BPF_W | BPF_MEM, R(1), R(0), 0, 0);
    jc_bpf_jump(p, BPF_JMP | BPF_JEQ | BPF_K, R(1), 0, 0, L_END);
    bitmap_word(p, fds[MAP_BITS], words, 2, L_END);
    OP(p, BPF_ALU64 | BPF_MOV | BPF_K, R(1), 0, 0, 1);
    OP(p, BPF_ALU64 | BPF_LSH | BPF_X, R(1), R(9), 0, 0);
    OP(p, BPF_STX | BPF_DW | BPF_ATOMIC, R(0), R(1), 0, BPF_OR);
  }
  finish(p);
}

/* *(u64 *)(dst + at) = the saved register at the byte offset in spec field `field` of r9, unless NONE */
static void read_register(struct jc_bpf_prog *p, uint8_t dst, int16_t at, int16_t field, int skip) {
  OP(p, BPF_LDX | BPF_W | BPF_MEM, R(3), R(9), field, 0);
  jc_bpf_jump(p, BPF_JMP | BPF_JGT | BPF_K, R(3), 0, 4095, skip);
  OP(p, BPF_LDX | BPF_DW | BPF_MEM, R(1), R(6), 0, 0); /* ctx->args[0]: the saved registers */
  OP(p, BPF_ALU64 | BPF_ADD | BPF_X, R(3), R(1), 0, 0);
  OP(p, BPF_ALU64 | BPF_MOV | BPF_X, R(1), dst, 0, 0);
  OP(p, BPF_ALU64 | BPF_ADD | BPF_K, R(1), 0, 0, at);
  OP(p, BPF_ALU64 | BPF_MOV | BPF_K, R(2), 0, 0, 8);
  jc_bpf_call(p, JC_BPF_FUNC_PROBE_READ_KERNEL);
}

/* sys_exit, a recorded call's end: one record (thread, number, result, arguments, path or
 * address) into the ring; the stack keeps the main argument (fp-8), the size (fp-16) and a
 * buffer's length (fp-24). */
static void build_record(struct jc_bpf_prog *p, const int *fds, uint32_t words, const struct jc_recorder_config *rec) {
  const int16_t data = (int16_t)sizeof(struct jc_kernel_record);
  take_bit(p, fds, words, 2, L_SLOT); /* a call marked at its entry */
  /* r8 = the record being built (a per-CPU scratch value) */
  OP(p, BPF_ALU64 | BPF_MOV | BPF_K, R(1), 0, 0, 0);
  jc_bpf_lookup(p, fds[MAP_SCRATCH], R(1), L_SLOT);
  OP(p, BPF_ALU64 | BPF_MOV | BPF_X, R(8), R(0), 0, 0);
  /* the call's number, from the saved registers */
  OP(p, BPF_ST | BPF_DW | BPF_MEM, R(10), 0, -8, 0);
  OP(p, BPF_ALU64 | BPF_MOV | BPF_X, R(1), R(10), 0, 0);
  OP(p, BPF_ALU64 | BPF_ADD | BPF_K, R(1), 0, 0, -8);
  OP(p, BPF_ALU64 | BPF_MOV | BPF_K, R(2), 0, 0, 4);
  OP(p, BPF_LDX | BPF_DW | BPF_MEM, R(3), R(6), 0, 0);
  OP(p, BPF_ALU64 | BPF_ADD | BPF_K, R(3), 0, 0, rec->nr_offset);
  jc_bpf_call(p, JC_BPF_FUNC_PROBE_READ_KERNEL);
  jc_bpf_jump(p, BPF_JMP | BPF_JNE | BPF_K, R(0), 0, 0, L_SLOT);
  OP(p, BPF_LDX | BPF_W | BPF_MEM, R(1), R(10), -8, 0);
  jc_bpf_jump(p, BPF_JMP | BPF_JGE | BPF_K, R(1), 0, JC_COUNTER_NRS, L_SLOT);
  OP(p, BPF_STX | BPF_W | BPF_MEM, R(8), R(1), 4, 0);
  jc_bpf_lookup(p, fds[MAP_SPECS], R(1), L_SLOT);
  OP(p, BPF_ALU64 | BPF_MOV | BPF_X, R(9), R(0), 0, 0);
  OP(p, BPF_STX | BPF_W | BPF_MEM, R(8), R(7), 0, 0);
  OP(p, BPF_ST | BPF_W | BPF_MEM, R(8), 0, 8, 0);
  OP(p, BPF_LDX | BPF_DW | BPF_MEM, R(1), R(6), 8, 0); /* ctx->args[1] of sys_exit: the result */
  OP(p, BPF_STX | BPF_DW | BPF_MEM, R(8), R(1), 16, 0);
  OP(p, BPF_ST | BPF_DW | BPF_MEM, R(8), 0, 24, -1);
  OP(p, BPF_ST | BPF_DW | BPF_MEM, R(8), 0, 32, -1);
  read_register(p, R(8), 24, 8, L_NO_AUX);
  jc_bpf_label(p, L_NO_AUX);
  read_register(p, R(8), 32, 12, L_NO_FLAGS);
  jc_bpf_label(p, L_NO_FLAGS);
  read_register(p, R(10), -8, 4, L_SLOT);
  jc_bpf_jump(p, BPF_JMP | BPF_JNE | BPF_K, R(0), 0, 0, L_SLOT);
  OP(p, BPF_LDX | BPF_W | BPF_MEM, R(1), R(9), 0, 0);
  jc_bpf_jump(p, BPF_JMP | BPF_JEQ | BPF_K, R(1), 0, JC_KIND_VALUE, L_VALUE);
  jc_bpf_jump(p, BPF_JMP | BPF_JEQ | BPF_K, R(1), 0, JC_KIND_BYTES, L_BYTES);
  /* a path: none for "" (AT_EMPTY_PATH works on the descriptor) or an unreadable one */
  OP(p, BPF_ALU64 | BPF_MOV | BPF_X, R(1), R(8), 0, 0);
  OP(p, BPF_ALU64 | BPF_ADD | BPF_K, R(1), 0, 0, data);
  OP(p, BPF_ALU64 | BPF_MOV | BPF_K, R(2), 0, 0, JC_RECORD_DATA);
  OP(p, BPF_LDX | BPF_DW | BPF_MEM, R(3), R(10), -8, 0);
  jc_bpf_call(p, JC_BPF_FUNC_PROBE_READ_USER_STR);
  jc_bpf_jump(p, BPF_JMP | BPF_JSLE | BPF_K, R(0), 0, 1, L_SLOT);
  jc_bpf_jump(p, BPF_JMP | BPF_JGT | BPF_K, R(0), 0, JC_RECORD_DATA, L_SLOT);
  OP(p, BPF_ALU64 | BPF_ADD | BPF_K, R(0), 0, 0, -1);
  OP(p, BPF_STX | BPF_W | BPF_MEM, R(8), R(0), 8, 0);
  OP(p, BPF_ALU64 | BPF_ADD | BPF_K, R(0), 0, 0, data);
  OP(p, BPF_STX | BPF_DW | BPF_MEM, R(10), R(0), -16, 0);
  jc_bpf_jump(p, BPF_JMP | BPF_JA, 0, 0, 0, L_OUT);
  /* an integer: the argument itself */
  jc_bpf_label(p, L_VALUE);
  OP(p, BPF_LDX | BPF_DW | BPF_MEM, R(1), R(10), -8, 0);
  OP(p, BPF_STX | BPF_DW | BPF_MEM, R(8), R(1), 24, 0);
  OP(p, BPF_ST | BPF_DW | BPF_MEM, R(10), 0, -16, data);
  jc_bpf_jump(p, BPF_JMP | BPF_JA, 0, 0, 0, L_OUT);
  /* a buffer whose length is the aux argument: kept when it is readable and shorter than 4 KiB */
  jc_bpf_label(p, L_BYTES);
  OP(p, BPF_ST | BPF_DW | BPF_MEM, R(10), 0, -16, data);
  OP(p, BPF_LDX | BPF_DW | BPF_MEM, R(2), R(8), 24, 0);
  jc_bpf_jump(p, BPF_JMP | BPF_JSLE | BPF_K, R(2), 0, 0, L_OUT);
  jc_bpf_jump(p, BPF_JMP | BPF_JSGE | BPF_K, R(2), 0, JC_RECORD_DATA, L_OUT);
  OP(p, BPF_STX | BPF_DW | BPF_MEM, R(10), R(2), -24, 0);
  OP(p, BPF_ALU64 | BPF_MOV | BPF_X, R(1), R(8), 0, 0);
  OP(p, BPF_ALU64 | BPF_ADD | BPF_K, R(1), 0, 0, data);
  OP(p, BPF_LDX | BPF_DW | BPF_MEM, R(3), R(10), -8, 0);
  jc_bpf_call(p, JC_BPF_FUNC_PROBE_READ_USER);
  jc_bpf_jump(p, BPF_JMP | BPF_JNE | BPF_K, R(0), 0, 0, L_OUT);
  OP(p, BPF_LDX | BPF_DW | BPF_MEM, R(2), R(10), -24, 0);
  OP(p, BPF_STX | BPF_W | BPF_MEM, R(8), R(2), 8, 0);
  OP(p, BPF_ALU64 | BPF_ADD | BPF_K, R(2), 0, 0, data);
  OP(p, BPF_STX | BPF_DW | BPF_MEM, R(10), R(2), -16, 0);
  /* out: the tracer is woken only once the ring is a quarter full (it drains at every stop too);
   * past half full the thread stops itself (SIGSTOP, which the tracer drains at and swallows),
   * so that a burst of calls cannot outrun a tracer that shares its CPU */
  jc_bpf_label(p, L_OUT);
  jc_bpf_map(p, R(1), fds[MAP_RING]);
  OP(p, BPF_ALU64 | BPF_MOV | BPF_K, R(2), 0, 0, JC_BPF_RB_AVAIL_DATA);
  jc_bpf_call(p, JC_BPF_FUNC_RINGBUF_QUERY);
  OP(p, BPF_STX | BPF_DW | BPF_MEM, R(10), R(0), -32, 0);
  OP(p, BPF_ALU64 | BPF_MOV | BPF_K, R(4), 0, 0, JC_BPF_RB_NO_WAKEUP);
  jc_bpf_jump(p, BPF_JMP | BPF_JLT | BPF_K, R(0), 0, (int32_t)(rec->ring_bytes / 4), L_WAKE);
  OP(p, BPF_ALU64 | BPF_MOV | BPF_K, R(4), 0, 0, JC_BPF_RB_FORCE_WAKEUP);
  jc_bpf_label(p, L_WAKE);
  jc_bpf_map(p, R(1), fds[MAP_RING]);
  OP(p, BPF_ALU64 | BPF_MOV | BPF_X, R(2), R(8), 0, 0);
  OP(p, BPF_LDX | BPF_DW | BPF_MEM, R(3), R(10), -16, 0);
  jc_bpf_call(p, JC_BPF_FUNC_RINGBUF_OUTPUT);
  jc_bpf_jump(p, BPF_JMP | BPF_JNE | BPF_K, R(0), 0, 0, L_LOST);
  OP(p, BPF_LDX | BPF_DW | BPF_MEM, R(1), R(10), -32, 0);
  jc_bpf_jump(p, BPF_JMP | BPF_JLT | BPF_K, R(1), 0, (int32_t)(rec->ring_bytes / 2), L_SLOT);
  OP(p, BPF_ALU64 | BPF_MOV | BPF_K, R(1), 0, 0, SIGSTOP);
  jc_bpf_call(p, JC_BPF_FUNC_SEND_SIGNAL_THREAD);
  jc_bpf_jump(p, BPF_JMP | BPF_JA, 0, 0, 0, L_SLOT);
  /* the ring is full: counted as lost, which the trace reports */
  jc_bpf_label(p, L_LOST);
  OP(p, BPF_ALU64 | BPF_MOV | BPF_K, R(1), 0, 0, JC_COUNTER_NRS);
  jc_bpf_lookup(p, fds[MAP_COUNTS], R(1), L_SLOT);
  OP(p, BPF_ALU64 | BPF_MOV | BPF_K, R(1), 0, 0, 1);
  OP(p, BPF_STX | BPF_DW | BPF_ATOMIC, R(0), R(1), 0, BPF_ADD);
}

/* sys_exit: records a recorded call's end; keeps the result of a call the tracer asked for (its
 * thread's slot in WANT) */
void jc_trace_build_exit(struct jc_bpf_prog *p, const int *fds, uint32_t words, const struct jc_recorder_config *rec) {
  current_thread(p);
  if (rec) build_record(p, fds, words, rec);
  jc_bpf_label(p, L_SLOT);
  OP(p, BPF_ALU64 | BPF_MOV | BPF_X, R(8), R(7), 0, 0);
  OP(p, BPF_ALU64 | BPF_AND | BPF_K, R(8), 0, 0, JC_RESULT_SLOTS - 1);
  jc_bpf_lookup(p, fds[MAP_SLOTS], R(8), L_END);
  OP(p, BPF_LDX | BPF_W | BPF_MEM, R(1), R(0), 0, 0);
  jc_bpf_jump(p, BPF_JMP | BPF_JNE | BPF_X, R(1), R(7), 0, L_END); /* another thread's slot */
  OP(p, BPF_LDX | BPF_W | BPF_MEM, R(1), R(0), 4, 0);
  jc_bpf_jump(p, BPF_JMP | BPF_JNE | BPF_K, R(1), 0, JC_SLOT_WANT, L_END);
  OP(p, BPF_LDX | BPF_DW | BPF_MEM, R(1), R(6), 8, 0); /* ctx->args[1]: the return value */
  OP(p, BPF_STX | BPF_DW | BPF_MEM, R(0), R(1), 8, 0);
  /* DONE after the value, ordered (an exchange is a full barrier on every arch) */
  OP(p, BPF_ALU64 | BPF_MOV | BPF_K, R(1), 0, 0, JC_SLOT_DONE);
  OP(p, BPF_STX | BPF_W | BPF_ATOMIC, R(0), R(1), 4, BPF_XCHG);
  finish(p);
}

