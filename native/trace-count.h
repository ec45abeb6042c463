/* The syscall counter of a trace, in the kernel: an eBPF program on the raw_syscalls:sys_enter
 * tracepoint counts the calls of the traced tasks by number, so that the tracer stops only on the
 * calls whose arguments it records. Tasks are told apart by their thread id in two bitmaps the
 * tracer and the program share (mmap'ed BPF array maps): "traced" and "counted already by the
 * tracer" (set at each of its stops, cleared by the program at that call's entry). */
#ifndef JC_TRACE_COUNT_H
#define JC_TRACE_COUNT_H

#include <stdint.h>
#include <sys/types.h>

/* Calls numbered below this are counted by the program; the filter makes the others stop. */
#define JC_COUNTER_NRS 1024

struct jc_counter {
  int active;                 /* the program is attached: the service loads the counting filter */
  int fds[4];                 /* bitmap map, counts map, program, tracepoint link */
  volatile uint64_t *bits;    /* [0, words): traced tids; [words, 2 words): counted by the tracer */
  volatile uint64_t *counts;  /* calls per number, of the traced tasks' own ABI */
  uint32_t words;
};

/* Creates the maps and attaches the program (root, and a kernel with BPF raw tracepoints,
 * mmap'able arrays and atomic and). Returns 0, or -1 with nothing left open or attached. */
int jc_counter_open(struct jc_counter *c);

/* A task joins (at its first stop) or leaves (at its exit) the traced tree. */
void jc_counter_member(struct jc_counter *c, pid_t tid, int traced);

/* The call a task is stopped in is counted by the tracer: the program must not count it too. */
void jc_counter_counted(struct jc_counter *c, pid_t tid);

#endif
