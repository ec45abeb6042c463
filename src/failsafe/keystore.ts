// The device key in UCI (`config failsafe 'failsafe'` / `option key '<64 hex>'`): read it, create it
// (32 bytes from the kernel CSPRNG, /dev/urandom), write the file atomically. Edge: file I/O.
// Messages never contain key material.
import { closeSync, fsyncSync, openSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { JailctlError, isErrnoError } from '../errors.js';
import { KEY_LEN, deriveKeys } from './protocol.js';
import { findUciSection, parseUci, serializeUci, setUciOption, type UciDocument, type UciSection } from './uci.js';

export const DEFAULT_CONFIG = '/etc/config/system';
export const SECTION_TYPE = 'failsafe';
export const SECTION_NAME = 'failsafe';

const KEYGEN_HINT = (file: string) => `run \`jailctl failsafe keygen --config ${file}\` (add --rotate to replace a damaged key)`;

/** 64 hex characters -> 32 bytes; `where` names the source in the error (never the value). */
export function parseKeyHex(text: string, where: string, hint?: string): Buffer {
  const trimmed = text.trim();
  if (trimmed.length !== KEY_LEN * 2 || !/^[0-9a-fA-F]+$/.test(trimmed)) {
    const what = trimmed.length === 0 ? 'it is empty' : /^[0-9a-fA-F]*$/.test(trimmed) ? `got ${trimmed.length}` : 'it holds characters that are not hex digits';
    throw new JailctlError('FAILSAFE_KEY_INVALID', `${where}: the key must be ${KEY_LEN * 2} hex characters; ${what}`, hint === undefined ? {} : { hint });
  }
  return Buffer.from(trimmed, 'hex');
}

/** Reads and parses a UCI file; a missing file is `undefined`. */
export function readUciFile(path: string): UciDocument | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (isErrnoError(err) && err.code === 'ENOENT') return undefined;
    throw ioError(`cannot read ${path}`, err, path);
  }
  return parseUci(text, path);
}

export function failsafeSection(doc: UciDocument | undefined): UciSection | undefined {
  return doc === undefined ? undefined : findUciSection(doc, SECTION_TYPE, SECTION_NAME);
}

/** The device key from the failsafe section of `doc` (read from `file`). */
export function keyFromConfig(doc: UciDocument | undefined, file: string): Buffer {
  const option = failsafeSection(doc)?.options.get('key');
  if (option === undefined) {
    throw new JailctlError('FAILSAFE_KEY_MISSING', `${file}: no failsafe key (config ${SECTION_TYPE} '${SECTION_NAME}', option key)`, { path: file, hint: KEYGEN_HINT(file) });
  }
  return parseKeyHex(option.value, `${file}:${option.line}: option key`, KEYGEN_HINT(file));
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
    let text: string;
    try {
      text = readFileSync(source.keyFile, 'utf8');
    } catch (err) {
      throw ioError(`--key-file ${source.keyFile}: cannot read the file`, err, source.keyFile);
    }
    return parseKeyHex(text, `--key-file ${source.keyFile}`);
  }
  const file = source.config!;
  const doc = readUciFile(file);
  if (doc === undefined) throw new JailctlError('PATH_MISSING', `--config ${file}: no such file`, { path: file });
  return keyFromConfig(doc, file);
}

export interface KeygenResult {
  devId: Buffer;
  replaced: boolean;
}

/**
 * Creates the key (32 bytes from /dev/urandom) and writes it into `file` atomically. Refuses to
 * replace an existing key, even a malformed one, unless `rotate`.
 */
export function generateKey(file: string, rotate: boolean): KeygenResult {
  const doc = readUciFile(file) ?? parseUci('', file);
  const existing = failsafeSection(doc)?.options.get('key');
  if (existing !== undefined && !rotate) {
    throw new JailctlError('FAILSAFE_KEY_EXISTS', `${file}:${existing.line}: a failsafe key already exists; not overwriting it`, {
      path: file,
      hint: 'add --rotate to replace it (admins holding the old key will need the new one)',
    });
  }
  const key = readKernelRandom(KEY_LEN);
  try {
    const updated = setUciOption(doc, SECTION_TYPE, SECTION_NAME, 'key', key.toString('hex'));
    writeFileAtomic(file, serializeUci(updated));
    return { devId: deriveKeys(key).devId, replaced: existing !== undefined };
  } finally {
    key.fill(0);
  }
}

function readKernelRandom(size: number): Buffer {
  const out = Buffer.alloc(size);
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

/** Temp file in the same directory, fsync, rename over the target, fsync the directory. */
export function writeFileAtomic(path: string, text: string): void {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.jailctl-${process.pid}`);
  let mode = 0o600;
  try {
    mode = statSync(path).mode & 0o7777;
  } catch (err) {
    if (!(isErrnoError(err) && err.code === 'ENOENT')) throw ioError(`cannot stat ${path}`, err, path);
  }
  try {
    const fd = openSync(temp, 'wx', mode);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      // documented fallback: the temp file may not exist (open failed); nothing else to undo
    }
    throw ioError(`cannot write ${path}`, err, path);
  }
  syncDirectory(dir);
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
