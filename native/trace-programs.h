/* The trace's two eBPF programs (see trace-count.h for what they do), assembled with bpf-asm.h
 * against the descriptors of the counter's maps. */
#ifndef JC_TRACE_PROGRAMS_H
#define JC_TRACE_PROGRAMS_H

#include <stdint.h>
#include "bpf-asm.h"
#include "trace-count.h"

/* Thread ids run below PID_MAX_LIMIT: 4M on 64-bit kernels (a 32-bit launcher may run on one),
 * 32768 on 32-bit ones. Three bitmaps of 4M bits are 1.5 MiB. */
#define JC_PID_LIMIT 4194304u

/* The counter's descriptors, in jc_counter.fds */
enum { MAP_BITS, MAP_COUNTS, MAP_SLOTS, MAP_SPECS, MAP_SCRATCH, MAP_RING, PROG_ENTER, PROG_EXIT, LINK_ENTER, LINK_EXIT };

#define JC_KIND_PATH 1
#define JC_KIND_VALUE 2
#define JC_KIND_BYTES 3

/* What the programs read of a call, per number: its kind and the byte offsets of its arguments
 * in the saved registers (0xffffffff: not captured). */
struct jc_record_spec { uint32_t kind, arg, aux, flags; };

/* sys_enter: counts a traced task's calls; with `recording`, marks a call the recorder keeps. */
void jc_trace_build_enter(struct jc_bpf_prog *p, const int *fds, uint32_t words, int recording);
/* sys_exit: with `recorder`, records a marked call; keeps a result the tracer asked for. */
void jc_trace_build_exit(struct jc_bpf_prog *p, const int *fds, uint32_t words, const struct jc_recorder_config *recorder);

#endif
