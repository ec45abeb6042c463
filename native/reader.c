/* The little-endian reader of native/reader.h. Pure: no I/O. */
#include "reader.h"

static uint64_t load_le(const unsigned char *p, unsigned n) {
  uint64_t v = 0;
  while (n--) v = v << 8 | p[n];
  return v;
}

int jc_read_u32(struct jc_reader *r, uint32_t *out) {
  if (r->len - r->pos < 4) return -1;
  *out = (uint32_t)load_le(r->buf + r->pos, 4);
  r->pos += 4;
  return 0;
}

int jc_read_u64(struct jc_reader *r, uint64_t *out) {
  if (r->len - r->pos < 8) return -1;
  *out = load_le(r->buf + r->pos, 8);
  r->pos += 8;
  return 0;
}

int jc_read_str(struct jc_reader *r, const char **out, uint32_t *len_out) {
  uint32_t len;
  if (jc_read_u32(r, &len) < 0 || r->len - r->pos < (size_t)len + 1) return -1;
  if (r->buf[r->pos + len] != '\0') return -1;
  *out = (const char *)r->buf + r->pos;
  if (len_out) *len_out = len;
  r->pos += (size_t)len + 1;
  return 0;
}

int jc_read_bytes(struct jc_reader *r, size_t n, const unsigned char **out) {
  if (r->len - r->pos < n) return -1;
  *out = r->buf + r->pos;
  r->pos += n;
  return 0;
}
