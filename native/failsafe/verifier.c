/* The listener's rules as a state machine (FAILSAFE.md "Listener rules"; the TypeScript
 * reference is test/helpers/failsafe-reference.ts, and both pass test/fixtures/failsafe/vectors.txt).
 * Pure: clock and randomness come in as arguments. */
#include "verifier.h"

#include <string.h>
#include "hmac-sha256.h"

static const char *const COUNT_NAMES[JC_FS_COUNTS] = {
  "malformed", "type", "dev-id", "verify-rate", "tag", "seen", "reply-rate", "no-slot", "busy", "done",
  "no-random", "reply", "act",
};

const char *jc_fs_count_name(unsigned index) {
  return index < JC_FS_COUNTS ? COUNT_NAMES[index] : "?";
}

static void bucket_init(struct jc_fs_bucket *b, int64_t per_second, int64_t burst, int64_t now) {
  b->per_second = per_second;
  b->burst = burst;
  b->millitokens = burst * 1000;
  b->last_ms = now;
}

/* Tokens refill continuously at per_second, up to burst; kept in thousandths, so that a refill
 * of elapsed_ms * per_second is exact. */
static int bucket_take(struct jc_fs_bucket *b, int64_t now) {
  int64_t elapsed = now > b->last_ms ? now - b->last_ms : 0;
  b->last_ms = now;
  int64_t cap = b->burst * 1000;
  b->millitokens = elapsed > cap ? cap : b->millitokens + elapsed * b->per_second;
  if (b->millitokens > cap) b->millitokens = cap;
  if (b->millitokens < 1000) return 0;
  b->millitokens -= 1000;
  return 1;
}

void jc_fs_verifier_init(struct jc_fs_verifier *v, const struct jc_fs_keys *keys, int failsafe_enabled,
                         int rescue_enabled, int64_t now_ms, jc_fs_random_fn random, void *random_ctx) {
  memset(v, 0, sizeof *v);
  memcpy(&v->keys, keys, sizeof *keys);
  v->failsafe_enabled = failsafe_enabled;
  v->rescue_enabled = rescue_enabled;
  v->random = random;
  v->random_ctx = random_ctx;
  bucket_init(&v->verify_bucket, JC_FS_VERIFY_PER_SECOND, JC_FS_VERIFY_BURST, now_ms);
  bucket_init(&v->reply_bucket, JC_FS_REPLY_PER_SECOND, JC_FS_REPLY_BURST, now_ms);
  v->mode = JC_FS_OPEN;
}

static void drop(struct jc_fs_verifier *v, enum jc_fs_drop reason, struct jc_fs_verdict *out) {
  out->kind = JC_FS_VERDICT_DROP;
  out->reason = reason;
  out->len = 0;
  v->counts[reason]++;
}

static void reply(struct jc_fs_verifier *v, const uint8_t *bytes, size_t len, struct jc_fs_verdict *out) {
  out->kind = JC_FS_VERDICT_REPLY;
  memcpy(out->bytes, bytes, len);
  out->len = len;
  v->counts[JC_FS_COUNT_REPLY]++;
}

static void wipe_slots(struct jc_fs_verifier *v) {
  jc_wipe(v->slots, sizeof v->slots);
  v->nslots = 0;
}

static void remove_slot(struct jc_fs_verifier *v, unsigned i) {
  memmove(&v->slots[i], &v->slots[i + 1], (v->nslots - i - 1) * sizeof v->slots[0]);
  v->nslots--;
  jc_wipe(&v->slots[v->nslots], sizeof v->slots[0]);
}

static int seen_before(const struct jc_fs_verifier *v, const uint8_t *nonce) {
  for (unsigned i = 0; i < v->nseen; i++)
    if (memcmp(v->seen[i], nonce, JC_FS_NONCE_LEN) == 0) return 1;
  return 0;
}

static void remember(struct jc_fs_verifier *v, const uint8_t *nonce) {
  memcpy(v->seen[v->seen_next], nonce, JC_FS_NONCE_LEN);
  if (v->nseen < JC_FS_SEEN_NONCES) v->nseen++;
  v->seen_next = (v->seen_next + 1) % JC_FS_SEEN_NONCES;
}

/* Rule 4: a fresh slot (expired ones dropped, the oldest evicted when full) and a NONCE. */
static void challenge(struct jc_fs_verifier *v, const uint8_t *client_nonce, int64_t now, struct jc_fs_verdict *out) {
  if (seen_before(v, client_nonce)) return drop(v, JC_FS_DROP_SEEN, out);
  remember(v, client_nonce);
  if (!bucket_take(&v->reply_bucket, now)) return drop(v, JC_FS_DROP_REPLY_RATE, out);
  for (unsigned i = v->nslots; i-- > 0;)
    if (v->slots[i].expiry_ms <= now) remove_slot(v, i);
  if (v->nslots >= JC_FS_MAX_SLOTS) remove_slot(v, 0);
  struct jc_fs_slot *slot = &v->slots[v->nslots];
  if (v->random(v->random_ctx, slot->server_nonce, JC_FS_NONCE_LEN) < 0) return drop(v, JC_FS_DROP_NO_RANDOM, out);
  memcpy(slot->client_nonce, client_nonce, JC_FS_NONCE_LEN);
  slot->expiry_ms = now + JC_FS_SLOT_TTL_MS;
  v->nslots++;
  uint8_t nonce[JC_FS_MAX_PACKET];
  size_t len = jc_fs_encode_nonce(&v->keys, slot->client_nonce, slot->server_nonce, JC_FS_SLOT_TTL_MS, nonce);
  reply(v, nonce, len, out);
}

