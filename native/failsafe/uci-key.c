/* The failsafe key in UCI bytes (see uci-key.h). Words are split like uci does (src/failsafe/uci.ts
 * is the full reader): blanks separate, '#' starts a comment, 'single' and "double" quotes,
 * backslash escapes outside single quotes. Every buffer that held key digits is wiped. */
#include "uci-key.h"

#include <stdio.h>
#include <string.h>
#include "hmac-sha256.h"

#define MAX_WORDS 4
#define WORD_CAP 160 /* longer words are measured, not kept: they cannot be a key or a name */

struct word {
  char text[WORD_CAP];
  size_t len;          /* the full length, even beyond WORD_CAP */
};

struct line_words {
  struct word w[MAX_WORDS];
  unsigned n;          /* words seen, even beyond MAX_WORDS */
};

static int is_blank(uint8_t c) { return c == ' ' || c == '\t' || c == '\r'; }

static void put(struct word *w, uint8_t c) {
  if (w->len < WORD_CAP - 1) w->text[w->len] = (char)c;
  w->len++;
}

/* Splits one line; returns 0, or -1 with why set (unterminated quote, ';', trailing backslash). */
static int split_line(const uint8_t *s, size_t n, struct line_words *out, char *why, size_t why_len) {
  size_t i = 0;
  out->n = 0;
  while (i < n) {
    if (is_blank(s[i])) { i++; continue; }
    if (s[i] == '#') break;
    if (s[i] == ';') { snprintf(why, why_len, "';' between statements is not supported"); return -1; }
    struct word scratch, *w = out->n < MAX_WORDS ? &out->w[out->n] : &scratch;
    w->len = 0;
    while (i < n && !is_blank(s[i]) && s[i] != ';') {
      uint8_t c = s[i];
      if (c == '\'' || c == '"') {
        size_t j = i + 1;
        for (; j < n && s[j] != c; j++) {
          if (c == '"' && s[j] == '\\' && j + 1 < n) j++;
          put(w, s[j]);
        }
        if (j >= n) { snprintf(why, why_len, "unterminated quote"); return -1; }
        i = j + 1;
      } else if (c == '\\') {
        if (i + 1 >= n) { snprintf(why, why_len, "backslash at the end of the line"); return -1; }
        put(w, s[i + 1]);
        i += 2;
      } else {
        put(w, c);
        i++;
      }
    }
    if (w->len < WORD_CAP) w->text[w->len] = '\0';
    out->n++;
    if (w == &scratch) jc_wipe(&scratch, sizeof scratch);
  }
  return 0;
}

static int word_is(const struct word *w, const char *text) {
  return w->len == strlen(text) && w->len < WORD_CAP && memcmp(w->text, text, w->len) == 0;
}

static int hex_value(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  c |= 0x20;
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int is_space(uint8_t c) { return c == ' ' || (c >= 0x09 && c <= 0x0d); }

/* 64 hex digits (blanks around allowed) -> key; else the reason, as keystore.ts words it. */
static void decode_key(const struct word *w, unsigned line, struct jc_uci_key *out) {
  size_t start = 0, end = w->len < WORD_CAP ? w->len : WORD_CAP - 1;
  while (start < end && is_space((uint8_t)w->text[start])) start++;
  while (end > start && is_space((uint8_t)w->text[end - 1])) end--;
  size_t len = w->len < WORD_CAP ? end - start : w->len; /* a clipped word is long, whatever it holds */
  int all_hex = w->len < WORD_CAP;
  for (size_t i = start; i < end; i++) all_hex &= hex_value((uint8_t)w->text[i]) >= 0;
  out->line = line;
  if (len == 2 * JC_UCI_KEY_LEN && all_hex) {
    for (size_t i = 0; i < JC_UCI_KEY_LEN; i++)
      out->key[i] = (uint8_t)(hex_value((uint8_t)w->text[start + 2 * i]) << 4 | hex_value((uint8_t)w->text[start + 2 * i + 1]));
    out->status = JC_UCI_KEY_FOUND;
    return;
  }
  out->status = JC_UCI_KEY_INVALID;
  if (len == 0) snprintf(out->why, sizeof out->why, "it is empty");
  else if (all_hex) snprintf(out->why, sizeof out->why, "got %zu", len);
  else snprintf(out->why, sizeof out->why, "it holds characters that are not hex digits");
}

/* The two sections that may hold the key: the first `config failsafe 'failsafe'`, else the first
 * `config failsafe`; for each, its last `option key` (value and line). */
struct candidate {
  int exists;
  unsigned line;       /* 0: no option key */
  struct word value;
};

struct scan {
  int in_named, in_typed; /* the current section is that candidate */
  struct candidate named, typed;
};

static void on_config(struct scan *s, const struct line_words *lw) {
  int typed = lw->n >= 2 && word_is(&lw->w[1], "failsafe");
  int named = typed && lw->n >= 3 && word_is(&lw->w[2], "failsafe");
  s->in_named = named && !s->named.exists;
  s->in_typed = typed && !s->typed.exists;
  if (s->in_named) s->named.exists = 1;
  if (s->in_typed) s->typed.exists = 1;
}

static void on_option_key(struct scan *s, const struct line_words *lw, unsigned line) {
  struct candidate *c[2] = {s->in_named ? &s->named : NULL, s->in_typed ? &s->typed : NULL};
  for (int i = 0; i < 2; i++)
    if (c[i]) { c[i]->value = lw->w[2]; c[i]->line = line; }
}

static void syntax(struct jc_uci_key *out, unsigned line, const char *why) {
  out->status = JC_UCI_KEY_SYNTAX;
  out->line = line;
  snprintf(out->why, sizeof out->why, "%s", why);
}

/* One statement; returns -1 after a syntax error. */
static int on_line(struct scan *s, const uint8_t *text, size_t n, unsigned line, struct jc_uci_key *out) {
  struct line_words lw;
  char why[64];
  int rc = 0;
  if (split_line(text, n, &lw, why, sizeof why) < 0) {
    syntax(out, line, why); /* uci itself refuses the whole file */
    rc = -1;
  } else if (lw.n >= 1 && word_is(&lw.w[0], "package")) {
    s->in_named = s->in_typed = 0;
  } else if (lw.n >= 1 && word_is(&lw.w[0], "config")) {
    on_config(s, &lw);
  } else if (lw.n >= 2 && word_is(&lw.w[0], "option") && word_is(&lw.w[1], "key")) {
    if (lw.n != 3) { syntax(out, line, "expected \"option NAME 'VALUE'\""); rc = -1; }
    else on_option_key(s, &lw, line);
  }
  jc_wipe(&lw, sizeof lw);
  return rc;
}

void jc_uci_find_key(const uint8_t *text, size_t len, struct jc_uci_key *out) {
  struct scan s;
  memset(&s, 0, sizeof s);
  memset(out, 0, sizeof *out);
  out->status = JC_UCI_KEY_MISSING;
  unsigned line = 1;
  for (size_t start = 0; start <= len; line++) {
    const uint8_t *nl = memchr(text + start, '\n', len - start);
    size_t end = nl ? (size_t)(nl - text) : len;
    if (on_line(&s, text + start, end - start, line, out) < 0) { jc_wipe(&s, sizeof s); return; }
    start = end + 1;
  }
  const struct candidate *chosen = s.named.exists ? &s.named : s.typed.exists ? &s.typed : NULL;
  if (chosen && chosen->line > 0) decode_key(&chosen->value, chosen->line, out);
  jc_wipe(&s, sizeof s);
}
