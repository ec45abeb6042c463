/* What the tracer sends up the trace fd (records of trace.h): batched records, the calls counted
 * per (arch, nr) until the end, and live totals on a timer while the program runs. */
#ifndef JC_TRACE_OUT_H
#define JC_TRACE_OUT_H

#include <stdint.h>
#include <sys/types.h>
#include "trace.h"

/* Appends one record; the batch goes out at 64 KiB, or once it is 100 ms old. */
void jc_out_emit(int fd, uint32_t type, pid_t pid, uint32_t arch, int32_t nr, int64_t ret, int64_t value, int64_t flags, const void *data, uint32_t len);
void jc_out_flush(int fd);

/* One call the tracer stopped on. */
void jc_out_count(uint32_t arch, int32_t nr);

/* The totals so far (and the in-kernel counter's, when it runs), as a progress record. */
void jc_out_progress(int fd, const struct jc_trace_counting *counting);

/* At the end: the in-kernel counter's counts added, then one count record per (arch, nr);
 * `recorded`: the calls the in-kernel recorder recorded, or -1 when it did not run. */
void jc_out_counts(int fd, const struct jc_trace_counting *counting, int64_t recorded);

/* A timer a few times a second: waitpid returns EINTR, and jc_progress_due() says it is time. */
void jc_progress_start(void);
void jc_progress_stop(void);
int jc_progress_due(void);

#endif
