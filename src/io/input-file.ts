// The one reader of files jailctl takes as input (edge): profiles, specs, capability files, UCI
// packages, key files, stats, state files. Only a regular file is read, and at most its kind's
// limit (input-limits.ts): a FIFO would block forever, /dev/zero would grow without end, and
// opening some devices acts on the hardware (a watchdog starts counting). The path is first
// opened O_PATH, which opens nothing for real, and checked with fstat(2) on that descriptor; only
// a regular file is then opened for reading, through the same descriptor, so a path swapped
// meanwhile cannot slip a device in. Symlinks are followed (a profile or /etc/config/system may
// well be one) unless the caller reads files it wrote itself.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { JailctlError, isErrnoError } from '../errors.js';
import { formatSize, type InputLimit } from './input-limits.js';
import { fsPath } from './raw-bytes.js';

/** <fcntl.h> O_PATH on every architecture jailctl supports (alpha, parisc, sparc differ). */
const O_PATH = 0o10000000;
const READ_FLAGS = constants.O_RDONLY | constants.O_NOCTTY | constants.O_NONBLOCK;
/** first read buffer when st_size says nothing (/proc files are regular files of size 0) */
const UNKNOWN_SIZE_START = 64 * 1024;

export interface InputOptions {
  /** refuse a symlink as the last component: for files only jailctl writes (state, records) */
  noFollow?: boolean;
  /** key material: buffers outside V8's moving heap, and every intermediate copy zeroed */
  secret?: boolean;
}

function label(path: string, what: string): string {
  return what === '' ? path : `${what} ${path}`;
}

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  if (s.isSymbolicLink()) return 'a symbolic link';
  return 'not a file';
}

function notRegular(path: string, what: string, s: Stats): JailctlError {
  return new JailctlError('INPUT_NOT_REGULAR', `${label(path, what)}: not a regular file (${kindOf(s)})`, {
    path,
    hint: 'give a regular file: jailctl reads no FIFO, device, socket or directory as input',
  });
}

function tooLarge(path: string, what: string, limit: InputLimit, size: number | undefined): JailctlError {
  const actual = size === undefined ? `more than ${formatSize(limit.maxBytes)}` : `${size} bytes`;
  return new JailctlError('INPUT_TOO_LARGE', `${label(path, what)}: too large (${actual}; ${limit.noun} may be at most ${formatSize(limit.maxBytes)})`, {
    path,
    hint: 'check that this is the file you meant',
  });
}

/**
 * A descriptor open for reading on the regular file at `path`, and its size. Errors of the
 * system calls are thrown as they come (ENOENT, EACCES, ELOOP ...); a file that is not regular
 * or is over `limit` throws INPUT_NOT_REGULAR or INPUT_TOO_LARGE naming `what` and the path.
 */
export function openRegularFile(path: string, what: string, limit: InputLimit, options: InputOptions = {}): { fd: number; size: number } {
  const raw = fsPath(path);
  const probe = openSync(raw, O_PATH | (options.noFollow ? constants.O_NOFOLLOW : 0));
  try {
    const st = fstatSync(probe);
    if (!st.isFile()) throw notRegular(path, what, st);
    if (st.size > limit.maxBytes) throw tooLarge(path, what, limit, st.size);
    return { fd: reopenForReading(probe, raw, st, path, what, options), size: st.size };
  } finally {
    closeSync(probe);
  }
}

function reopenForReading(probe: number, raw: string | Buffer, st: Stats, path: string, what: string, options: InputOptions): number {
  try {
    return openSync(`/proc/self/fd/${probe}`, READ_FLAGS);
  } catch (err) {
    if (!(isSystemError(err) && err.code === 'ENOENT')) throw err;
    // documented fallback: without /proc, open the path again and make sure it is the same file
  }
  const fd = openSync(raw, READ_FLAGS | (options.noFollow ? constants.O_NOFOLLOW : 0));
  const again = fstatSync(fd);
  if (again.isFile() && again.dev === st.dev && again.ino === st.ino) return fd;
  closeSync(fd);
  throw notRegular(path, what, again);
}

/** Reads the whole file; errno errors thrown as they come, see openRegularFile. */
export function readRegularFile(path: string, what: string, limit: InputLimit, options: InputOptions = {}): Buffer {
  const { fd, size } = openRegularFile(path, what, limit, options);
  try {
    return readToEnd(fd, size, path, what, limit, options.secret === true);
  } finally {
    closeSync(fd);
  }
}

function readToEnd(fd: number, size: number, path: string, what: string, limit: InputLimit, secret: boolean): Buffer {
  // a secret's buffer comes from an ArrayBuffer of its own: V8 never moves (and so copies) it
  const alloc = (n: number): Buffer => (secret ? Buffer.from(new ArrayBuffer(n)) : Buffer.alloc(n));
  // one byte more than expected, to see the end of the file (or that it grew) without a second buffer
  let buf = alloc(Math.min(limit.maxBytes + 1, size > 0 ? size + 1 : UNKNOWN_SIZE_START));
  let got = 0;
  try {
    for (;;) {
      if (got === buf.length) {
        if (got > limit.maxBytes) throw tooLarge(path, what, limit, undefined);
        const bigger = alloc(Math.min(limit.maxBytes + 1, buf.length * 2));
        buf.copy(bigger, 0, 0, got);
        if (secret) buf.fill(0);
        buf = bigger;
      }
      const n = readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) return buf.subarray(0, got);
      got += n;
    }
  } catch (err) {
    if (secret) buf.fill(0);
    throw err;
  }
}

/** A system call's error (JailctlErrors have string codes too). */
function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return isErrnoError(err) && !(err instanceof JailctlError);
}

function unreadable(path: string, what: string, err: unknown): unknown {
  if (!isSystemError(err)) return err;
  return new JailctlError('INPUT_UNREADABLE', `${label(path, what)}: cannot read the file (${err.code})`, {
    path,
    cause: err,
    ...(err.code === undefined ? {} : { errno: err.code }),
    ...(err.syscall === undefined ? {} : { syscall: err.syscall }),
    hint: 'check the path and its permissions',
  });
}

/**
 * The file's bytes. Every failure is a JailctlError whose message starts with `what` and the
 * path: "--seccomp /tmp/f: not a regular file (a FIFO)", "...: cannot read the file (ENOENT)".
 */
export function readInputFile(path: string, what: string, limit: InputLimit, options: InputOptions = {}): Buffer {
  try {
    return readRegularFile(path, what, limit, options);
  } catch (err) {
    throw unreadable(path, what, err);
  }
}

/** As readInputFile, but a path that does not exist (ENOENT, ENOTDIR) is undefined. */
export function readInputFileIfExists(path: string, what: string, limit: InputLimit, options: InputOptions = {}): Buffer | undefined {
  try {
    return readRegularFile(path, what, limit, options);
  } catch (err) {
    if (isSystemError(err) && (err.code === 'ENOENT' || err.code === 'ENOTDIR')) return undefined;
    throw unreadable(path, what, err);
  }
}

export function readInputText(path: string, what: string, limit: InputLimit, options: InputOptions = {}): string {
  return readInputFile(path, what, limit, options).toString('utf8');
}

export function readInputTextIfExists(path: string, what: string, limit: InputLimit, options: InputOptions = {}): string | undefined {
  return readInputFileIfExists(path, what, limit, options)?.toString('utf8');
}
