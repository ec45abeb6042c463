/* Reading the little-endian encodings TypeScript writes (launch plans, stored plans): integers
 * assembled byte by byte, so a big-endian (mips) launcher reads what a little-endian one does.
 * Every read checks the length left first; -1 means truncated or malformed. */
#ifndef JC_READER_H
#define JC_READER_H

#include <stddef.h>
#include <stdint.h>

struct jc_reader {
  const unsigned char *buf;
  size_t len, pos;
};

int jc_read_u32(struct jc_reader *r, uint32_t *out);
int jc_read_u64(struct jc_reader *r, uint64_t *out);
/* (u32 len, bytes, NUL): *out points into the buffer; len_out may be NULL. */
int jc_read_str(struct jc_reader *r, const char **out, uint32_t *len_out);
/* n raw bytes: *out points into the buffer. */
int jc_read_bytes(struct jc_reader *r, size_t n, const unsigned char **out);

#endif
