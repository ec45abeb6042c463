/* The syscall counter and recorder of a trace, in the kernel: an eBPF program on the
 * raw_syscalls:sys_enter tracepoint counts the calls of the traced tasks by number, so that the
 * tracer stops only where it has to. Tasks are told apart by their thread id in bitmaps the
 * tracer and the programs share (mmap'ed BPF array maps): "traced", "counted already by the
 * tracer" (set at each of its stops, cleared by the program at that call's entry) and "a call to
 * record is running". The program on raw_syscalls:sys_exit records the calls whose arguments the
 * trace keeps (paths, socket families and addresses): it reads them from the task's saved
 * registers and memory once the call is done (the kernel has faulted the path in by then) and
 * puts one record with the result into a ring buffer the tracer drains. It also keeps the result
 * of a call the tracer stopped at the entry of, in a slot per thread id, so that such a call
 * stops once instead of twice. */
#ifndef JC_TRACE_COUNT_H
#define JC_TRACE_COUNT_H

#include <stdint.h>
#include <sys/types.h>

/* Calls numbered below this are counted by the program; the filter makes the others stop. */
#define JC_COUNTER_NRS 1024
#define JC_RECORD_DATA 4096 /* the longest path (PATH_MAX with its NUL) or address kept */

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

/* A call the kernel recorded: `len` bytes of data follow (a path without its NUL, an address). */
struct jc_kernel_record {
  uint32_t tid;
  int32_t nr;
  uint32_t len;
  uint32_t pad;
  int64_t ret;
  int64_t value;  /* the capture's aux argument (dirfd, address length), or its value (socket family) */
  int64_t flags;  /* the capture's flags argument, or -1 */
};

/* The recorder as the plan sets it: per call number below JC_COUNTER_NRS a struct jc_record_spec
 * (trace-programs.h: what to record and where its arguments are in the saved registers), where the
 * host keeps the call's number, the ring's size, and the call made to check it (faccessat's). */
struct jc_recorder_config {
  const uint8_t *spec;
  uint32_t spec_len;
  int32_t nr_offset;
  uint32_t ring_bytes;
  int32_t probe_nr;
};

struct jc_record_spec;

struct jc_ring {
  int fd;
  uint32_t size;
  volatile uint64_t *consumer;
  volatile uint64_t *producer;
  const uint8_t *data;  /* mapped twice in a row: a record that wraps reads as one */
};

struct jc_counter {
  int active;                 /* the programs are attached: the service loads the counting filter */
  int recording;              /* the recorder passed its check: calls with arguments need no stop */
  int fds[10];                /* maps, programs and their tracepoint links */
  volatile uint64_t *bits;    /* [0, w): traced tids; [w, 2w): counted by the tracer; [2w, 3w): recording */
  volatile uint64_t *counts;  /* calls per number, of the traced tasks' own ABI; then records lost */
  struct jc_result_slot *slots;
  struct jc_record_spec *specs;  /* per call number: what the recorder reads (trace-programs.h) */
  uint32_t words;
  struct jc_ring ring;
};

/* Creates the maps and attaches the programs (root, and a kernel with BPF raw tracepoints,
 * mmap'able arrays and atomic and/or; with `recorder`, a ring buffer and user-memory reads too).
 * Returns 0, or -1 with nothing left open or attached. A recorder the kernel refuses, or whose
 * check call does not come back exactly as made, leaves `recording` off: the counter still runs. */
int jc_counter_open(struct jc_counter *c, const struct jc_recorder_config *recorder);

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

/* Records the ring buffer could not take (the tracer fell behind). */
uint64_t jc_counter_lost(const struct jc_counter *c);

/* Ring buffer (trace-ring.c): maps the consumer and producer pages and the data twice. */
int jc_ring_map(struct jc_ring *r, int fd, uint32_t size);
void jc_ring_unmap(struct jc_ring *r);
/* Hands each committed record to `fn` in order and frees its space; returns how many. */
typedef void (*jc_ring_fn)(void *arg, const struct jc_kernel_record *record);
int jc_ring_drain(struct jc_ring *r, jc_ring_fn fn, void *arg);

#endif
