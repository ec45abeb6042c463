/* The static launcher maps ~0.5 MB of libc code, and fault-around makes all of it resident
 * during setup. Supervising needs only waitpid/kill/read, so once setup is over the code
 * pages are released with MADV_DONTNEED (private, unmodified file pages: always safe). */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include "resident.h"

extern char __executable_start[];
extern char etext[];

void jc_trim_resident(void) {
  uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  uintptr_t start = (uintptr_t)__executable_start & ~(page - 1);
  uintptr_t end = ((uintptr_t)etext + page - 1) & ~(page - 1);
  if (end > start) madvise((void *)start, end - start, MADV_DONTNEED);
}
