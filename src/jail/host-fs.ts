// The real HostFacts, over synchronous node:fs (edge). ENOENT, ENOTDIR and EACCES read as
// "absent"; any other failure is a JailctlError IO_FAILED naming the path and the syscall.
import { closeSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, type Stats } from 'node:fs';
import { JailctlError, isErrnoError } from '../errors.js';
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

function kindOf(s: Stats): FileKind {
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'dir';
  if (s.isSymbolicLink()) return 'symlink';
  if (s.isCharacterDevice()) return 'char';
  if (s.isBlockDevice()) return 'block';
  if (s.isFIFO()) return 'fifo';
  return 'socket';
}

function readRangeSync(path: string | Buffer, offset: number, length: number): Uint8Array {
  const fd = openSync(path, 'r');
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

export interface HostFsOptions {
  /** the machine's arch name (default: this host's) */
  arch?: string;
  /** where a path of that machine is here: for lstat/readlink (`follow` false) the final
   * component is not followed; undefined when it does not exist (default: the path itself) */
  locate?: (path: string, follow: boolean) => string | Buffer | undefined;
}

export function createHostFs(options: HostFsOptions = {}): HostFacts {
  const at = options.locate ?? ((path: string) => fsPath(path));
  const located = <T>(path: string, follow: boolean, read: (local: string | Buffer) => T) => (): T | undefined => {
    const local = at(path, follow);
    return local === undefined ? undefined : read(local);
  };
  return {
    arch: options.arch ?? kernelArch(),
    lstat: (path) =>
      absentOr(path, located(path, false, (local): FileInfo => {
        const s = lstatSync(local);
        return { kind: kindOf(s), mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, size: s.size };
      })),
    // EINVAL: not a symlink
    readlink: (path) => absentOr(path, located(path, false, (local) => decodeRaw(readlinkSync(local, { encoding: 'buffer' }))), ['EINVAL']),
    // EISDIR: a directory has no bytes to read
    readRange: (path, offset, length) => absentOr(path, located(path, true, (local) => readRangeSync(local, offset, length)), ['EISDIR']),
    readText: (path) => absentOr(path, located(path, true, (local) => readFileSync(local, 'utf8')), ['EISDIR']),
    readDir: (path) => absentOr(path, located(path, true, (local) => readdirSync(local, { encoding: 'buffer' }).map(decodeRaw).sort())),
  };
}
