// Tracer records -> what the traced tree did (pure): calls per ABI and syscall name, processes,
// files with their outcome and intent, socket families, unix socket paths, inet peers and the
// exit status. Records are folded in as they arrive, so a live view can read the same state.
import { ARCHES, kernelGroupOf, syscallName, X32_SYSCALL_BIT, type ArchName } from '../profile/arch.js';
import { errnoName } from '../profile/errno.js';
import { classifyPathCallFlags, dirfdNumber, flagsNumber, PathResolver } from './file-access.js';
import { fileCallOf, FileTable, type FileAccess, type FileCall } from './file-table.js';
import { NO_DIRFD, type TraceRecord, type TraceRecordSink } from './records.js';
import { decodeSockaddr, familyName, type SocketAddress } from './sockets.js';

export type { FileAccess } from './file-table.js';

export interface SocketUse {
  family: string;
  /** calls per syscall (socket, socketpair, connect, bind) */
  calls: Record<string, number>;
  ok: number;
  errors: Record<string, number>;
  /** AF_UNIX: socket files and "@abstract" names connected to or bound */
  paths?: { path: string; syscall: string; ok: number; errors: Record<string, number> }[];
  /** AF_INET/AF_INET6: peers and local addresses */
  addresses?: { address: string; syscall: string; ok: number; errors: Record<string, number> }[];
}

export interface TraceExit {
  /** the raw wait(2) status of the traced program */
  status: number;
  code?: number;
  signal?: number;
}

export interface TraceResult {
  hostArch: ArchName;
  /** calls per ABI and syscall name, host ABI included */
  counts: Partial<Record<ArchName, Record<string, number>>>;
  /** numbers no table names: "i386 #999" -> calls */
  unknown: Record<string, number>;
  /** the traced program and every process or thread it started */
  processes: number;
  /** of those, threads */
  threads: number;
  /** calls the in-kernel counter counted without stopping the program (absent without it) */
  kernelCounted?: number;
  /** calls whose arguments the in-kernel recorder could not keep (its ring was full): the files
   * and sockets are incomplete by these (absent when none were lost) */
  lostRecords?: number;
  /** calls the in-kernel recorder recorded without stopping the program (absent without it) */
  kernelRecorded?: number;
  files: FileAccess[];
  sockets: SocketUse[];
  exit?: TraceExit;
}

const SOCKET_CREATE: ReadonlySet<string> = new Set(['socket', 'socketpair']);
const SOCKET_ADDRESS: ReadonlySet<string> = new Set(['connect', 'bind']);

/** Totals for a live view. */
export interface TraceProgress {
  processes: number;
  syscalls: number;
  distinct: number;
}

/** All calls, and distinct (ABI, syscall) pairs. */
export function countTotals(counts: TraceResult['counts']): { syscalls: number; distinct: number } {
  let syscalls = 0;
  let distinct = 0;
  for (const names of Object.values(counts)) {
    for (const n of Object.values(names ?? {})) {
      syscalls += n;
      distinct++;
    }
  }
  return { syscalls, distinct };
}

/** The ABI of a traced call: one of the host kernel's, x32 told apart by its syscall bit. */
export function resolveTracedAbi(hostArch: ArchName, auditArch: number, nr: number): ArchName | undefined {
  const abis = kernelGroupOf(hostArch).filter((a) => ARCHES[a].auditArch === auditArch);
  if (abis.includes('x32') && abis.length > 1) return (nr & X32_SYSCALL_BIT) !== 0 ? 'x32' : abis.find((a) => a !== 'x32');
  return abis[0];
}

/** A syscall as the trace names it, with what was worked out for it once. */
interface Call {
  abi: ArchName;
  syscall: string;
  /** flags (as TraceRecordSink gives them) -> what the call does to its path, null: nothing */
  kinds: Map<number, FileCall | null>;
  /** failed return value -> errno name, shared by the calls of one ABI */
  errnos: Map<number, string>;
}

