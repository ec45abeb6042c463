/* SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), written here so that the failsafe daemon needs
 * no crypto library; checked against the NIST and RFC 4231 vectors (test/fixtures/failsafe/).
 * Pure: no I/O, no globals; every state that held key material is wiped before returning. */
#ifndef JC_HMAC_SHA256_H
#define JC_HMAC_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define JC_SHA256_LEN 32
#define JC_SHA256_BLOCK 64

struct jc_sha256 {
  uint32_t state[8];
  uint64_t bytes;               /* message length so far */
  uint8_t block[JC_SHA256_BLOCK];
  size_t fill;                  /* bytes waiting in block */
};

void jc_sha256_init(struct jc_sha256 *ctx);
void jc_sha256_update(struct jc_sha256 *ctx, const uint8_t *data, size_t len);
/* Writes the digest and wipes ctx. */
void jc_sha256_final(struct jc_sha256 *ctx, uint8_t out[JC_SHA256_LEN]);

/* HMAC-SHA256(key, msg) into out (which may alias neither input). */
void jc_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t msg_len, uint8_t out[JC_SHA256_LEN]);

/* 1 when a and b hold the same n bytes; the time taken depends on n only. */
int jc_equal_ct(const uint8_t *a, const uint8_t *b, size_t n);

/* Zeroes n bytes in a way the compiler may not remove (the buffer is dead afterwards). */
void jc_wipe(void *p, size_t n);

#endif
