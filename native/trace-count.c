/* The in-kernel syscall counter and recorder of a trace (see trace-count.h): mmap'able BPF
 * arrays, a ring buffer, a program on raw_syscalls:sys_enter and one on sys_exit, written with
 * bpf-asm.h. Any refusal by the kernel (no root, no BPF, an older kernel) leaves the trace to
 * stop on every call by ptrace, as before; a recorder refused alone leaves calls with arguments
 * to stop. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "bpf-asm.h"
#include "trace-count.h"
#include "trace-programs.h"


#define NFDS 10
#define SCRATCH_BYTES (sizeof(struct jc_kernel_record) + JC_RECORD_DATA)

/* The bitmaps are 64-bit words the program changes with BPF's 64-bit atomics. A launcher built
 * without 64-bit atomics of its own (32-bit MIPS, whose kernels emulate them with locks the
 * program's and ours could not share) has no counter: every call stops for the tracer there. */
#ifdef __GCC_HAVE_SYNC_COMPARE_AND_SWAP_8
#define HAVE_WORD_ATOMICS 1
static void word_or(volatile uint64_t *w, uint64_t bits) { __atomic_fetch_or(w, bits, __ATOMIC_SEQ_CST); }
static void word_and(volatile uint64_t *w, uint64_t bits) { __atomic_fetch_and(w, bits, __ATOMIC_SEQ_CST); }
static void word_add(volatile uint64_t *w, uint64_t n) { __atomic_fetch_add(w, n, __ATOMIC_SEQ_CST); }
#else
#define HAVE_WORD_ATOMICS 0
static void word_or(volatile uint64_t *w, uint64_t bits) { (void)w; (void)bits; }  /* never active */
static void word_and(volatile uint64_t *w, uint64_t bits) { (void)w; (void)bits; }
static void word_add(volatile uint64_t *w, uint64_t n) { (void)w; (void)n; }
#endif

