/* A classic-BPF interpreter for seccomp programs: pid 1 runs the profile's own program (compiled
 * by TypeScript) over a notification's syscall data to learn what the profile decides for it. */
#ifndef JC_BPF_EVAL_H
#define JC_BPF_EVAL_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>

/* The SECCOMP_RET_* value the kernel would get from `prog` for `data`. Instructions the kernel's
 * seccomp checker refuses, jumps out of the program and a missing return give
 * SECCOMP_RET_KILL_PROCESS: the caller then refuses the call. */
uint32_t jc_bpf_run(const struct sock_filter *prog, size_t len, const struct seccomp_data *data);

#endif
