/* Failsafe protocol v1 packets (FAILSAFE.md). All integers on the wire are big-endian and are
 * read and written byte by byte, so the code is the same on little- and big-endian CPUs. */
#include "codec.h"

#include <string.h>
#include "hmac-sha256.h"

static const uint8_t MAGIC[4] = {'O', 'W', 'F', 'S'};
#define VERSION 0x01

static size_t packet_len(unsigned type) {
  switch (type) {
    case JC_FS_CHALLENGE: case JC_FS_NONCE: case JC_FS_TRIGGER: return 96;
    case JC_FS_ACK: return JC_FS_ACK_LEN;
    default: return 0;
  }
}

static void hmac_label(const uint8_t k[JC_FS_KEY_LEN], const char *label, uint8_t out[JC_SHA256_LEN]) {
  jc_hmac_sha256(k, JC_FS_KEY_LEN, (const uint8_t *)label, strlen(label), out);
}

void jc_fs_derive_keys(const uint8_t k[JC_FS_KEY_LEN], struct jc_fs_keys *out) {
  uint8_t id[JC_SHA256_LEN];
  hmac_label(k, "owfs1 c2d", out->c2d);
  hmac_label(k, "owfs1 d2c", out->d2c);
  hmac_label(k, "owfs1 id", id);
  memcpy(out->dev_id, id, JC_FS_DEV_ID_LEN);
  jc_wipe(id, sizeof id);
}

static int all_zero(const uint8_t *p, size_t n) {
  uint8_t acc = 0;
  for (size_t i = 0; i < n; i++) acc |= p[i];
  return acc == 0;
}

/* FAILSAFE_REBOOT's param is all zero; RESCUE's ends in zero[8]. */
static int param_ok(uint8_t action, const uint8_t *param) {
  if (action == JC_FS_FAILSAFE_REBOOT) return all_zero(param, JC_FS_PARAM_LEN);
  if (action == JC_FS_RESCUE) return all_zero(param + 8, 8);
  return 0;
}

int jc_fs_decode(const uint8_t *p, size_t len, struct jc_fs_packet *out) {
  if (len < JC_FS_HEADER_LEN + JC_FS_TAG_LEN || len > JC_FS_MAX_PACKET) return -1;
  unsigned type = p[5];
  if (packet_len(type) == 0 || len != packet_len(type)) return -1;
  if (memcmp(p, MAGIC, 4) != 0 || p[4] != VERSION || p[7] != 0) return -1;
  const uint8_t *body = p + JC_FS_HEADER_LEN;
  memset(out, 0, sizeof *out);
  out->type = (enum jc_fs_type)type;
  out->action = p[6];
  out->dev_id = p + 8;
  switch (type) {
    case JC_FS_CHALLENGE:
      if (out->action != 0 || !all_zero(body + 16, 32)) return -1;
      out->client_nonce = body;
      return 0;
    case JC_FS_NONCE:
      if (out->action != 0 || !all_zero(body + 36, 12)) return -1;
      out->client_nonce = body;
      out->server_nonce = body + 16;
      out->ttl_ms = (uint32_t)body[32] << 24 | (uint32_t)body[33] << 16 | (uint32_t)body[34] << 8 | body[35];
      return 0;
    case JC_FS_TRIGGER:
      if (!param_ok(out->action, body + 32)) return -1;
      out->client_nonce = body;
      out->server_nonce = body + 16;
      out->param = body + 32;
      return 0;
    default: /* ACK */
      out->status = body[16];
      if ((out->action != JC_FS_FAILSAFE_REBOOT && out->action != JC_FS_RESCUE) || out->status > JC_FS_IOERR || !all_zero(body + 17, 15)) return -1;
      out->server_nonce = body;
      return 0;
  }
}

int jc_fs_tag_ok(const uint8_t key[JC_FS_KEY_LEN], const uint8_t *packet, size_t len) {
  uint8_t tag[JC_SHA256_LEN];
  if (len < JC_FS_HEADER_LEN + JC_FS_TAG_LEN) return 0;
  jc_hmac_sha256(key, JC_FS_KEY_LEN, packet, len - JC_FS_TAG_LEN, tag);
  int ok = jc_equal_ct(tag, packet + len - JC_FS_TAG_LEN, JC_FS_TAG_LEN);
  jc_wipe(tag, sizeof tag);
  return ok;
}

/* Header, body parts in order, zero pads, and the tag over everything before it. */
static size_t seal(unsigned type, uint8_t action, const struct jc_fs_keys *keys, const uint8_t *key,
                   const uint8_t *body, size_t body_len, uint8_t *out) {
  size_t len = packet_len(type);
  memset(out, 0, len);
  memcpy(out, MAGIC, 4);
  out[4] = VERSION;
  out[5] = (uint8_t)type;
  out[6] = action;
  memcpy(out + 8, keys->dev_id, JC_FS_DEV_ID_LEN);
  memcpy(out + JC_FS_HEADER_LEN, body, body_len);
  jc_hmac_sha256(key, JC_FS_KEY_LEN, out, len - JC_FS_TAG_LEN, out + len - JC_FS_TAG_LEN);
  return len;
}

size_t jc_fs_encode_nonce(const struct jc_fs_keys *keys, const uint8_t client_nonce[JC_FS_NONCE_LEN],
                          const uint8_t server_nonce[JC_FS_NONCE_LEN], uint32_t ttl_ms, uint8_t out[JC_FS_MAX_PACKET]) {
  uint8_t body[36];
  memcpy(body, client_nonce, 16);
  memcpy(body + 16, server_nonce, 16);
  body[32] = (uint8_t)(ttl_ms >> 24); body[33] = (uint8_t)(ttl_ms >> 16); body[34] = (uint8_t)(ttl_ms >> 8); body[35] = (uint8_t)ttl_ms;
  return seal(JC_FS_NONCE, 0, keys, keys->d2c, body, sizeof body, out);
}

size_t jc_fs_encode_ack(const struct jc_fs_keys *keys, uint8_t action, const uint8_t server_nonce[JC_FS_NONCE_LEN],
                        uint8_t status, uint8_t out[JC_FS_MAX_PACKET]) {
  uint8_t body[17];
  memcpy(body, server_nonce, 16);
  body[16] = status;
  return seal(JC_FS_ACK, action, keys, keys->d2c, body, sizeof body, out);
}
