// Tracer records -> the calls that may need a capability, each with the ids of the process that
// made it (pure). The ids are followed through fork and set*id calls from the instance's own
// start ids, so a daemon that drops root is judged as what it had become. Which arguments the
// tracer captures for this (HARDEN_CAPTURES) is decided here too.
import { ARCHES, kernelGroupOf, resolveSyscall, syscallName, type ArchName } from '../../profile/arch.js';
import { errnoName } from '../../profile/errno.js';
import type { TraceCapture } from '../../jail/plan.js';
import { resolveTracedAbi } from '../../trace/aggregate.js';
import { classifyPathCall, PathResolver, type FileUse } from '../../trace/file-access.js';
import type { TraceRecord } from '../../trace/records.js';
import { decodeSockaddr, familyName } from '../../trace/sockets.js';

export interface Ids {
  uid: number;
  gid: number;
}

/** One call, as the capability inference reads it; `ok` false carries the errno name. */
export type Evidence = (
  | { kind: 'file'; syscall: string; path: string; uses: FileUse[]; mode: number; ids: Ids }
  | { kind: 'setid'; syscall: string; ids: Ids; to: number[] }
  | { kind: 'fchown'; ids: Ids; owner: number; group: number }
  | { kind: 'kill'; syscall: string; ids: Ids; target: number; targetIds?: Ids; signal: number }
  | { kind: 'socket'; family: string; type: number }
  | { kind: 'bind'; family: string; address: string; port: number }
  | { kind: 'sockopt'; level: number; name: number }
) & { ok: boolean; errno?: string };

/** [syscall, arg, second arg or -1]: values the tracer captures for harden besides its own. */
const VALUE_CAPTURES: readonly (readonly [string, number, number])[] = [
  ['setuid', 0, -1], ['setuid32', 0, -1], ['setgid', 0, -1], ['setgid32', 0, -1],
  ['setreuid', 0, 1], ['setreuid32', 0, 1], ['setregid', 0, 1], ['setregid32', 0, 1],
  ['setresuid', 0, 1], ['setresuid32', 0, 1], ['setresgid', 0, 1], ['setresgid32', 0, 1],
  ['setfsuid', 0, -1], ['setfsuid32', 0, -1], ['setfsgid', 0, -1], ['setfsgid32', 0, -1],
  ['setgroups', 0, -1], ['setgroups32', 0, -1],
  ['fchown', 1, 2], ['fchown32', 1, 2],
  ['kill', 0, 1], ['tkill', 0, 1], ['tgkill', 0, 2],
  ['setsockopt', 1, 2],
];

export function buildHardenCaptures(hostArch: ArchName): TraceCapture[] {
  const captures: TraceCapture[] = [];
  for (const abi of kernelGroupOf(hostArch)) {
    for (const [name, arg, flagsArg] of VALUE_CAPTURES) {
      const nr = resolveSyscall(abi, name);
      if (nr !== undefined) captures.push({ auditArch: ARCHES[abi].auditArch, nr, kind: 'value', arg, auxArg: -1, flagsArg });
    }
  }
  return captures;
}

const UID_CALLS = /^set(re|res|fs)?uid(32)?$/;
const GID_CALLS = /^set(re|res|fs)?gid(32)?$/;

/** Folds records in order; `evidence` is what was seen so far. */
export class EvidenceCollector {
  readonly evidence: Evidence[] = [];
  private readonly ids = new Map<number, Ids>();
  private readonly paths: PathResolver;
  private readonly littleEndian: boolean;

  /** `start`: the ids the service is started with (its user and group, else root). */
  constructor(private readonly hostArch: ArchName, private readonly start: Ids, cwd = '/') {
    this.paths = new PathResolver(cwd);
    this.littleEndian = ARCHES[hostArch].endian === 'little';
  }

  push(record: TraceRecord): void {
    if (record.type === 'spawn') {
      this.ids.set(record.pid, { ...this.idsOf(record.parent) });
      this.paths.spawn(record.pid, record.parent);
      return;
    }
    if (record.type !== 'path' && record.type !== 'value' && record.type !== 'bytes') return;
    const abi = resolveTracedAbi(this.hostArch, record.auditArch, record.nr);
    const syscall = abi === undefined ? undefined : syscallName(abi, record.nr);
    if (abi === undefined || syscall === undefined) return;
    const errno = errnoOf(abi, record.ret);
    if (record.type === 'path') this.onPath(record, abi, syscall, errno);
    else if (record.type === 'value') this.onValue(record, syscall, errno);
    else if (syscall === 'bind') this.onBind(record.bytes, errno);
  }

