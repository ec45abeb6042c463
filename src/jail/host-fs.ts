// The real HostFacts, over synchronous node:fs (edge). ENOENT, ENOTDIR and EACCES read as
// "absent"; any other failure is a JailctlError IO_FAILED naming the path and the syscall.
// Files are read through src/io/input-file.ts: a FIFO or device is never opened for reading.
import { closeSync, lstatSync, readdirSync, readlinkSync, readSync, statSync, type Stats } from 'node:fs';
import { JailctlError, isErrnoError } from '../errors.js';
import { openRegularFile, readInputTextIfExists, readRegularFile } from '../io/input-file.js';
import { INPUT_LIMITS } from '../io/input-limits.js';
import { decodeRaw, fsPath } from '../io/raw-bytes.js';
import { archFromNode } from '../profile/host-arch.js';
import type { FileInfo, FileKind, HostFacts } from './host.js';

const ABSENT = new Set(['ENOENT', 'ENOTDIR', 'EACCES']);

/** Node arches that have no seccomp support here still have a kernel name for library paths. */
const OTHER_ARCHES: Readonly<Record<string, string>> = { s390: 's390', s390x: 's390x', loong64: 'loongarch64' };

/** The kernel's name for the arch Node runs on (x64 -> x86_64, arm64 -> aarch64, ia32 -> i386 ...). */
export function kernelArch(nodeArch: string = process.arch): string {
  if (Object.hasOwn(OTHER_ARCHES, nodeArch)) return OTHER_ARCHES[nodeArch]!;
  try {
    return archFromNode(nodeArch);
  } catch (err) {
    // documented fallback: an arch unknown to profile/arch.ts keeps Node's name rather than
    // making every planner fail; only $PLATFORM expansion reads it
    if (err instanceof JailctlError && err.code === 'ARCH_UNKNOWN') return nodeArch;
    throw err;
  }
}

/**
 * Runs `read`; errno values in `absent` (plus ENOENT, ENOTDIR, EACCES) give undefined, any
 * other failure becomes IO_FAILED with the syscall and errno.
 */
function absentOr<T>(path: string, read: () => T, absent: readonly string[] = []): T | undefined {
  try {
    return read();
  } catch (err) {
    if (err instanceof JailctlError) throw err;
    if (isErrnoError(err) && (ABSENT.has(err.code!) || absent.includes(err.code!))) return undefined;
    const syscall = isErrnoError(err) ? err.syscall : undefined;
    const errno = isErrnoError(err) ? err.code : undefined;
    throw new JailctlError('IO_FAILED', `cannot read ${path}: ${syscall ?? 'fs'}(2): ${errno ?? String(err)}`, {
      path,
      ...(syscall === undefined ? {} : { syscall }),
      ...(errno === undefined ? {} : { errno }),
      cause: err,
      hint: 'check the path and its permissions on the host',
    });
  }
}

const NO_THROW_IF_MISSING = { throwIfNoEntry: false } as const;

/** lstat(2) of `local` (where `path` is); errors as absentOr says. */
function lstatInfo(path: string, local: string): FileInfo | undefined {
  let s: Stats | undefined;
  try {
    // a missing path is common (PATH searches, probes): no exception for it
    s = lstatSync(fsPath(local), NO_THROW_IF_MISSING);
  } catch (err) {
    return absentOr(path, () => { throw err; });
  }
  return s === undefined ? undefined : { kind: kindOf(s), mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, size: s.size };
}

function kindOf(s: Stats): FileKind {
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'dir';
  if (s.isSymbolicLink()) return 'symlink';
  if (s.isCharacterDevice()) return 'char';
  if (s.isBlockDevice()) return 'block';
  if (s.isFIFO()) return 'fifo';
  return 'socket';
}

function readRangeSync(path: string, offset: number, length: number): Uint8Array | undefined {
  let fd: number;
  try {
    // an ELF header, a "#!" line: only a regular file has them, at any size
    fd = openRegularFile(path, '', { maxBytes: Number.MAX_SAFE_INTEGER, noun: 'a file' }).fd;
  } catch (err) {
    if (err instanceof JailctlError && err.code === 'INPUT_NOT_REGULAR') return undefined;
    throw err;
  }
  try {
    const buffer = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buffer, got, length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return buffer.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** A host file the planners read on their own (/etc/passwd, ld.so.conf, /proc/self/mounts). */
function readHostText(path: string): string | undefined {
  return absentOr(path, () => {
    try {
      return readRegularFile(path, '', INPUT_LIMITS.host).toString('utf8');
    } catch (err) {
      // as before: a directory reads as absent; a FIFO or device is an error naming the path
      if (err instanceof JailctlError && err.code === 'INPUT_NOT_REGULAR' && isDirectory(path)) return undefined;
      throw err;
    }
  });
}

function isDirectory(path: string): boolean {
  return statSync(fsPath(path), { throwIfNoEntry: false })?.isDirectory() === true;
}

/** Entry names, sorted. Node decodes them as UTF-8 in C++; only a directory holding a name that
 * is not UTF-8 (decoded as U+FFFD) is read again as bytes, for decodeRaw's escapes. */
function readDirNames(local: string): string[] {
  const raw = fsPath(local);
  const names = readdirSync(raw);
  if (names.some((name) => name.includes('\uFFFD'))) return readdirSync(raw, { encoding: 'buffer' }).map(decodeRaw).sort();
  return names.sort();
}

export interface HostFsOptions {
  /** the machine's arch name (default: this host's) */
  arch?: string;
  /** where a path of that machine is here: for lstat/readlink (`follow` false) the final
   * component is not followed; undefined when it does not exist (default: the path itself) */
  locate?: (path: string, follow: boolean) => string | undefined;
}

export function createHostFs(options: HostFsOptions = {}): HostFacts {
  const at = options.locate ?? ((path: string) => path);
  const located = <T>(path: string, follow: boolean, read: (local: string) => T) => (): T | undefined => {
    const local = at(path, follow);
    return local === undefined ? undefined : read(local);
  };
  return {
    arch: options.arch ?? kernelArch(),
    lstat: (path) => {
      // no closures here: a trace's mount list lstats thousands of paths
      const local = options.locate === undefined ? path : options.locate(path, false);
      return local === undefined ? undefined : lstatInfo(path, local);
    },
    // EINVAL: not a symlink
    readlink: (path) => absentOr(path, located(path, false, (local) => decodeRaw(readlinkSync(fsPath(local), { encoding: 'buffer' }))), ['EINVAL']),
    // a directory, FIFO or device has no bytes to read here
    readRange: (path, offset, length) => absentOr(path, located(path, true, (local) => readRangeSync(local, offset, length))),
    readText: (path, input) => {
      const local = at(path, true);
      if (local === undefined) return undefined;
      return input === undefined ? readHostText(local) : readInputTextIfExists(local, input.what, input.limit);
    },
    readDir: (path) => absentOr(path, located(path, true, readDirNames)),
  };
}
