/* Finds the device key in the bytes of a UCI file: `option key` of the section
 * `config failsafe 'failsafe'` (else of the first section of type failsafe; the last such option
 * wins, as in uci), 64 hex digits, bare or quoted. Pure: the caller reads the file and wipes it.
 * Reads only what it needs: keygen and `jailctl failsafe listen` check the whole file. */
#ifndef JC_FS_UCI_KEY_H
#define JC_FS_UCI_KEY_H

#include <stddef.h>
#include <stdint.h>

#define JC_UCI_KEY_LEN 32

enum jc_uci_key_status {
  JC_UCI_KEY_FOUND = 0,
  JC_UCI_KEY_MISSING,  /* no failsafe section, or no option key in it */
  JC_UCI_KEY_INVALID,  /* at line: not 64 hex digits (why says how, never quoting the value) */
  JC_UCI_KEY_SYNTAX,   /* at line: a statement uci cannot read (why says which) */
};

struct jc_uci_key {
  enum jc_uci_key_status status;
  unsigned line;       /* 1-based, for INVALID and SYNTAX */
  char why[64];
  uint8_t key[JC_UCI_KEY_LEN];
};

/* Fills out; out->key holds the key only when FOUND. The caller wipes out->key. */
void jc_uci_find_key(const uint8_t *text, size_t len, struct jc_uci_key *out);

#endif