/** Folds records in one at a time (a TraceRecordSink, or push() for TraceRecord objects);
 * `result()` is the trace so far. */
export class TraceAggregator implements TraceRecordSink {
  private readonly counts = new Map<ArchName, Map<string, number>>();
  private readonly unknown = new Map<string, number>();
  private readonly files = new FileTable();
  private readonly sockets = new Map<string, SocketUse>();
  private readonly paths: PathResolver;
  private readonly littleEndian: boolean;
  /** (audit arch, nr) -> the call, null when no table names it: looked up once per call */
  private readonly calls = new Map<number, Map<number, Call | null>>();
  private readonly errnos = new Map<ArchName, Map<number, string>>();
  /** the calls of the audit arch seen last (nearly every record has the host's) */
  private lastArch = -1;
  private lastCalls: Map<number, Call | null> | undefined;
  private tasks = 1;
  private threads = 0;
  private kernelCounted: number | undefined;
  private lostRecords: number | undefined;
  private kernelRecorded: number | undefined;
  private exit: TraceExit | undefined;
  /** the tracer's latest live totals, until its counts arrive at the end */
  private live: TraceProgress | undefined;
  private firstPathCall: { syscall: string; ret: number } | undefined;

  constructor(private readonly hostArch: ArchName, options: { cwd?: string } = {}) {
    this.paths = new PathResolver(options.cwd);
    this.littleEndian = ARCHES[hostArch].endian === 'little';
  }

  push(record: TraceRecord): void {
    if (record.type === 'count') this.count(record.auditArch, record.nr, record.count);
    else if (record.type === 'path') this.path(record.pid, record.auditArch, record.nr, Number(record.ret), dirfdNumber(record.dirfd), flagsNumber(record.flags), record.path);
    else this.record(record);
  }

  count(auditArch: number, nr: number, count: number): void {
    const call = this.callOf(auditArch, nr);
    if (call === undefined) {
      const abi = resolveTracedAbi(this.hostArch, auditArch, nr);
      const key = `${abi ?? `audit arch 0x${auditArch.toString(16)}`} #${nr}`;
      this.unknown.set(key, (this.unknown.get(key) ?? 0) + count);
      return;
    }
    let names = this.counts.get(call.abi);
    if (names === undefined) this.counts.set(call.abi, (names = new Map()));
    // added, not set: a tracer may send its totals in several parts
    names.set(call.syscall, (names.get(call.syscall) ?? 0) + count);
  }

  // runs for nearly every record: few calls, nothing allocated but the file's first entry
  path(pid: number, auditArch: number, nr: number, ret: number, dirfd: number, flags: number, path: string): void {
    const call = auditArch === this.lastArch ? this.lastCalls!.get(nr) ?? this.callOf(auditArch, nr) : this.callOf(auditArch, nr);
    if (call === undefined || call === null) return;
    if (this.firstPathCall === undefined) this.firstPathCall = { syscall: call.syscall, ret };
    let kind = call.kinds.get(flags);
    if (kind === undefined) kind = this.classify(call, flags);
    // an empty path with AT_EMPTY_PATH works on the descriptor itself (fstat), not on a path
    if (kind === null || path === '') return;
    const absolute = this.paths.resolveAt(pid, path, dirfd);
    if (kind.movesBase && ret >= 0) this.paths.afterCall(pid, call.syscall, absolute, kind, ret);
    this.files.note(absolute ?? path, absolute !== undefined, call.syscall, kind, ret < 0 ? this.errnoOf(call, ret) : undefined);
  }

  private classify(call: Call, flags: number): FileCall | null {
    const classified = classifyPathCallFlags(call.abi, call.syscall, flags);
    const kind = classified === undefined ? null : fileCallOf(classified, PathResolver.movesBase(call.syscall));
    call.kinds.set(flags, kind);
    return kind;
  }

