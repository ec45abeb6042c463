/* The key, from file to derived keys (see key-file.h). The file is read into an anonymous
 * mapping of its own, wiped and unmapped afterwards: no heap block is left holding the digits. */
#define _GNU_SOURCE
#include "key-file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hmac-sha256.h"
#include "uci-key.h"

#define MAX_CONFIG (1 << 20) /* /etc/config/system is a few kB */
#define KEYGEN_HINT "run `jailctl failsafe keygen --config FILE` (add --rotate to replace a damaged key)"

static int read_all(int fd, uint8_t *buf, size_t size, size_t *got) {
  *got = 0;
  while (*got < size) {
    ssize_t n = read(fd, buf + *got, size - *got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    *got += (size_t)n;
  }
  return 0;
}

static int explain(const char *path, const struct jc_uci_key *k, struct jc_fs_error *e) {
  switch (k->status) {
    case JC_UCI_KEY_MISSING: return jc_fs_fail(e, KEYGEN_HINT, "%s: no failsafe key (config failsafe 'failsafe', option key)", path);
    case JC_UCI_KEY_INVALID: return jc_fs_fail(e, KEYGEN_HINT, "%s:%u: option key: the key must be 64 hex characters; %s", path, k->line, k->why);
    case JC_UCI_KEY_SYNTAX: return jc_fs_fail(e, "fix the line (uci show checks the syntax), or restore the file from a backup", "%s:%u: %s", path, k->line, k->why);
    default: return 0;
  }
}

int jc_fs_read_keys(const char *path, struct jc_fs_keys *keys, struct jc_fs_error *e) {
  char why[96];
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0 && errno == ENOENT) return jc_fs_fail(e, KEYGEN_HINT, "--config %s: no such file", path);
  if (fd < 0) return jc_fs_fail(e, NULL, "cannot read %s (%s)", path, jc_fs_errno_text(errno, why, sizeof why));
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_CONFIG) {
    close(fd);
    return jc_fs_fail(e, NULL, "--config %s: not a regular file of at most 1 MiB", path);
  }
  size_t size = (size_t)st.st_size + 1, got;
  uint8_t *text = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (text == MAP_FAILED) { close(fd); return jc_fs_fail(e, NULL, "cannot read %s (%s)", path, jc_fs_errno_text(errno, why, sizeof why)); }
  int rc = read_all(fd, text, size, &got);
  int err = errno;
  close(fd);
  struct jc_uci_key k;
  if (rc == 0) jc_uci_find_key(text, got, &k);
  jc_wipe(text, size);
  munmap(text, size);
  if (rc < 0) return jc_fs_fail(e, NULL, "cannot read %s (%s)", path, jc_fs_errno_text(err, why, sizeof why));
  rc = explain(path, &k, e);
  if (rc == 0) jc_fs_derive_keys(k.key, keys);
  jc_wipe(&k, sizeof k);
  return rc;
}
