// Byte strings that are not UTF-8 (a file name in Latin-1, an argument with a stray byte) must
// reach the jail unchanged, but JavaScript strings hold text. Like Python's "surrogateescape",
// each byte that is not part of valid UTF-8 is carried as the lone surrogate U+DC80+byte (valid
// UTF-8 never yields a lone surrogate, so the mapping is reversible), and turned back into its
// byte wherever a string leaves jailctl: the plan for the launcher, file system calls, messages.
// Pure, except restoreRawArgv, which reads /proc/self/cmdline.
import { readFileSync } from 'node:fs';

const ESCAPE_BASE = 0xdc00;

/** Bytes -> string; invalid UTF-8 bytes become U+DC80..U+DCFF. */
export function decodeRaw(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const length = sequenceLength(bytes, i);
    if (length === 0) {
      out += String.fromCharCode(ESCAPE_BASE + bytes[i]!);
      i++;
      continue;
    }
    out += Buffer.from(bytes.buffer, bytes.byteOffset + i, length).toString('utf8');
    i += length;
  }
  return out;
}

/** The length of the valid UTF-8 sequence at `i` (RFC 3629: no overlongs, no surrogates, at most
 * U+10FFFF), or 0 if the byte there starts none. */
function sequenceLength(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number): boolean => i + k < b.length && (b[i + k]! & 0xc0) === 0x80;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const c1 = b[i + 1]!;
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 >= 0xa0)) return 0; // overlong, surrogate
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const c1 = b[i + 1]!;
    if ((c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 >= 0x90)) return 0; // overlong, > U+10FFFF
    return 4;
  }
  return 0;
}

/** Any U+DC80..U+DCFF: found natively, as nearly no path has one (a trace's mount list asks
 * for thousands) */
const ESCAPE_RANGE = /[\udc80-\udcff]/;

/** Whether `text` carries escaped bytes. */
export function hasRawBytes(text: string): boolean {
  if (!ESCAPE_RANGE.test(text)) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff && !(i > 0 && isHighSurrogate(text.charCodeAt(i - 1)))) return true;
  }
  return false;
}

const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;

/** String -> bytes: UTF-8, with each escaped byte restored. */
export function encodeRaw(text: string): Uint8Array {
  if (!hasRawBytes(text)) return Buffer.from(text, 'utf8');
  const parts: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc80 || c > 0xdcff || (i > 0 && isHighSurrogate(text.charCodeAt(i - 1)))) continue;
    parts.push(Buffer.from(text.slice(start, i), 'utf8'), Uint8Array.of(c - ESCAPE_BASE));
    start = i + 1;
  }
  parts.push(Buffer.from(text.slice(start), 'utf8'));
  return Buffer.concat(parts);
}

/** A path for node:fs: the string itself, or its bytes when it carries escaped bytes (node:fs
 * would otherwise write U+FFFD in their place). */
export function fsPath(path: string): string | Buffer {
  return hasRawBytes(path) ? Buffer.from(encodeRaw(path)) : path;
}

/** Node decodes argv as UTF-8 and replaces invalid bytes with U+FFFD before any JavaScript
 * runs; when that happened, the arguments are read again from /proc/self/cmdline. */
export function restoreRawArgv(argv: string[] = process.argv): void {
  if (!argv.some((a) => a.includes('\ufffd'))) return;
  let raw: Buffer;
  try {
    raw = readFileSync('/proc/self/cmdline');
  } catch {
    return; // no /proc: the arguments stay as Node gave them
  }
  const fields = splitNul(raw);
  // cmdline holds node's own options too: the script's arguments are its last argv.length - 1
  if (fields.length < argv.length - 1) return;
  const tail = fields.slice(fields.length - (argv.length - 2)).map(decodeRaw);
  argv.splice(2, argv.length - 2, ...tail);
}

function splitNul(raw: Buffer): Uint8Array[] {
  const fields: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0) {
      fields.push(raw.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < raw.length) fields.push(raw.subarray(start));
  return fields;
}
