/* The consumer side of the recorder's BPF ring buffer (trace-count.h): the kernel's layout is a
 * consumer position page (ours to write), a producer position page, then the data, which the
 * kernel maps twice in a row so that a record wrapping the end reads as one. Each record has an
 * 8-byte header: its length with a busy and a discard bit, and a page offset. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include "trace-count.h"

#define RING_BUSY (1u << 31)
#define RING_DISCARD (1u << 30)
#define RING_HEADER 8

/* The positions are 64-bit words: a launcher without 64-bit atomics (32-bit MIPS) has no counter
 * and so no ring (trace-count.c). */
#ifdef __GCC_HAVE_SYNC_COMPARE_AND_SWAP_8
static uint64_t load_position(volatile uint64_t *at) { return __atomic_load_n(at, __ATOMIC_ACQUIRE); }
static void store_position(volatile uint64_t *at, uint64_t value) { __atomic_store_n(at, value, __ATOMIC_RELEASE); }
#else
static uint64_t load_position(volatile uint64_t *at) { (void)at; return 0; }
static void store_position(volatile uint64_t *at, uint64_t value) { (void)at; (void)value; }
#endif

int jc_ring_map(struct jc_ring *r, int fd, uint32_t size) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  void *consumer = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (consumer == MAP_FAILED) return -1;
  void *producer = mmap(NULL, page + 2 * (size_t)size, PROT_READ, MAP_SHARED, fd, (off_t)page);
  if (producer == MAP_FAILED) {
    munmap(consumer, page);
    return -1;
  }
  r->fd = fd;
  r->size = size;
  r->consumer = consumer;
  r->producer = producer;
  r->data = (const uint8_t *)producer + page;
  return 0;
}

void jc_ring_unmap(struct jc_ring *r) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  if (r->consumer) munmap((void *)r->consumer, page);
  if (r->producer) munmap((void *)r->producer, page + 2 * (size_t)r->size);
  r->consumer = r->producer = NULL;
  r->data = NULL;
}

int jc_ring_drain(struct jc_ring *r, jc_ring_fn fn, void *arg) {
  if (!r->data) return 0;
  int n = 0;
  uint64_t at = load_position(r->consumer);
  for (;;) {
    uint64_t end = load_position(r->producer);
    if (at >= end) break;
    const uint8_t *header = r->data + (at & (r->size - 1));
    uint32_t len = __atomic_load_n((const uint32_t *)header, __ATOMIC_ACQUIRE);
    if (len & RING_BUSY) break; /* still being written on another CPU: the next drain has it */
    uint32_t body = len & ~(RING_BUSY | RING_DISCARD);
    if (!(len & RING_DISCARD) && body >= sizeof(struct jc_kernel_record)) {
      const struct jc_kernel_record *record = (const void *)(header + RING_HEADER);
      if (sizeof *record + record->len <= body) {
        fn(arg, record);
        n++;
      }
    }
    at += (RING_HEADER + body + 7) & ~7ull;
    store_position(r->consumer, at);
  }
  return n;
}
