/* Failsafe protocol v1 (FAILSAFE.md "Packets"): constants, key derivation, the structural checks
 * of rule 1, tags, and the two packets the device sends (NONCE, ACK). Pure: byte buffers in and
 * out, no I/O, no clock, no randomness (callers pass nonces in). */
#ifndef JC_FS_CODEC_H
#define JC_FS_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define JC_FS_KEY_LEN 32
#define JC_FS_DEV_ID_LEN 8
#define JC_FS_NONCE_LEN 16
#define JC_FS_PARAM_LEN 16
#define JC_FS_TAG_LEN 32
#define JC_FS_HEADER_LEN 16
#define JC_FS_MAX_PACKET 96
#define JC_FS_ACK_LEN 80
#define JC_FS_SLOT_TTL_MS 30000

enum jc_fs_type { JC_FS_CHALLENGE = 1, JC_FS_NONCE = 2, JC_FS_TRIGGER = 3, JC_FS_ACK = 4 };
enum jc_fs_action { JC_FS_FAILSAFE_REBOOT = 1, JC_FS_RESCUE = 2 };
enum jc_fs_status { JC_FS_OK = 0, JC_FS_REFUSED = 1, JC_FS_IOERR = 2 };

/* K_c2d signs admin -> device, K_d2c device -> admin; dev_id is public. */
struct jc_fs_keys {
  uint8_t c2d[JC_FS_KEY_LEN];
  uint8_t d2c[JC_FS_KEY_LEN];
  uint8_t dev_id[JC_FS_DEV_ID_LEN];
};

/* A packet that passed the structural checks; the pointers point into the packet. */
struct jc_fs_packet {
  enum jc_fs_type type;
  uint8_t action;                /* TRIGGER, ACK */
  const uint8_t *dev_id;
  const uint8_t *client_nonce;   /* CHALLENGE, NONCE, TRIGGER */
  const uint8_t *server_nonce;   /* NONCE, TRIGGER, ACK */
  const uint8_t *param;          /* TRIGGER */
  uint32_t ttl_ms;               /* NONCE */
  uint8_t status;                /* ACK */
};

/* K_c2d = HMAC(K, "owfs1 c2d"), K_d2c = HMAC(K, "owfs1 d2c"), dev_id = HMAC(K, "owfs1 id")[0..8).
 * The caller wipes K. */
void jc_fs_derive_keys(const uint8_t k[JC_FS_KEY_LEN], struct jc_fs_keys *out);

/* Rule 1 without dev_id and accepted types: length for the type, magic, version, flags, action
 * byte, zero pads. Returns 0 and fills out, or -1. */
int jc_fs_decode(const uint8_t *packet, size_t len, struct jc_fs_packet *out);

/* Constant-time check of the tag over every byte before it; len must be a packet length. */
int jc_fs_tag_ok(const uint8_t key[JC_FS_KEY_LEN], const uint8_t *packet, size_t len);

/* The packets the device sends; each returns its length. */
size_t jc_fs_encode_nonce(const struct jc_fs_keys *keys, const uint8_t client_nonce[JC_FS_NONCE_LEN],
                          const uint8_t server_nonce[JC_FS_NONCE_LEN], uint32_t ttl_ms, uint8_t out[JC_FS_MAX_PACKET]);
size_t jc_fs_encode_ack(const struct jc_fs_keys *keys, uint8_t action, const uint8_t server_nonce[JC_FS_NONCE_LEN],
                        uint8_t status, uint8_t out[JC_FS_MAX_PACKET]);

#endif