  private idsOf(pid: number): Ids {
    return this.ids.get(pid) ?? this.start;
  }

  private onPath(record: Extract<TraceRecord, { type: 'path' }>, abi: ArchName, syscall: string, errno: string | undefined): void {
    const call = classifyPathCall(abi, syscall, record.flags);
    if (call === undefined || record.path === '') return;
    const path = this.paths.resolve(record.pid, record.path, record.dirfd);
    this.paths.afterCall(record.pid, syscall, path, call, record.ret);
    if (path === undefined) return;
    const mode = syscall.startsWith('mknod') && record.flags >= 0n ? Number(record.flags & 0o170000n) : 0;
    this.evidence.push({ kind: 'file', syscall, path, uses: call.uses, mode, ids: this.idsOf(record.pid), ok: errno === undefined, ...(errno !== undefined ? { errno } : {}) });
  }

  private onValue(record: Extract<TraceRecord, { type: 'value' }>, syscall: string, errno: string | undefined): void {
    const ok = errno === undefined;
    const failure = errno === undefined ? {} : { errno };
    const ids = this.idsOf(record.pid);
    const first = Number(BigInt.asIntN(32, record.value));
    const second = Number(BigInt.asIntN(32, record.flags ?? -1n));
    if (syscall === 'socket' || syscall === 'socketpair') {
      this.evidence.push({ kind: 'socket', family: familyName(first), type: second, ok, ...failure });
      if (ok) this.paths.forgetFd(record.pid, record.ret);
    } else if (UID_CALLS.test(syscall) || GID_CALLS.test(syscall)) {
      this.onSetId(record.pid, syscall, ids, [first, second].filter((id) => id !== -1), errno);
    } else if (syscall.startsWith('setgroups')) {
      this.evidence.push({ kind: 'setid', syscall, ids, to: [], ok, ...failure });
    } else if (syscall.startsWith('fchown')) {
      this.evidence.push({ kind: 'fchown', ids, owner: first, group: second, ok, ...failure });
    } else if (syscall === 'kill' || syscall === 'tkill' || syscall === 'tgkill') {
      const targetIds = this.ids.get(first);
      this.evidence.push({ kind: 'kill', syscall, ids, target: first, signal: second, ok, ...failure, ...(targetIds !== undefined ? { targetIds } : {}) });
    } else if (syscall === 'setsockopt') {
      this.evidence.push({ kind: 'sockopt', level: first, name: second, ok, ...failure });
    }
  }

  /** setfsuid returns the old id whatever happens: counted as done when it asked for a change. */
  private onSetId(pid: number, syscall: string, ids: Ids, to: number[], errno: string | undefined): void {
    const fs = syscall.startsWith('setfs');
    const ok = errno === undefined || fs;
    this.evidence.push({ kind: 'setid', syscall, ids, to, ok, ...(ok ? {} : { errno: errno! }) });
    if (!ok) return;
    // the effective id is the last one given: setuid(u), setreuid(r, e), setresuid(r, e, s)
    const effective = to[to.length - 1];
    if (effective === undefined) return;
    const next = UID_CALLS.test(syscall) ? { ...ids, uid: effective } : { ...ids, gid: effective };
    this.ids.set(pid, next);
  }

  private onBind(bytes: Uint8Array, errno: string | undefined): void {
    const address = decodeSockaddr(bytes, this.littleEndian);
    if (address?.address === undefined) return;
    const port = Number(address.address.slice(address.address.lastIndexOf(':') + 1));
    this.evidence.push({ kind: 'bind', family: address.family, address: address.address, port, ok: errno === undefined, ...(errno !== undefined ? { errno } : {}) });
  }
}

function errnoOf(abi: ArchName, ret: bigint): string | undefined {
  if (ret >= 0n || ret < -4095n) return undefined;
  return errnoName(ARCHES[abi].errnoFamily, Number(-ret)) ?? `errno ${Number(-ret)}`;
}
