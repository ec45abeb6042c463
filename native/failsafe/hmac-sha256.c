/* SHA-256 after FIPS 180-4 section 6.2 (the message schedule kept as a 16-word ring), HMAC after
 * RFC 2104 section 2. Pure: no I/O, no globals beyond the constant table. */
#include "hmac-sha256.h"

#include <string.h>

/* FIPS 180-4 4.2.2: the first 32 bits of the fractional parts of the cube roots of the first
 * 64 primes */
static const uint32_t K256[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t rotr(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

/* Big-endian by definition (FIPS 180-4 3.1), whatever the CPU's byte order. */
static uint32_t load_be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void store_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static void compress(uint32_t state[8], const uint8_t block[JC_SHA256_BLOCK]) {
  uint32_t w[16], v[8];
  for (int i = 0; i < 16; i++) w[i] = load_be32(block + 4 * i);
  memcpy(v, state, sizeof v);
  for (int t = 0; t < 64; t++) {
    if (t >= 16) { /* W_t = s1(W_t-2) + W_t-7 + s0(W_t-15) + W_t-16, in a ring of 16 */
      uint32_t w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15];
      uint32_t s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >> 3);
      uint32_t s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >> 10);
      w[t & 15] += s0 + w[(t - 7) & 15] + s1;
    }
    uint32_t e = v[4], a = v[0];
    uint32_t t1 = v[7] + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & v[5]) ^ (~e & v[6])) + K256[t] + w[t & 15];
    uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & v[1]) ^ (a & v[2]) ^ (v[1] & v[2]));
    memmove(v + 1, v, 7 * sizeof *v);
    v[4] += t1;
    v[0] = t1 + t2;
  }
  for (int i = 0; i < 8; i++) state[i] += v[i];
  jc_wipe(w, sizeof w);
  jc_wipe(v, sizeof v);
}

void jc_sha256_init(struct jc_sha256 *ctx) {
  /* FIPS 180-4 5.3.3 */
  static const uint32_t H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(ctx->state, H0, sizeof H0);
  ctx->bytes = 0;
  ctx->fill = 0;
}

void jc_sha256_update(struct jc_sha256 *ctx, const uint8_t *data, size_t len) {
  ctx->bytes += len;
  while (len > 0) {
    size_t take = JC_SHA256_BLOCK - ctx->fill;
    if (take > len) take = len;
    memcpy(ctx->block + ctx->fill, data, take);
    ctx->fill += take;
    data += take;
    len -= take;
    if (ctx->fill == JC_SHA256_BLOCK) {
      compress(ctx->state, ctx->block);
      ctx->fill = 0;
    }
  }
}

void jc_sha256_final(struct jc_sha256 *ctx, uint8_t out[JC_SHA256_LEN]) {
  /* FIPS 180-4 5.1.1: a 1 bit, zeros, then the length in bits as 64-bit big-endian */
  uint64_t bits = ctx->bytes * 8;
  uint8_t pad = 0x80;
  jc_sha256_update(ctx, &pad, 1);
  pad = 0;
  while (ctx->fill != JC_SHA256_BLOCK - 8) jc_sha256_update(ctx, &pad, 1);
  uint8_t length[8];
  for (int i = 0; i < 8; i++) length[i] = (uint8_t)(bits >> (56 - 8 * i));
  jc_sha256_update(ctx, length, 8);
  for (int i = 0; i < 8; i++) store_be32(out + 4 * i, ctx->state[i]);
  jc_wipe(ctx, sizeof *ctx);
}

void jc_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t msg_len, uint8_t out[JC_SHA256_LEN]) {
  uint8_t k0[JC_SHA256_BLOCK], pad[JC_SHA256_BLOCK], inner[JC_SHA256_LEN];
  struct jc_sha256 ctx;
  /* RFC 2104: a key longer than the block is hashed first; a shorter one is padded with zeros */
  memset(k0, 0, sizeof k0);
  if (key_len > JC_SHA256_BLOCK) {
    jc_sha256_init(&ctx);
    jc_sha256_update(&ctx, key, key_len);
    jc_sha256_final(&ctx, k0);
  } else {
    memcpy(k0, key, key_len);
  }
  for (int i = 0; i < JC_SHA256_BLOCK; i++) pad[i] = k0[i] ^ 0x36;
  jc_sha256_init(&ctx);
  jc_sha256_update(&ctx, pad, sizeof pad);
  jc_sha256_update(&ctx, msg, msg_len);
  jc_sha256_final(&ctx, inner);
  for (int i = 0; i < JC_SHA256_BLOCK; i++) pad[i] = k0[i] ^ 0x5c;
  jc_sha256_init(&ctx);
  jc_sha256_update(&ctx, pad, sizeof pad);
  jc_sha256_update(&ctx, inner, sizeof inner);
  jc_sha256_final(&ctx, out);
  jc_wipe(k0, sizeof k0);
  jc_wipe(pad, sizeof pad);
  jc_wipe(inner, sizeof inner);
}

int jc_equal_ct(const uint8_t *a, const uint8_t *b, size_t n) {
  volatile uint8_t diff = 0;
  for (size_t i = 0; i < n; i++) diff |= a[i] ^ b[i];
  return diff == 0;
}

void jc_wipe(void *p, size_t n) {
  /* a store through a volatile pointer is a side effect the compiler must keep (C11 5.1.2.3) */
  volatile uint8_t *v = p;
  while (n--) *v++ = 0;
}
