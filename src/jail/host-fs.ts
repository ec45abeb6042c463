// The real HostFacts, over node:fs (edge). ENOENT-like failures read as "absent"; anything
// else is an error naming the path.
import { closeSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, type Stats } from 'node:fs';
import { JailctlError, isErrnoError } from '../errors.js';
import type { FileInfo, FileKind, HostFacts } from './host.js';

const ABSENT = new Set(['ENOENT', 'ENOTDIR', 'EACCES', 'ELOOP', 'ENAMETOOLONG', 'EINVAL', 'EISDIR']);

/** Node's process.arch -> the kernel's name for it. */
const KERNEL_ARCH: Record<string, string> = {
  x64: 'x86_64', ia32: 'i386', arm64: 'aarch64', arm: 'arm', mips: 'mips', mipsel: 'mipsel',
  mips64: 'mips64', mips64el: 'mips64el', riscv64: 'riscv64', ppc: 'powerpc', ppc64: 'ppc64le',
  s390x: 's390x', loong64: 'loongarch64',
};

function absentOr<T>(path: string, read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if (isErrnoError(err) && err.code !== undefined && ABSENT.has(err.code)) return undefined;
    throw new JailctlError('IO_FAILED', `${path}: ${(err as Error).message}`, { path, cause: err });
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

export function createHostFs(): HostFacts {
  return {
    arch: KERNEL_ARCH[process.arch] ?? process.arch,
    lstat: (path) =>
      absentOr(path, (): FileInfo => {
        const s = lstatSync(path);
        return { kind: kindOf(s), mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, size: s.size };
      }),
    readlink: (path) => absentOr(path, () => readlinkSync(path)),
    readRange: (path, offset, length) =>
      absentOr(path, () => {
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
      }),
    readText: (path) => absentOr(path, () => readFileSync(path, 'utf8')),
    readDir: (path) => absentOr(path, () => readdirSync(path).sort()),
  };
}