static int sys_bpf(int cmd, union bpf_attr *attr) {
  return (int)syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

static int create_map(uint32_t type, uint32_t entries, uint32_t key_size, uint32_t value_size, uint32_t flags) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.map_type = type;
  attr.key_size = key_size;
  attr.value_size = value_size;
  attr.max_entries = entries;
  attr.map_flags = flags;
  return sys_bpf(BPF_MAP_CREATE, &attr);
}
static int create_array(uint32_t entries, uint32_t value_size) {
  return create_map(BPF_MAP_TYPE_ARRAY, entries, 4, value_size, BPF_F_MMAPABLE);
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

static void close_all(struct jc_counter *c) {
  if (c->bits) munmap((void *)c->bits, 3 * (size_t)c->words * 8);
  if (c->counts) munmap((void *)c->counts, (JC_COUNTER_NRS + 1) * 8);
  if (c->slots) munmap(c->slots, JC_RESULT_SLOTS * sizeof *c->slots);
  if (c->specs) munmap(c->specs, JC_COUNTER_NRS * sizeof(struct jc_record_spec));
  jc_ring_unmap(&c->ring);
  for (int i = 0; i < NFDS; i++) if (c->fds[i] >= 0) close(c->fds[i]);
  memset(c, 0, sizeof *c);
  for (int i = 0; i < NFDS; i++) c->fds[i] = -1;
  c->ring.fd = -1;
}

static int give_up(struct jc_counter *c) {
  int saved = errno;
  close_all(c);
  errno = saved;
  return -1;
}

/* The plan's spec into the (mmap'ed) map the programs read; `clear` empties it. */
static void fill_specs(struct jc_counter *c, const struct jc_recorder_config *rec, int clear) {
  if (clear) memset(c->specs, 0, JC_COUNTER_NRS * sizeof *c->specs);
  else memcpy(c->specs, rec->spec, JC_COUNTER_NRS * sizeof *c->specs);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

struct probe_result { pid_t tid; int32_t nr; int64_t ret, value; int ok, seen; };

static const char probe_path[] = "/.jailctl-recorder-check"; /* missing: ENOENT, and no effect */

static void on_probe_record(void *arg, const struct jc_kernel_record *r) {
  struct probe_result *want = arg;
  want->seen++;
  want->ok = r->tid == (uint32_t)want->tid && r->nr == want->nr && r->ret == want->ret && r->value == want->value &&
             r->flags == 0 && r->len == sizeof probe_path - 1 && memcmp(r + 1, probe_path, sizeof probe_path - 1) == 0;
}

/* The recorder's check: one faccessat of ours, recorded, must come back exactly as made (number,
 * result, dirfd, mode and path); anything else (another register layout, a compat launcher)
 * leaves the recorder off. */
static int check_recorder(struct jc_counter *c, const struct jc_recorder_config *rec) {
  struct probe_result probe = {(pid_t)syscall(SYS_gettid), rec->probe_nr, 0, -100, 0, 0};
  jc_counter_member(c, probe.tid, 1);
  long ret = syscall(rec->probe_nr, (long)-100 /* AT_FDCWD, as a libc passes it */, probe_path, 0L, 0L);
  jc_counter_member(c, probe.tid, 0);
  probe.ret = ret < 0 ? -(int64_t)errno : ret;
  if ((uint32_t)rec->probe_nr < JC_COUNTER_NRS) word_add(&c->counts[rec->probe_nr], (uint64_t)-1);
  jc_ring_drain(&c->ring, on_probe_record, &probe);
  return probe.seen == 1 && probe.ok ? 0 : -1;
}

static int open_recorder(struct jc_counter *c, const struct jc_recorder_config *rec) {
  if (rec->ring_bytes < 4096 || (rec->ring_bytes & (rec->ring_bytes - 1)) != 0 || rec->spec_len != JC_COUNTER_NRS * sizeof(struct jc_record_spec)) return -1;
  if ((c->fds[MAP_SPECS] = create_array(JC_COUNTER_NRS, sizeof(struct jc_record_spec))) < 0 ||
      !(c->specs = map_memory(c->fds[MAP_SPECS], JC_COUNTER_NRS * sizeof(struct jc_record_spec))) ||
      (c->fds[MAP_SCRATCH] = create_map(BPF_MAP_TYPE_PERCPU_ARRAY, 1, 4, SCRATCH_BYTES, 0)) < 0 ||
      (c->fds[MAP_RING] = create_map(JC_BPF_MAP_TYPE_RINGBUF, rec->ring_bytes, 0, 0, 0)) < 0 ||
      jc_ring_map(&c->ring, c->fds[MAP_RING], rec->ring_bytes) < 0)
    return -1;
  fill_specs(c, rec, 0);
  return 0;
}

int jc_counter_open(struct jc_counter *c, const struct jc_recorder_config *rec) {
  static struct jc_bpf_prog enter, leave;
  memset(c, 0, sizeof *c);
  for (int i = 0; i < NFDS; i++) c->fds[i] = -1;
  c->ring.fd = -1;
  if (!HAVE_WORD_ATOMICS) { errno = ENOSYS; return -1; }
  c->words = JC_PID_LIMIT / 64;
  if ((c->fds[MAP_BITS] = create_array(3 * c->words, 8)) < 0 || (c->fds[MAP_COUNTS] = create_array(JC_COUNTER_NRS + 1, 8)) < 0 ||
      (c->fds[MAP_SLOTS] = create_array(JC_RESULT_SLOTS, sizeof *c->slots)) < 0) return give_up(c);
  if (!(c->bits = map_memory(c->fds[MAP_BITS], 3 * (size_t)c->words * 8)) || !(c->counts = map_memory(c->fds[MAP_COUNTS], (JC_COUNTER_NRS + 1) * 8)) ||
      !(c->slots = map_memory(c->fds[MAP_SLOTS], JC_RESULT_SLOTS * sizeof *c->slots))) return give_up(c);
  /* the recorder's maps: refused (an older kernel) means counting alone */
  if (rec && open_recorder(c, rec) < 0) rec = NULL;
  for (int attempt = 0; attempt < 2; attempt++) {
    jc_bpf_init(&enter);
    jc_bpf_init(&leave);
    jc_trace_build_enter(&enter, c->fds, c->words, rec != NULL);
    jc_trace_build_exit(&leave, c->fds, c->words, rec);
    if (jc_bpf_finish(&enter) == 0 && jc_bpf_finish(&leave) == 0 && (c->fds[PROG_ENTER] = jc_bpf_load(&enter)) >= 0) {
      if ((c->fds[PROG_EXIT] = jc_bpf_load(&leave)) >= 0) break;
      close(c->fds[PROG_ENTER]);
      c->fds[PROG_ENTER] = -1;
    }
    if (!rec) return give_up(c);
    rec = NULL; /* a verifier that refuses the recorder: count alone */
  }
  if ((c->fds[LINK_ENTER] = attach(c->fds[PROG_ENTER], "sys_enter")) < 0 || (c->fds[LINK_EXIT] = attach(c->fds[PROG_EXIT], "sys_exit")) < 0) return give_up(c);
  c->active = 1;
  c->recording = rec && check_recorder(c, rec) == 0;
  if (rec && !c->recording) fill_specs(c, rec, 1); /* nothing marked for recording any more */
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
  if (!c || !c->active || tid <= 0 || (uint32_t)tid >= JC_PID_LIMIT) return;
  uint64_t bit = 1ull << (tid & 63);
  uint32_t word = (uint32_t)tid >> 6;
  if (traced) word_or(&c->bits[word], bit);
  else for (int which = 0; which < 3; which++) word_and(&c->bits[which * c->words + word], ~bit);
}

void jc_counter_counted(struct jc_counter *c, pid_t tid) {
  if (!c || !c->active || tid <= 0 || (uint32_t)tid >= JC_PID_LIMIT) return;
  word_or(&c->bits[c->words + ((uint32_t)tid >> 6)], 1ull << (tid & 63));
}

uint64_t jc_counter_lost(const struct jc_counter *c) {
  return c && c->active ? c->counts[JC_COUNTER_NRS] : 0;
}
