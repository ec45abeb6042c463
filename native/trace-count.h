/* The syscall counter of a trace, in the kernel: an eBPF program on the raw_syscalls:sys_enter
 * tracepoint counts the calls of the traced tasks by number, so that the tracer stops only on the
 * calls whose arguments it records. Tasks are told apart by their thread id in two bitmaps the
 * tracer and the program share (mmap'ed BPF array maps): "traced" and "counted already by the
 * tracer" (set at each of its stops, cleared by the program at that call's entry). A second
 * program, on raw_syscalls:sys_exit, keeps the result of a call the tracer asked for in a slot
 * per thread id, so that a recorded call stops once, at its entry, instead of twice. */
#ifndef JC_TRACE_COUNT_H
#define JC_TRACE_COUNT_H

#include <stdint.h>
#include <sys/types.h>

/* Calls numbered below this are counted by the program; the filter makes the others stop. */
#define JC_COUNTER_NRS 1024

/* A call's result, kept for the tracer: tid and state are written by the tracer (WANT) while the
 * thread is stopped, ret and state (DONE) by the sys_exit program. */
struct jc_result_slot {
  uint32_t tid;
  uint32_t state;
  int64_t ret;
};
#define JC_SLOT_FREE 0
#define JC_SLOT_WANT 1
#define JC_SLOT_DONE 2
#define JC_RESULT_SLOTS 16384 /* by thread id modulo this; a thread whose slot is taken stops at its exit */

struct jc_counter {
  int active;                 /* the programs are attached: the service loads the counting filter */
  int fds[7];                 /* bitmap, counts and slots maps; the two programs; their tracepoint links */
  volatile uint64_t *bits;    /* [0, words): traced tids; [words, 2 words): counted by the tracer */
  volatile uint64_t *counts;  /* calls per number, of the traced tasks' own ABI */
  struct jc_result_slot *slots;
  uint32_t words;
};

/* Creates the maps and attaches the program (root, and a kernel with BPF raw tracepoints,
 * mmap'able arrays and atomic and). Returns 0, or -1 with nothing left open or attached. */
int jc_counter_open(struct jc_counter *c);

/* A task joins (at its first stop) or leaves (at its exit) the traced tree. */
void jc_counter_member(struct jc_counter *c, pid_t tid, int traced);

/* The call a task is stopped in is counted by the tracer: the program must not count it too. */
void jc_counter_counted(struct jc_counter *c, pid_t tid);

/* Asks for the result of the call a task is stopped at the entry of. Returns 0, or -1 when its
 * slot is taken (or there is no counter): then the tracer must stop at the call's exit. */
int jc_counter_want_result(struct jc_counter *c, pid_t tid);

/* The result asked for: 1 with *ret (the slot freed), 0 while the call runs, -1 if none was asked. */
int jc_counter_result(struct jc_counter *c, pid_t tid, int64_t *ret);

/* Drops a result asked for (the call will never return: a successful execve, a task gone). */
void jc_counter_drop_result(struct jc_counter *c, pid_t tid);

#endif