  record(record: TraceRecord): void {
    switch (record.type) {
      case 'count': return this.count(record.auditArch, record.nr, record.count);
      case 'path': return this.push(record);
      case 'counter':
        this.kernelCounted = (this.kernelCounted ?? 0) + record.count;
        if (record.recorded !== undefined) this.kernelRecorded = (this.kernelRecorded ?? 0) + record.recorded;
        return;
      case 'lost':
        this.lostRecords = (this.lostRecords ?? 0) + record.count;
        return;
      case 'spawn':
        this.tasks++;
        if (record.thread) this.threads++;
        return this.paths.spawn(record.pid, record.parent);
      case 'exit':
        this.exit = decodeWaitStatus(record.status);
        return;
      case 'progress':
        this.live = { processes: this.tasks, syscalls: record.syscalls, distinct: record.distinct };
        return;
      // other captures (a caller's extra ones: set*id, kill ...) are not socket calls
      case 'value': return this.isCall(record, SOCKET_CREATE) ? this.addSocketCall(record, { family: familyName(Number(BigInt.asIntN(32, record.value))) }) : undefined;
      case 'bytes': return this.isCall(record, SOCKET_ADDRESS) ? this.addSocketCall(record, decodeSockaddr(record.bytes, this.littleEndian)) : undefined;
    }
  }

  progress(): TraceProgress {
    if (this.counts.size === 0) return { processes: this.tasks, syscalls: this.live?.syscalls ?? 0, distinct: this.live?.distinct ?? 0 };
    const totals = countTotals(Object.fromEntries([...this.counts].map(([abi, names]) => [abi, Object.fromEntries(names)])));
    return { processes: this.tasks, ...totals };
  }

  /** The program never ran: its first traced call, the execve that starts it, failed. */
  execFailed(): boolean {
    const first = this.firstPathCall;
    return first !== undefined && (first.syscall === 'execve' || first.syscall === 'execveat') && first.ret < 0;
  }

  /** How the traced program ended, once the tracer has said so (as in result()). */
  exitStatus(): TraceExit | undefined {
    return this.exit;
  }

  /** Some call was counted, of an ABI the tables name (result().counts is not empty). */
  counted(): boolean {
    return this.counts.size > 0;
  }

