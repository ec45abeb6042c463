/* The C side of test/fixtures/failsafe/vectors.txt: runs every record through the failsafe
 * daemon's pure core (hmac-sha256.c, codec.c, uci-key.c, verifier.c) and prints one line per
 * mismatch ("vectors.txt:LINE: ...") and a summary. Exit 0 when all pass, 1 otherwise, 2 when
 * the file cannot be read. Built for the host (binding.gyp) and for every target architecture
 * (npm run build:targets), where qemu-user runs it. Usage: failsafe-vectors FILE */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../native/failsafe/codec.h"
#include "../../native/failsafe/hmac-sha256.h"
#include "../../native/failsafe/uci-key.h"
#include "../../native/failsafe/verifier.h"

#define MAX_FIELDS 8

struct run {
  const char *file;
  unsigned line, checked, failed;
  struct jc_fs_verifier v;
  int in_scenario;
  uint8_t queue[1024][JC_FS_NONCE_LEN];
  unsigned queued, drawn;
  struct jc_fs_verdict last;
};

static void fail(struct run *r, const char *fmt, const char *detail) {
  printf("%s:%u: ", r->file, r->line);
  printf(fmt, detail);
  printf("\n");
  r->failed++;
}

static void check(struct run *r, int ok, const char *what) {
  r->checked++;
  if (!ok) fail(r, "%s", what);
}

