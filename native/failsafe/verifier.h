/* The listener's rules (FAILSAFE.md "Listener rules") as a state machine: packet bytes in, a
 * verdict out. Pure: the monotonic clock is a parameter and the random source a callback; no
 * I/O, no globals. State is bounded: 4 slots, 64 remembered client nonces, two token buckets,
 * one remembered TRIGGER/ACK pair. */
#ifndef JC_FS_VERIFIER_H
#define JC_FS_VERIFIER_H

#include <stddef.h>
#include <stdint.h>
#include "codec.h"

#define JC_FS_MAX_SLOTS 4
#define JC_FS_SEEN_NONCES 64
#define JC_FS_VERIFY_PER_SECOND 50
#define JC_FS_VERIFY_BURST 10
#define JC_FS_REPLY_PER_SECOND 2
#define JC_FS_REPLY_BURST 4

/* Why a packet was dropped; the names (jc_fs_drop_name) are shared with the TypeScript
 * reference and the test vectors. */
enum jc_fs_drop {
  JC_FS_DROP_MALFORMED, JC_FS_DROP_TYPE, JC_FS_DROP_DEV_ID, JC_FS_DROP_VERIFY_RATE, JC_FS_DROP_TAG,
  JC_FS_DROP_SEEN, JC_FS_DROP_REPLY_RATE, JC_FS_DROP_NO_SLOT, JC_FS_DROP_BUSY, JC_FS_DROP_DONE,
  JC_FS_DROP_NO_RANDOM, /* the random source failed: no slot was made (C only) */
  JC_FS_DROP_COUNT
};

/* counts[] index: the drop reasons, then these */
enum { JC_FS_COUNT_REPLY = JC_FS_DROP_COUNT, JC_FS_COUNT_ACT, JC_FS_COUNTS };

enum jc_fs_verdict_kind {
  JC_FS_VERDICT_DROP,
  JC_FS_VERDICT_REPLY, /* send bytes to the sender of the packet, and nobody else */
  JC_FS_VERDICT_ACT,   /* an authenticated TRIGGER: act, then jc_fs_verifier_finish */
};

struct jc_fs_verdict {
  enum jc_fs_verdict_kind kind;
  enum jc_fs_drop reason;          /* DROP */
  uint8_t bytes[JC_FS_MAX_PACKET]; /* REPLY */
  size_t len;
  uint8_t action;                  /* ACT */
  uint8_t param[JC_FS_PARAM_LEN];
};

/* Fills out with n unpredictable bytes; returns 0, or -1 when there are none. */
typedef int (*jc_fs_random_fn)(void *ctx, uint8_t *out, size_t n);

struct jc_fs_bucket {
  int64_t millitokens;
  int64_t last_ms;
  int64_t per_second, burst;
};

struct jc_fs_slot {
  uint8_t client_nonce[JC_FS_NONCE_LEN];
  uint8_t server_nonce[JC_FS_NONCE_LEN];
  int64_t expiry_ms;
};

enum jc_fs_mode { JC_FS_OPEN, JC_FS_ACTING, JC_FS_DONE };

struct jc_fs_verifier {
  struct jc_fs_keys keys;
  int failsafe_enabled, rescue_enabled;
  jc_fs_random_fn random;
  void *random_ctx;
  struct jc_fs_bucket verify_bucket, reply_bucket;
  struct jc_fs_slot slots[JC_FS_MAX_SLOTS];
  unsigned nslots;                 /* oldest first */
  uint8_t seen[JC_FS_SEEN_NONCES][JC_FS_NONCE_LEN];
  unsigned nseen, seen_next;
  enum jc_fs_mode mode;
  unsigned acting_slot;            /* ACTING */
  uint8_t action;                  /* ACTING, DONE */
  uint8_t trigger[JC_FS_MAX_PACKET];
  uint8_t ack[JC_FS_MAX_PACKET];   /* DONE */
  size_t ack_len;
  uint64_t counts[JC_FS_COUNTS];
};

/* Takes a copy of keys (the caller wipes its own). */
void jc_fs_verifier_init(struct jc_fs_verifier *v, const struct jc_fs_keys *keys, int failsafe_enabled,
                         int rescue_enabled, int64_t now_ms, jc_fs_random_fn random, void *random_ctx);

/* Applies rules 1-5 in order, cheapest first; any bytes are accepted. */
void jc_fs_verifier_receive(struct jc_fs_verifier *v, const uint8_t *packet, size_t len, int64_t now_ms,
                            struct jc_fs_verdict *out);

/* Completes an ACT verdict with the action's outcome; writes the ACK to send, returns its length. */
size_t jc_fs_verifier_finish(struct jc_fs_verifier *v, enum jc_fs_status status, uint8_t out[JC_FS_MAX_PACKET]);

/* Zeroes the derived keys and every slot (SIGTERM, and after a trigger). */
void jc_fs_verifier_wipe(struct jc_fs_verifier *v);

/* "malformed", "dev-id", ... ; counts[] names also "reply" and "act". */
const char *jc_fs_count_name(unsigned index);

#endif