  result(): TraceResult {
    const counts: TraceResult['counts'] = {};
    for (const [abi, names] of this.counts) counts[abi] = Object.fromEntries([...names].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
    const result: TraceResult = {
      hostArch: this.hostArch,
      counts,
      unknown: Object.fromEntries(this.unknown),
      processes: this.tasks,
      threads: this.threads,
      files: this.files.sorted(),
      sockets: [...this.sockets.values()],
    };
    if (this.exit !== undefined) result.exit = this.exit;
    if (this.kernelCounted !== undefined) result.kernelCounted = this.kernelCounted;
    if (this.lostRecords !== undefined) result.lostRecords = this.lostRecords;
    if (this.kernelRecorded !== undefined) result.kernelRecorded = this.kernelRecorded;
    return result;
  }

  private isCall(record: { auditArch: number; nr: number }, names: ReadonlySet<string>): boolean {
    const call = this.callOf(record.auditArch, record.nr);
    return call !== undefined && names.has(call.syscall);
  }

  private callOf(auditArch: number, nr: number): Call | undefined {
    let byNr = this.lastCalls;
    if (auditArch !== this.lastArch || byNr === undefined) {
      byNr = this.calls.get(auditArch);
      if (byNr === undefined) this.calls.set(auditArch, (byNr = new Map()));
      this.lastArch = auditArch;
      this.lastCalls = byNr;
    }
    let call = byNr.get(nr);
    if (call === undefined) {
      const abi = resolveTracedAbi(this.hostArch, auditArch, nr);
      const syscall = abi === undefined ? undefined : syscallName(abi, nr);
      byNr.set(nr, (call = abi === undefined || syscall === undefined ? null : { abi, syscall, kinds: new Map(), errnos: this.errnosOf(abi) }));
    }
    return call ?? undefined;
  }

  private errnosOf(abi: ArchName): Map<number, string> {
    let names = this.errnos.get(abi);
    if (names === undefined) this.errnos.set(abi, (names = new Map()));
    return names;
  }

  private errnoOf(call: Call, ret: number): string | undefined {
    if (ret >= 0) return undefined;
    let name = call.errnos.get(ret);
    if (name === undefined) {
      name = errnoFamilyName(call.abi, ret);
      if (name === undefined) return undefined;
      call.errnos.set(ret, name);
    }
    return name;
  }

  private addSocketCall(record: { pid: number; auditArch: number; nr: number; ret: bigint }, address: SocketAddress | undefined): void {
    const call = this.callOf(record.auditArch, record.nr);
    const ret = Number(record.ret);
    if (call === undefined) return;
    if (call.syscall === 'socket' && ret >= 0) this.paths.forgetFd(record.pid, ret);
    // an address the tracer could not read (EFAULT) says nothing about the family
    if (address === undefined) return;
    const family = address.family;
    let use = this.sockets.get(family);
    if (use === undefined) this.sockets.set(family, (use = { family, calls: {}, ok: 0, errors: {} }));
    use.calls[call.syscall] = (use.calls[call.syscall] ?? 0) + 1;
    const errno = this.errnoOf(call, ret);
    tally(use, errno);
    if (address.path !== undefined) {
      const path = address.path.startsWith('@') ? address.path : this.paths.resolveAt(record.pid, address.path, NO_DIRFD) ?? address.path;
      tally(findOrAdd((use.paths ??= []), { path, syscall: call.syscall }), errno);
      // bind() of a unix socket creates its file; connect() needs it (a lookup)
      if (!path.startsWith('@')) this.files.note(path, path.startsWith('/'), call.syscall, call.syscall === 'bind' ? SOCKET_BIND : SOCKET_CONNECT, errno);
    }
    if (address.address !== undefined) tally(findOrAdd((use.addresses ??= []), { address: address.address, syscall: call.syscall }), errno);
  }
}

const SOCKET_BIND = fileCallOf({ uses: ['create'], directory: false, exclusive: false, mayCreate: false });
const SOCKET_CONNECT = fileCallOf({ uses: ['lookup'], directory: false, exclusive: false, mayCreate: false });

function tally(entry: { ok: number; errors: Record<string, number> }, errno: string | undefined): void {
  if (errno === undefined) entry.ok++;
  else entry.errors[errno] = (entry.errors[errno] ?? 0) + 1;
}

function findOrAdd<K extends object>(list: (K & { ok: number; errors: Record<string, number> })[], key: K): K & { ok: number; errors: Record<string, number> } {
  const keys = Object.entries(key);
  const found = list.find((e) => keys.every(([k, v]) => (e as Record<string, unknown>)[k] === v));
  if (found !== undefined) return found;
  const added = { ...key, ok: 0, errors: {} };
  list.push(added);
  return added;
}

/** The errno name of a failed call's return value, or undefined for a success. */
function errnoFamilyName(abi: ArchName, ret: number): string | undefined {
  if (ret >= 0 || ret < -4095) return undefined;
  const errno = -ret;
  return errnoName(ARCHES[abi].errnoFamily, errno) ?? `errno ${errno}`;
}

/** wait(2) status -> exit code or terminating signal. */
export function decodeWaitStatus(status: number): TraceExit {
  const signal = status & 0x7f;
  if (signal === 0) return { status, code: (status >> 8) & 0xff };
  if (signal !== 0x7f) return { status, signal };
  return { status };
}

/** Folds a whole list of records (tests, replays). */
export function aggregateTrace(records: Iterable<TraceRecord>, hostArch: ArchName, options: { cwd?: string } = {}): TraceResult {
  const aggregator = new TraceAggregator(hostArch, options);
  for (const record of records) aggregator.push(record);
  return aggregator.result();
}