/* Rule 5: a live slot matching both nonces; a disabled action is answered REFUSED. */
static void trigger(struct jc_fs_verifier *v, const uint8_t *packet, const struct jc_fs_packet *p, int64_t now, struct jc_fs_verdict *out) {
  unsigned i;
  for (i = 0; i < v->nslots; i++) {
    const struct jc_fs_slot *s = &v->slots[i];
    if (s->expiry_ms > now && memcmp(s->client_nonce, p->client_nonce, JC_FS_NONCE_LEN) == 0 &&
        memcmp(s->server_nonce, p->server_nonce, JC_FS_NONCE_LEN) == 0)
      break;
  }
  if (i == v->nslots) return drop(v, JC_FS_DROP_NO_SLOT, out);
  int enabled = p->action == JC_FS_FAILSAFE_REBOOT ? v->failsafe_enabled : v->rescue_enabled;
  if (!enabled) {
    uint8_t ack[JC_FS_MAX_PACKET];
    size_t len = jc_fs_encode_ack(&v->keys, p->action, v->slots[i].server_nonce, JC_FS_REFUSED, ack);
    return reply(v, ack, len, out);
  }
  v->mode = JC_FS_ACTING;
  v->acting_slot = i;
  v->action = p->action;
  memcpy(v->trigger, packet, JC_FS_MAX_PACKET);
  v->counts[JC_FS_COUNT_ACT]++;
  out->kind = JC_FS_VERDICT_ACT;
  out->action = p->action;
  memcpy(out->param, p->param, JC_FS_PARAM_LEN);
}

/* After a trigger: only the identical TRIGGER gets the same ACK again, as rate-limited as a NONCE. */
static void after_trigger(struct jc_fs_verifier *v, const uint8_t *packet, size_t len, int64_t now, struct jc_fs_verdict *out) {
  if (v->mode == JC_FS_ACTING) return drop(v, JC_FS_DROP_BUSY, out);
  if (len != JC_FS_MAX_PACKET || memcmp(packet, v->trigger, len) != 0) return drop(v, JC_FS_DROP_DONE, out);
  if (!bucket_take(&v->reply_bucket, now)) return drop(v, JC_FS_DROP_REPLY_RATE, out);
  reply(v, v->ack, v->ack_len, out);
}

void jc_fs_verifier_receive(struct jc_fs_verifier *v, const uint8_t *packet, size_t len, int64_t now, struct jc_fs_verdict *out) {
  struct jc_fs_packet p;
  if (v->mode != JC_FS_OPEN) return after_trigger(v, packet, len, now, out);
  if (jc_fs_decode(packet, len, &p) < 0) return drop(v, JC_FS_DROP_MALFORMED, out);
  if (p.type != JC_FS_CHALLENGE && p.type != JC_FS_TRIGGER) return drop(v, JC_FS_DROP_TYPE, out);
  if (memcmp(p.dev_id, v->keys.dev_id, JC_FS_DEV_ID_LEN) != 0) return drop(v, JC_FS_DROP_DEV_ID, out);
  if (!bucket_take(&v->verify_bucket, now)) return drop(v, JC_FS_DROP_VERIFY_RATE, out);
  if (!jc_fs_tag_ok(v->keys.c2d, packet, len)) return drop(v, JC_FS_DROP_TAG, out);
  if (p.type == JC_FS_CHALLENGE) return challenge(v, p.client_nonce, now, out);
  trigger(v, packet, &p, now, out);
}

size_t jc_fs_verifier_finish(struct jc_fs_verifier *v, enum jc_fs_status status, uint8_t out[JC_FS_MAX_PACKET]) {
  if (v->mode != JC_FS_ACTING) return 0;
  size_t len = jc_fs_encode_ack(&v->keys, v->action, v->slots[v->acting_slot].server_nonce, (uint8_t)status, out);
  v->counts[JC_FS_COUNT_REPLY]++;
  if (status == JC_FS_OK) {
    /* rule 5: every slot wiped; re-sending the ACK needs no key, so the keys go too */
    memcpy(v->ack, out, len);
    v->ack_len = len;
    v->mode = JC_FS_DONE;
    jc_fs_verifier_wipe(v);
    return len;
  }
  /* REFUSED keeps the slot (a retransmission gets the same answer); IOERR spends it */
  if (status == JC_FS_IOERR) remove_slot(v, v->acting_slot);
  v->mode = JC_FS_OPEN;
  return len;
}

void jc_fs_verifier_wipe(struct jc_fs_verifier *v) {
  jc_wipe(v->keys.c2d, sizeof v->keys.c2d);
  jc_wipe(v->keys.d2c, sizeof v->keys.d2c);
  wipe_slots(v);
}
