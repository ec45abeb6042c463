// The device key kept out of JavaScript strings, which cannot be zeroed: a UCI file is handled as
// bytes, and the value of every `option key` line holding 64 hex digits is moved into a Buffer of
// its own (a placeholder takes its place) before the bytes become text; writing puts the digits
// back. Pure: bytes in, bytes out. Callers zero the Buffers when done (wipeSecrets); every
// Buffer holding key material comes from secretBytes, so that zeroing it really erases it.
import { KEY_LEN } from './protocol.js';
import { parseUci, type UciDocument, type UciLine } from './uci.js';

const HEX_LEN = KEY_LEN * 2;
/** Stands for a masked key in the text; not hex, so it can never be read as a key by mistake. */
export const KEY_PLACEHOLDER = 'x'.repeat(HEX_LEN);
const PLACEHOLDER_BYTE = 0x78;
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

export interface MaskedUci {
  /** the file's document, every masked value reading KEY_PLACEHOLDER */
  doc: UciDocument;
  /** the 64 hex digits (ASCII bytes) of each masked line */
  secrets: Map<UciLine, Buffer>;
}

/**
 * A zeroed Buffer whose bytes V8 never moves: typed arrays of up to 64 bytes created by length
 * live on the garbage-collected heap, and the collector copies them, leaving the old copy in
 * memory where fill(0) cannot reach it. An explicit ArrayBuffer's store is allocated outside.
 */
export function secretBytes(size: number): Buffer {
  return Buffer.from(new ArrayBuffer(size));
}

/** 0-15 for an ASCII hex digit, -1 for anything else. */
function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

export function isHexDigits(bytes: Uint8Array): boolean {
  return bytes.every((b) => hexValue(b) >= 0);
}

/** ASCII hex digits -> bytes, or undefined if any is not a hex digit (no string in between). */
export function decodeHexBytes(hex: Uint8Array): Buffer | undefined {
  if (hex.length % 2 !== 0) return undefined;
  const out = secretBytes(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const high = hexValue(hex[2 * i]);
    const low = hexValue(hex[2 * i + 1]);
    if (high < 0 || low < 0) {
      out.fill(0);
      return undefined;
    }
    out[i] = (high << 4) | low;
  }
  return out;
}

/** Bytes -> lowercase ASCII hex digits, as a Buffer. */
export function encodeHexBytes(bytes: Uint8Array): Buffer {
  const out = secretBytes(bytes.length * 2);
  bytes.forEach((b, i) => {
    out[2 * i] = HEX_DIGITS[b >> 4]!;
    out[2 * i + 1] = HEX_DIGITS[b & 0x0f]!;
  });
  return out;
}

const isBlank = (b: number | undefined) => b === 0x20 || b === 0x09 || b === 0x0d;

/** Where the 64 hex digits of an `option key` line (bare or quoted, then blanks or a comment) start; -1 if the line is not one. */
function keyValueAt(bytes: Buffer, start: number, end: number): number {
  let i = start;
  const blanks = () => {
    const from = i;
    while (i < end && isBlank(bytes[i])) i++;
    return i > from;
  };
  const word = (text: string) => {
    for (let k = 0; k < text.length; k++) if (bytes[i + k] !== text.charCodeAt(k)) return false;
    i += text.length;
    return true;
  };
  blanks();
  if (!word('option') || !blanks() || !word('key') || !blanks()) return -1;
  const quote = bytes[i] === 0x27 || bytes[i] === 0x22 ? bytes[i] : undefined;
  if (quote !== undefined) i++;
  const at = i;
  for (; i < at + HEX_LEN; i++) if (i >= end || hexValue(bytes[i]) < 0) return -1;
  if (quote !== undefined && bytes[i++] !== quote) return -1;
  if (i < end && !blanks()) return -1;
  return i >= end || bytes[i] === 0x23 ? at : -1;
}

/**
 * Masks every key value in `bytes` (in place), then parses the text. The caller zeroes `bytes`
 * afterwards; the returned secrets are copies.
 */
export function parseMaskedUci(bytes: Buffer, file: string): MaskedUci {
  const byIndex = new Map<number, Buffer>();
  for (let start = 0, index = 0; start <= bytes.length; index++) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline < 0 ? bytes.length : newline;
    const at = keyValueAt(bytes, start, end);
    if (at >= 0) {
      const hex = secretBytes(HEX_LEN);
      bytes.copy(hex, 0, at, at + HEX_LEN);
      bytes.fill(PLACEHOLDER_BYTE, at, at + HEX_LEN);
      byIndex.set(index, hex);
    }
    start = end + 1;
  }
  const doc = parseUci(bytes.toString('utf8'), file);
  const secrets = new Map<UciLine, Buffer>();
  for (const [index, hex] of byIndex) {
    const line = doc.lines[index];
    if (line !== undefined) secrets.set(line, hex);
    else hex.fill(0);
  }
  return { doc, secrets };
}

/** The document as bytes, each line in `secrets` with its digits in place of the placeholder. */
export function serializeMaskedUci(doc: UciDocument, secrets: ReadonlyMap<UciLine, Buffer>): Buffer {
  const eol = Buffer.from(doc.eol, 'latin1');
  const parts: Buffer[] = [];
  doc.lines.forEach((line, i) => {
    const bytes = Buffer.from(line.text, 'utf8');
    const secret = secrets.get(line);
    const at = secret === undefined ? -1 : bytes.indexOf(KEY_PLACEHOLDER);
    if (at >= 0) secret!.copy(bytes, at);
    parts.push(bytes);
    if (i < doc.lines.length - 1 || doc.finalEol) parts.push(eol);
  });
  const out = Buffer.concat(parts);
  for (const part of parts) part.fill(0);
  return out;
}

/** Zeroes every masked value. */
export function wipeSecrets(masked: MaskedUci | undefined): void {
  for (const hex of masked?.secrets.values() ?? []) hex.fill(0);
}
