/* Setting the failsafe flag with read-back (see flag.h; src/failsafe/flag.ts consumes it). */
#define _GNU_SOURCE
#include "flag.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define FLAG_SIZE 4096

static void fill_pattern(char *buf) {
  for (int i = 0; i < FLAG_SIZE; i += 8) memcpy(buf + i, "FAILSAFE", 8);
}

static ssize_t read_region(int fd, char *buf) {
  size_t got = 0;
  while (got < FLAG_SIZE) {
    ssize_t n = pread(fd, buf + got, FLAG_SIZE - got, (off_t)got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    got += (size_t)n;
  }
  return (ssize_t)got;
}

/* fsync; character devices (mtd, mem) answer EINVAL: nothing to flush there. */
static int sync_flag(int fd) {
  return fsync(fd) < 0 && errno != EINVAL ? -1 : 0;
}

static int io_fail(struct jc_fs_error *e, const char *path, const char *what, int fd) {
  char why[96];
  int err = errno;
  if (fd >= 0) close(fd);
  return jc_fs_fail(e, NULL, "failsafe flag %s: %s (%s)", path, what, jc_fs_errno_text(err, why, sizeof why));
}

int jc_fs_prepare_flag(const char *path, struct jc_fs_error *e) {
  char zeros[FLAG_SIZE];
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
  if (fd < 0) return io_fail(e, path, "cannot open it for writing", -1);
  ssize_t got = read_region(fd, zeros);
  if (got < 0) return io_fail(e, path, "cannot read it", fd);
  if (got == 0) {
    memset(zeros, 0, sizeof zeros);
    if (pwrite(fd, zeros, FLAG_SIZE, 0) != FLAG_SIZE || sync_flag(fd) < 0) return io_fail(e, path, "cannot write zeros into it", fd);
  }
  close(fd);
  return 0;
}

int jc_fs_set_flag(const char *path, struct jc_fs_error *e) {
  char pattern[FLAG_SIZE], back[FLAG_SIZE];
  int fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return io_fail(e, path, "cannot open it for setting", -1);
  fill_pattern(pattern);
  ssize_t written = pwrite(fd, pattern, FLAG_SIZE, 0); /* one write: FAILSAFE.md */
  if (written < 0) return io_fail(e, path, "setting failed", fd);
  if (written != FLAG_SIZE) { close(fd); return jc_fs_fail(e, NULL, "failsafe flag %s: short write (%zd of %d bytes)", path, written, FLAG_SIZE); }
  ssize_t got = read_region(fd, back);
  if (got < 0) return io_fail(e, path, "reading it back failed", fd);
  if (got != FLAG_SIZE || memcmp(back, pattern, FLAG_SIZE) != 0) { close(fd); return jc_fs_fail(e, NULL, "failsafe flag %s: read back differs from what was written", path); }
  if (sync_flag(fd) < 0) return io_fail(e, path, "setting failed", fd);
  close(fd);
  return 0;
}