static unsigned nibble(char c) {
  return c >= '0' && c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

/* Hex field -> bytes (malloc'd; "-" is empty). No sscanf: its float support would bring FPU
 * code into the soft-float MIPS build. */
static uint8_t *unhex(const char *text, size_t *len) {
  size_t n = strcmp(text, "-") == 0 ? 0 : strlen(text) / 2;
  uint8_t *out = malloc(n + 1);
  for (size_t i = 0; i < n; i++) out[i] = (uint8_t)(nibble(text[2 * i]) << 4 | nibble(text[2 * i + 1]));
  *len = n;
  return out;
}

static int equal_hex(const uint8_t *bytes, size_t len, const char *hex) {
  size_t n;
  uint8_t *want = unhex(hex, &n);
  int ok = n == len && memcmp(bytes, want, n) == 0;
  free(want);
  return ok;
}

static void run_sha256(struct run *r, char **f) {
  size_t n;
  uint8_t *msg = unhex(f[1], &n), digest[32];
  struct jc_sha256 ctx;
  jc_sha256_init(&ctx);
  jc_sha256_update(&ctx, msg, n);
  jc_sha256_final(&ctx, digest);
  check(r, equal_hex(digest, 32, f[2]), "sha256 digest differs");
  free(msg);
}

static void run_million(struct run *r, char **f) {
  uint8_t chunk[1000], digest[32];
  struct jc_sha256 ctx;
  memset(chunk, 'a', sizeof chunk);
  jc_sha256_init(&ctx);
  for (int i = 0; i < 1000; i++) jc_sha256_update(&ctx, chunk, sizeof chunk);
  jc_sha256_final(&ctx, digest);
  check(r, equal_hex(digest, 32, f[1]), "sha256 of a million 'a' differs");
}

static void run_hmac(struct run *r, char **f) {
  size_t klen, mlen, tlen;
  uint8_t *key = unhex(f[1], &klen), *msg = unhex(f[2], &mlen), *want = unhex(f[3], &tlen), tag[32];
  jc_hmac_sha256(key, klen, msg, mlen, tag);
  check(r, tlen <= 32 && memcmp(tag, want, tlen) == 0, "hmac tag differs");
  free(key); free(msg); free(want);
}

static void run_derive(struct run *r, char **f) {
  size_t n;
  uint8_t *k = unhex(f[1], &n);
  struct jc_fs_keys keys;
  jc_fs_derive_keys(k, &keys);
  check(r, equal_hex(keys.c2d, 32, f[2]) && equal_hex(keys.d2c, 32, f[3]) && equal_hex(keys.dev_id, 8, f[4]), "derived keys differ");
  free(k);
}

static void run_decode(struct run *r, char **f) {
  static const char *const names[] = {"?", "challenge", "nonce", "trigger", "ack"};
  size_t n;
  uint8_t *p = unhex(f[1], &n);
  struct jc_fs_packet packet;
  int ok = jc_fs_decode(p, n, &packet) == 0;
  if (strcmp(f[2], "malformed") == 0) check(r, !ok, "decoded a malformed packet");
  else check(r, ok && strcmp(names[packet.type], f[3]) == 0, "did not decode as recorded");
  free(p);
}

static void run_uci(struct run *r, char **f) {
  static const char *const names[] = {"found", "missing", "invalid", "syntax"};
  size_t n;
  uint8_t *text = unhex(f[1], &n);
  struct jc_uci_key key;
  jc_uci_find_key(text, n, &key);
  int ok = strcmp(names[key.status], f[2]) == 0;
  if (ok && key.status == JC_UCI_KEY_FOUND) ok = equal_hex(key.key, 32, f[3]);
  else if (ok && key.status != JC_UCI_KEY_MISSING) ok = key.line == (unsigned)atoi(f[3]);
  if (!ok) fail(r, "uci: got %s", names[key.status]);
  else r->checked++;
  free(text);
}

static int draw(void *ctx, uint8_t *out, size_t n) {
  struct run *r = ctx;
  if (r->drawn >= r->queued || n > JC_FS_NONCE_LEN) return -1;
  memcpy(out, r->queue[r->drawn++], n);
  return 0;
}

static void run_scenario(struct run *r, char **f) {
  size_t n;
  uint8_t *k = unhex(f[2], &n);
  struct jc_fs_keys keys;
  jc_fs_derive_keys(k, &keys);
  jc_fs_verifier_init(&r->v, &keys, atoi(f[3]), atoi(f[4]), atoll(f[5]), draw, r);
  r->queued = r->drawn = 0;
  r->in_scenario = 1;
  free(k);
}

static void run_recv(struct run *r, char **f, int nfields) {
  size_t n;
  uint8_t *p = unhex(f[2], &n);
  struct jc_fs_verdict *v = &r->last;
  jc_fs_verifier_receive(&r->v, p, n, atoll(f[1]), v);
  free(p);
  int ok;
  if (strcmp(f[3], "drop") == 0) ok = v->kind == JC_FS_VERDICT_DROP && strcmp(jc_fs_count_name(v->reason), f[4]) == 0;
  else if (strcmp(f[3], "reply") == 0) ok = v->kind == JC_FS_VERDICT_REPLY && equal_hex(v->bytes, v->len, f[4]);
  else ok = nfields == 6 && v->kind == JC_FS_VERDICT_ACT && v->action == (strcmp(f[4], "failsafe") == 0 ? 1 : 2) && equal_hex(v->param, 16, f[5]);
  const char *got = v->kind == JC_FS_VERDICT_DROP ? jc_fs_count_name(v->reason) : v->kind == JC_FS_VERDICT_REPLY ? "a reply" : "act";
  if (!ok) fail(r, "verdict differs: got %s", got);
  else r->checked++;
}

static void run_finish(struct run *r, char **f) {
  enum jc_fs_status status = strcmp(f[1], "ok") == 0 ? JC_FS_OK : strcmp(f[1], "refused") == 0 ? JC_FS_REFUSED : JC_FS_IOERR;
  uint8_t ack[JC_FS_MAX_PACKET];
  size_t len = jc_fs_verifier_finish(&r->v, status, ack);
  check(r, equal_hex(ack, len, f[2]), "the ACK differs");
}

static void run_record(struct run *r, char **f, int n) {
  const char *kind = f[0];
  if (strcmp(kind, "sha256") == 0 && n == 3) run_sha256(r, f);
  else if (strcmp(kind, "sha256-a-million") == 0 && n == 2) run_million(r, f);
  else if (strcmp(kind, "hmac") == 0 && n == 4) run_hmac(r, f);
  else if (strcmp(kind, "derive") == 0 && n == 5) run_derive(r, f);
  else if (strcmp(kind, "decode") == 0 && n >= 3) run_decode(r, f);
  else if (strcmp(kind, "uci") == 0 && n >= 3) run_uci(r, f);
  else if (strcmp(kind, "scenario") == 0 && n == 6) run_scenario(r, f);
  else if (strcmp(kind, "random") == 0 && n == 2 && r->queued < 1024) { size_t len; uint8_t *b = unhex(f[1], &len); memcpy(r->queue[r->queued++], b, len < 16 ? len : 16); free(b); }
  else if (strcmp(kind, "recv") == 0 && n >= 5 && r->in_scenario) run_recv(r, f, n);
  else if (strcmp(kind, "finish") == 0 && n == 3 && r->in_scenario) run_finish(r, f);
  else if (strcmp(kind, "keys-wiped") == 0 && r->in_scenario) {
    static const uint8_t zero[32];
    check(r, memcmp(r->v.keys.c2d, zero, 32) == 0 && memcmp(r->v.keys.d2c, zero, 32) == 0, "keys not wiped");
  } else if (strcmp(kind, "end") == 0) { check(r, r->drawn == r->queued, "not every queued nonce was drawn"); r->in_scenario = 0; }
  else fail(r, "unknown record %s", kind);
}

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: failsafe-vectors FILE\n"); return 2; }
  FILE *in = fopen(argv[1], "r");
  if (!in) { perror(argv[1]); return 2; }
  struct run r;
  memset(&r, 0, sizeof r);
  r.file = argv[1];
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  while ((len = getline(&line, &cap, in)) >= 0) {
    r.line++;
    if (len > 0 && line[len - 1] == '\n') line[len - 1] = '\0';
    if (line[0] == '\0' || line[0] == '#') continue;
    char *fields[MAX_FIELDS] = {0}, *save = NULL;
    int n = 0;
    for (char *tok = strtok_r(line, " ", &save); tok && n < MAX_FIELDS; tok = strtok_r(NULL, " ", &save)) fields[n++] = tok;
    if (n > 0) run_record(&r, fields, n);
  }
  free(line);
  fclose(in);
  printf("%u checks, %u failed\n", r.checked, r.failed);
  return r.failed == 0 && r.checked > 0 ? 0 : 1;
}
