// Synthetic tracer records (src/trace/records.ts) for tests: by syscall name, on any ABI.
import { ARCHES, resolveSyscall, type ArchName } from '../../src/profile/arch.js';
import type { TraceRecord } from '../../src/trace/records.js';

export const AT_FDCWD = -100;

function nrOf(abi: ArchName, name: string): number {
  const nr = resolveSyscall(abi, name);
  if (nr === undefined) throw new Error(`no ${name} on ${abi}`);
  return nr;
}

export function count(name: string, n: number, abi: ArchName = 'x86_64'): TraceRecord {
  return { type: 'count', auditArch: ARCHES[abi].auditArch, nr: nrOf(abi, name), count: n };
}

export interface PathOptions {
  pid?: number;
  /** return value: >= 0 success, -errno failure (default 0) */
  ret?: number;
  dirfd?: number;
  /** the flags/mode argument, -1 for none (default -1) */
  flags?: number;
  abi?: ArchName;
}

export function path(name: string, file: string, options: PathOptions = {}): TraceRecord {
  const abi = options.abi ?? 'x86_64';
  return {
    type: 'path', pid: options.pid ?? 1, auditArch: ARCHES[abi].auditArch, nr: nrOf(abi, name), ret: BigInt(options.ret ?? 0),
    dirfd: BigInt(options.dirfd ?? AT_FDCWD), flags: BigInt(options.flags ?? -1), path: file,
  };
}

/** socket(family, ...) */
export function socket(family: number, ret = 3, pid = 1): TraceRecord {
  return { type: 'value', pid, auditArch: ARCHES.x86_64.auditArch, nr: nrOf('x86_64', 'socket'), ret: BigInt(ret), value: BigInt(family) };
}

/** connect/bind with a sockaddr_un naming `file` ("@name" for the abstract namespace) */
export function unixAddress(name: 'connect' | 'bind', file: string, ret = 0, pid = 1): TraceRecord {
  const text = new TextEncoder().encode(file.startsWith('@') ? `\0${file.slice(1)}` : `${file}\0`);
  const bytes = new Uint8Array(2 + text.length);
  new DataView(bytes.buffer).setUint16(0, 1, true);
  bytes.set(text, 2);
  return { type: 'bytes', pid, auditArch: ARCHES.x86_64.auditArch, nr: nrOf('x86_64', name), ret: BigInt(ret), bytes };
}

/** connect/bind with a sockaddr_in for a.b.c.d:port */
export function inetAddress(name: 'connect' | 'bind', address: [number, number, number, number], port: number, ret = 0): TraceRecord {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, 2, true);
  view.setUint16(2, port, false);
  bytes.set(address, 4);
  return { type: 'bytes', pid: 1, auditArch: ARCHES.x86_64.auditArch, nr: nrOf('x86_64', name), ret: BigInt(ret), bytes };
}

export function spawn(pid: number, parent: number, thread = false): TraceRecord {
  return { type: 'spawn', pid, parent, thread };
}

/** the traced program's end: an exit code, or a signal */
export function exit(how: { code: number } | { signal: number }, pid = 1): TraceRecord {
  return { type: 'exit', pid, status: 'code' in how ? how.code << 8 : how.signal };
}

/** x86 open(2) flags */
export const O = { RDONLY: 0, WRONLY: 1, RDWR: 2, CREAT: 0o100, EXCL: 0o200, TRUNC: 0o1000, APPEND: 0o2000, DIRECTORY: 0o200000, CLOEXEC: 0o2000000 } as const;
