/* Line output for the failsafe daemon (see log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "../errname.h"

static void write_line(int fd, const char *prefix, const char *fmt, va_list ap) {
  char line[1024];
  size_t n = (size_t)snprintf(line, sizeof line, "%s", prefix);
  int m = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
  n = m < 0 ? n : n + (size_t)m >= sizeof line - 1 ? sizeof line - 2 : n + (size_t)m;
  line[n++] = '\n';
  (void)!write(fd, line, n);
}

void jc_fs_log(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  write_line(STDOUT_FILENO, "failsafe: ", fmt, ap);
  va_end(ap);
}

void jc_fs_warn(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  write_line(STDERR_FILENO, "failsafe: ", fmt, ap);
  va_end(ap);
}

int jc_fs_fail(struct jc_fs_error *e, const char *hint, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  e->hint = hint;
  return -1;
}

const char *jc_fs_errno_text(int err, char *buf, size_t size) {
  const char *name = jc_errno_name(err);
  if (name) snprintf(buf, size, "%s: %s", name, strerror(err));
  else snprintf(buf, size, "errno %d: %s", err, strerror(err));
  return buf;
}
