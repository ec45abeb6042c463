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

/** Records as the tracer writes them (native/trace.h: a 48-byte jc_trace_header, then the data). */
export function encodeRecords(records: readonly TraceRecord[], littleEndian = true): Uint8Array {
  const parts = records.map((record) => encodeRecord(record, littleEndian));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const RECORD_TYPES = { count: 1, path: 2, value: 3, bytes: 4, exit: 5, spawn: 6, progress: 7, counter: 8, lost: 9 } as const;

/** One record; `type` may be a number the decoder does not know (a newer tracer's). */
export function encodeRecord(record: TraceRecord | { type: number; data?: Uint8Array }, littleEndian = true): Uint8Array {
  const fields: { type: number; pid: number; arch: number; nr: number; ret: bigint; value: bigint; flags: bigint; data: Uint8Array } = { type: 0, pid: 0, arch: 0, nr: 0, ret: 0n, value: 0n, flags: -1n, data: new Uint8Array() };
  if (typeof record.type === 'number') Object.assign(fields, { type: record.type, data: (record as { data?: Uint8Array }).data ?? new Uint8Array() });
  else {
    const r = record as TraceRecord;
    fields.type = RECORD_TYPES[r.type];
    if ('pid' in r) fields.pid = r.pid;
    if ('auditArch' in r) Object.assign(fields, { arch: r.auditArch, nr: r.nr });
    if ('ret' in r) fields.ret = r.ret;
    if (r.type === 'count' || r.type === 'counter' || r.type === 'lost') fields.value = BigInt(r.count);
    // flags of a counter: the calls the in-kernel recorder recorded (-1: it did not run)
    if (r.type === 'counter') fields.flags = BigInt(r.recorded ?? -1);
    if (r.type === 'path') Object.assign(fields, { value: r.dirfd, flags: r.flags, data: new TextEncoder().encode(r.path) });
    if (r.type === 'value') Object.assign(fields, { value: r.value, flags: r.flags ?? -1n });
    if (r.type === 'bytes') fields.data = r.bytes;
    if (r.type === 'exit') fields.value = BigInt(r.status);
    // PTRACE_EVENT_CLONE (3) is a thread, PTRACE_EVENT_FORK (1) a process
    if (r.type === 'spawn') Object.assign(fields, { value: BigInt(r.parent), flags: r.thread ? 3n : 1n });
    if (r.type === 'progress') Object.assign(fields, { value: BigInt(r.syscalls), flags: BigInt(r.distinct) });
  }
  const out = new Uint8Array(48 + fields.data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, fields.type, littleEndian);
  view.setUint32(4, fields.pid, littleEndian);
  view.setUint32(8, fields.arch, littleEndian);
  view.setInt32(12, fields.nr, littleEndian);
  view.setBigInt64(16, fields.ret, littleEndian);
  view.setBigInt64(24, fields.value, littleEndian);
  view.setBigInt64(32, fields.flags, littleEndian);
  view.setUint32(40, fields.data.length, littleEndian);
  out.set(fields.data, 48);
  return out;
}
