// The device key in UCI (`config failsafe 'failsafe'` / `option key '<64 hex>'`): read it, create it
// (32 bytes from the kernel CSPRNG, /dev/urandom), write the file atomically. Edge: file I/O.
// Key material never becomes a JavaScript string (strings cannot be zeroed): files are read and
// written as bytes through secret-uci.ts, and every copy is zeroed after use. Messages never
// contain key material.
import { closeSync, fsyncSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { JailctlError, isErrnoError } from '../errors.js';
import { readInputFile, readInputFileIfExists } from '../io/input-file.js';
import { INPUT_LIMITS } from '../io/input-limits.js';
import { writeFileAtomic } from '../io/write-atomic.js';
import { KEY_LEN, deriveKeys, wipeKeys } from './protocol.js';
import { KEY_PLACEHOLDER, decodeHexBytes, encodeHexBytes, isHexDigits, parseMaskedUci, secretBytes, serializeMaskedUci, wipeSecrets, type MaskedUci } from './secret-uci.js';
import { findUciSection, parseUci, setUciOption, type UciDocument, type UciSection } from './uci.js';

export const DEFAULT_CONFIG = '/etc/config/system';
export const SECTION_TYPE = 'failsafe';
export const SECTION_NAME = 'failsafe';

const KEYGEN_HINT = (file: string) => `run \`jailctl failsafe keygen --config ${file}\` (add --rotate to replace a damaged key)`;

/** 64 hex characters -> 32 bytes (for --key, which arrives as a string); errors as parseKeyDigits. */
export function parseKeyHex(text: string, where: string, hint?: string): Buffer {
  const digits = Buffer.from(text, 'latin1');
  try {
    return parseKeyDigits(digits, where, hint);
  } finally {
    digits.fill(0);
  }
}

const isSpace = (b: number | undefined) => b === 0x20 || (b !== undefined && b >= 0x09 && b <= 0x0d);

/** 64 ASCII hex digits, blanks around them allowed -> 32 bytes; `where` names the source in the error (never the value). */
export function parseKeyDigits(digits: Uint8Array, where: string, hint?: string): Buffer {
  let start = 0;
  let end = digits.length;
  while (start < end && isSpace(digits[start])) start++;
  while (end > start && isSpace(digits[end - 1])) end--;
  const trimmed = digits.subarray(start, end);
  const key = trimmed.length === KEY_LEN * 2 ? decodeHexBytes(trimmed) : undefined;
  if (key !== undefined) return key;
  const what = trimmed.length === 0 ? 'it is empty' : isHexDigits(trimmed) ? `got ${trimmed.length}` : 'it holds characters that are not hex digits';
  throw new JailctlError('FAILSAFE_KEY_INVALID', `${where}: the key must be ${KEY_LEN * 2} hex characters; ${what}`, hint === undefined ? {} : { hint });
}

/**
 * Reads and parses a UCI file with every key value masked (secret-uci.ts); a missing file is
 * `undefined`. `what` names the option in messages. The caller zeroes the secrets with wipeSecrets.
 */
export function readUciFile(path: string, what = '--config'): MaskedUci | undefined {
  const bytes = readInputFileIfExists(path, what, INPUT_LIMITS.uci, { secret: true });
  if (bytes === undefined) return undefined;
  try {
    return parseMaskedUci(bytes, path);
  } finally {
    bytes.fill(0);
  }
}

export function failsafeSection(doc: UciDocument | undefined): UciSection | undefined {
  return doc === undefined ? undefined : findUciSection(doc, SECTION_TYPE, SECTION_NAME);
}

/** The device key from the failsafe section of the file read as `masked`; the caller zeroes it. */
export function keyFromConfig(masked: MaskedUci | undefined, file: string): Buffer {
  const option = failsafeSection(masked?.doc)?.options.get('key');
  if (masked === undefined || option === undefined) {
    throw new JailctlError('FAILSAFE_KEY_MISSING', `${file}: no failsafe key (config ${SECTION_TYPE} '${SECTION_NAME}', option key)`, { path: file, hint: KEYGEN_HINT(file) });
  }
  const where = `${file}:${option.line}: option key`;
  const digits = masked.secrets.get(masked.doc.lines[option.line - 1]!);
  // a value that was not masked is not 64 plain hex digits: parsing it only builds the error
  return digits === undefined ? parseKeyHex(option.value, where, KEYGEN_HINT(file)) : parseKeyDigits(digits, where, KEYGEN_HINT(file));
}

export interface KeySource {
  key?: string;
  keyFile?: string;
  config?: string;
}

/** The admin's key: --key HEX, --key-file F (64 hex) or --config F (UCI); exactly one. */
export function readClientKey(source: KeySource): Buffer {
  const given = [source.key, source.keyFile, source.config].filter((v) => v !== undefined).length;
  if (given !== 1) throw new JailctlError('USAGE', 'give the device key with exactly one of --key HEX, --key-file FILE or --config FILE');
  if (source.key !== undefined) return parseKeyHex(source.key, '--key');
  if (source.keyFile !== undefined) {
    const digits = readInputFile(source.keyFile, '--key-file', INPUT_LIMITS.key, { secret: true });
    try {
      return parseKeyDigits(digits, `--key-file ${source.keyFile}`);
    } finally {
      digits.fill(0);
    }
  }
  const file = source.config!;
  const masked = readUciFile(file);
  if (masked === undefined) throw new JailctlError('PATH_MISSING', `--config ${file}: no such file`, { path: file });
  try {
    return keyFromConfig(masked, file);
  } finally {
    wipeSecrets(masked);
  }
}

export interface KeygenResult {
  devId: Buffer;
  replaced: boolean;
}

/**
 * Creates the key (32 bytes from /dev/urandom) and writes it into `file` atomically. Refuses to
 * replace an existing key, even a malformed one, unless `rotate`. Other lines, other sections'
 * `option key` values included, are written back byte for byte.
 */
export function generateKey(file: string, rotate: boolean): KeygenResult {
  const masked = readUciFile(file) ?? { doc: parseUci('', file), secrets: new Map() };
  try {
    const existing = failsafeSection(masked.doc)?.options.get('key');
    if (existing !== undefined && !rotate) {
      throw new JailctlError('FAILSAFE_KEY_EXISTS', `${file}:${existing.line}: a failsafe key already exists; not overwriting it`, {
        path: file,
        hint: 'add --rotate to replace it (admins holding the old key will need the new one)',
      });
    }
    return { devId: writeNewKey(file, masked), replaced: existing !== undefined };
  } finally {
    wipeSecrets(masked);
  }
}

/** Writes a fresh key into the failsafe section; returns its dev_id. Every copy is zeroed. */
function writeNewKey(file: string, masked: MaskedUci): Buffer {
  const key = readKernelRandom(KEY_LEN);
  const digits = encodeHexBytes(key);
  let bytes: Buffer | undefined;
  try {
    const doc = setUciOption(masked.doc, SECTION_TYPE, SECTION_NAME, 'key', KEY_PLACEHOLDER);
    const line = doc.lines[failsafeSection(doc)!.options.get('key')!.line - 1]!;
    bytes = serializeMaskedUci(doc, new Map([...masked.secrets, [line, digits]]));
    writeUciBytes(file, bytes);
    const keys = deriveKeys(key);
    wipeKeys(keys);
    return keys.devId;
  } finally {
    key.fill(0);
    digits.fill(0);
    bytes?.fill(0);
  }
}

function readKernelRandom(size: number): Buffer {
  const out = secretBytes(size);
  let fd: number | undefined;
  try {
    fd = openSync('/dev/urandom', 'r');
    let got = 0;
    while (got < size) got += readSync(fd, out, got, size - got, null);
    return out;
  } catch (err) {
    throw ioError('cannot read the kernel random source /dev/urandom', err, '/dev/urandom');
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Atomic write keeping the file's mode (a new file is 0600: it holds the key), then the directory is synced. */
function writeUciBytes(path: string, bytes: Uint8Array): void {
  let mode = 0o600;
  try {
    mode = statSync(path).mode & 0o7777;
  } catch (err) {
    if (!(isErrnoError(err) && err.code === 'ENOENT')) throw ioError(`cannot stat ${path}`, err, path);
  }
  writeFileAtomic(path, bytes, mode);
  syncDirectory(dirname(path));
}

function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // documented fallback: some filesystems refuse fsync on a directory; the rename is done
  }
}

export function ioError(what: string, err: unknown, path: string): JailctlError {
  const code = isErrnoError(err) ? err.code : undefined;
  const why = isErrnoError(err) ? ` (${err.code}: ${err.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')})` : '';
  return new JailctlError('IO_FAILED', `${what}${why}`, { path, cause: err, ...(code === undefined ? {} : { errno: code }) });
}
