// The failsafe flag (FAILSAFE.md "Action FAILSAFE_REBOOT"): a 4096-byte region holding
// "FAILSAFE" x 512, set by the failsafe daemon (native/failsafe/flag.c). Consume = read,
// overwrite with zeros, read back; "set" only when the pattern matched AND the erase verified
// (fail closed). Edge: file I/O on the flag path only.
import { closeSync, fsyncSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { JailctlError, isErrnoError } from '../errors.js';
import { ioError } from './keystore.js';

export const FLAG_SIZE = 4096;
export const FLAG_PATTERN: Buffer = Buffer.from('FAILSAFE'.repeat(FLAG_SIZE / 8), 'ascii');
export const FLAG_MTD_NAME = 'failsafe-flag';

/** The /dev/mtdN of the partition named failsafe-flag in /proc/mtd text, or undefined. Pure. */
export function findFlagMtd(procMtd: string): string | undefined {
  for (const line of procMtd.split('\n')) {
    const m = /^(mtd\d+):\s+\S+\s+\S+\s+"([^"]*)"/.exec(line);
    if (m !== null && m[2] === FLAG_MTD_NAME) return `/dev/${m[1]}`;
  }
  return undefined;
}

/** --flag PATH, else the RAM-backed mtd named failsafe-flag. */
export function resolveFlagPath(explicit: string | undefined, procMtdPath = '/proc/mtd'): string {
  if (explicit !== undefined && explicit !== '') return explicit;
  let text = '';
  try {
    text = readFileSync(procMtdPath, 'utf8');
  } catch (err) {
    if (!(isErrnoError(err) && err.code === 'ENOENT')) throw ioError(`cannot read ${procMtdPath}`, err, procMtdPath);
  }
  const device = findFlagMtd(text);
  if (device === undefined) {
    throw new JailctlError('PATH_MISSING', `no failsafe flag: ${procMtdPath} lists no mtd partition named "${FLAG_MTD_NAME}"`, {
      hint: 'give --flag PATH (a file or device that survives a warm reboot), or set option flag in the failsafe section',
    });
  }
  return device;
}

/** Runs `body` with the flag opened read-write; errors name the flag and the failing call. */
function withFlag<T>(path: string, flags: string, step: string, body: (fd: number) => T): T {
  let fd: number;
  try {
    fd = openSync(path, flags, 0o600);
  } catch (err) {
    throw ioError(`failsafe flag ${path}: cannot open it for ${step}`, err, path);
  }
  try {
    return body(fd);
  } catch (err) {
    if (err instanceof JailctlError) throw err;
    throw ioError(`failsafe flag ${path}: ${step} failed`, err, path);
  } finally {
    closeSync(fd);
  }
}

/** fsync; character devices (mtd, mem) answer EINVAL: nothing to flush there. */
function syncFlag(fd: number): void {
  try {
    fsyncSync(fd);
  } catch (err) {
    if (!(isErrnoError(err) && err.code === 'EINVAL')) throw err;
  }
}

function readRegion(fd: number): Buffer {
  const buf = Buffer.alloc(FLAG_SIZE);
  let got = 0;
  while (got < FLAG_SIZE) {
    const n = readSync(fd, buf, got, FLAG_SIZE - got, got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

export type ConsumeOutcome = 'set' | 'not-set' | 'damaged' | 'erase-failed' | 'unreadable';

export interface ConsumeResult {
  outcome: ConsumeOutcome;
  /** one line for the log */
  message: string;
}

/** Reads, erases and verifies. Never throws: every failure is "not set" (normal boot). */
export function consumeFlag(path: string): ConsumeResult {
  let content: Buffer;
  try {
    content = withFlag(path, 'r', 'reading', readRegion);
  } catch (err) {
    if (err instanceof JailctlError && err.errno === 'ENOENT') return { outcome: 'not-set', message: `failsafe flag ${path}: does not exist; normal boot` };
    return { outcome: 'unreadable', message: `${(err as Error).message}; normal boot` };
  }
  const matched = content.equals(FLAG_PATTERN);
  const allZero = content.length === FLAG_SIZE && content.every((b) => b === 0);
  if (allZero) return { outcome: 'not-set', message: `failsafe flag ${path}: not set; normal boot` };
  try {
    withFlag(path, 'r+', 'erasing', (fd) => {
      const written = writeSync(fd, Buffer.alloc(FLAG_SIZE), 0, FLAG_SIZE, 0);
      const back = readRegion(fd);
      if (written !== FLAG_SIZE || back.length !== FLAG_SIZE || !back.every((b) => b === 0)) {
        throw new JailctlError('IO_FAILED', `failsafe flag ${path}: the erase did not read back as zeros`, { path });
      }
      syncFlag(fd);
    });
  } catch (err) {
    const was = matched ? 'set' : 'damaged';
    return { outcome: 'erase-failed', message: `${(err as Error).message} (flag was ${was}); normal boot` };
  }
  if (!matched) return { outcome: 'damaged', message: `failsafe flag ${path}: pattern damaged (${content.length} bytes read); erased; normal boot` };
  return { outcome: 'set', message: `failsafe flag ${path}: set; erased; entering failsafe` };
}
