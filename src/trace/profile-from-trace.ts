// A traced tree's syscall counts -> the OCI profile and stats file `jailctl trace` writes (pure):
// one allow rule with the names most frequent first, plus the calls every process needs to end
// or return from a signal handler; the architectures every ABI the tree used; and --merge, which
// folds an earlier profile and its stats in (counts added, order by the sum).
import { JailctlError } from '../errors.js';
import { ARCHES, kernelGroupOf, resolveSyscall, type ArchName } from '../profile/arch.js';
import { resolveErrno } from '../profile/errno.js';
import type { ParsedProfile } from '../profile/formats.js';
import { mergeProfiles } from '../profile/merge.js';
import type { Action, SeccompProfile } from '../profile/model.js';
import type { TraceStats } from '../profile/stats.js';
import type { TraceResult } from './aggregate.js';

export type CallCounts = Partial<Record<ArchName, Record<string, number>>>;

/** Needed on the way out or back from a signal handler even when the trace never saw them:
 * sigreturn only where the ABI has it, restart_syscall after a stopped process resumes. */
const ALWAYS = ['rt_sigreturn', 'sigreturn', 'restart_syscall', 'exit', 'exit_group'];
/** Needed by a program with threads whenever two of them meet on a lock or a join, which depends
 * on timing: a trace that ran without that contention never saw them (a profile then kills the
 * program the first time it happens). */
const THREADED = ['futex', 'futex_time64'];

export interface ProfileOptions {
  /** default KILL_PROCESS */
  defaultAction?: Action;
  /** add ALWAYS (default true; a learned fragment lists only what was learned) */
  always?: boolean;
  /** the traced tree started threads: add THREADED too */
  threaded?: boolean;
}

/** Calls per name, summed over ABIs. */
export function totalCounts(counts: CallCounts): Map<string, number> {
  const totals = new Map<string, number>();
  for (const names of Object.values(counts)) for (const [name, n] of Object.entries(names ?? {})) totals.set(name, (totals.get(name) ?? 0) + n);
  return totals;
}

/** The ABIs that made calls, the host's first (always listed: it is the filter's target). */
export function abisUsed(counts: CallCounts, hostArch: ArchName): ArchName[] {
  return kernelGroupOf(hostArch).filter((abi) => abi === hostArch || Object.keys(counts[abi] ?? {}).length > 0);
}

export function buildProfileFromCounts(counts: CallCounts, hostArch: ArchName, options: ProfileOptions = {}): SeccompProfile {
  const totals = totalCounts(counts);
  const names = [...totals.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([name]) => name);
  const abis = abisUsed(counts, hostArch);
  if (options.always !== false) {
    const needed = options.threaded === true ? [...ALWAYS, ...THREADED] : ALWAYS;
    for (const name of needed) if (!names.includes(name) && abis.some((abi) => resolveSyscall(abi, name) !== undefined)) names.push(name);
  }
  return {
    defaultAction: options.defaultAction ?? { kind: 'KILL_PROCESS' },
    architectures: abis,
    flags: [],
    rules: names.map((syscall) => ({ syscall, action: { kind: 'ALLOW' }, args: [] })),
  };
}

/** The stats file (src/profile/stats.ts) for a trace: host counts, other ABIs, files, sockets. */
export function buildTraceStats(result: TraceResult): TraceStats {
  const countsByArch: TraceStats['countsByArch'] = {};
  for (const [abi, names] of Object.entries(result.counts) as [ArchName, Record<string, number>][]) if (abi !== result.hostArch) countsByArch[abi] = names;
  return { arch: result.hostArch, counts: result.counts[result.hostArch] ?? {}, countsByArch, files: result.files, sockets: result.sockets };
}

/** The counts of a stats file by ABI. */
export function countsOfStats(stats: TraceStats): CallCounts {
  return { ...stats.countsByArch, [stats.arch]: stats.counts };
}

/** Counts added per ABI and name; files and sockets listed once (the newer entry wins). */
export function mergeTraceStats(older: TraceStats, newer: TraceStats): TraceStats {
  if (older.arch !== newer.arch) {
    throw new JailctlError('USAGE', `cannot merge a ${newer.arch} trace into stats of ${older.arch}`, { hint: 'write the stats of each architecture to its own file' });
  }
  const merged = addCounts(countsOfStats(older), countsOfStats(newer));
  const { [newer.arch]: counts = {}, ...countsByArch } = merged;
  return {
    arch: newer.arch,
    counts,
    countsByArch,
    files: unionBy([...older.files, ...newer.files], (f) => keyOf(f, 'path')),
    sockets: unionBy([...older.sockets, ...newer.sockets], (s) => keyOf(s, 'family')),
  };
}

export function addCounts(a: CallCounts, b: CallCounts): CallCounts {
  const out: CallCounts = {};
  for (const side of [a, b]) {
    for (const [abi, names] of Object.entries(side) as [ArchName, Record<string, number>][]) {
      const into = (out[abi] ??= {});
      for (const [name, n] of Object.entries(names)) into[name] = (into[name] ?? 0) + n;
    }
  }
  return out;
}

/**
 * Union of an existing profile and a traced one (src/profile/merge.ts): every allowed call of
 * either, then the rules ordered by `totals`, most frequent first (a stable sort, so the rules of
 * one syscall keep their order and the first match stays the first).
 */
export function mergeTracedProfile(existing: { file: string; parsed: ParsedProfile }, traced: SeccompProfile, totals: ReadonlyMap<string, number>): { profile: SeccompProfile; notes: string[] } {
  const tracedParsed: ParsedProfile = {
    format: 'oci',
    profile: traced,
    sources: traced.rules.map((_, i) => ({ path: `/syscalls/0/names/${i}`, actionName: 'SCMP_ACT_ALLOW' })),
    defaultActionName: 'the traced default',
    ignoredArchitectures: [],
    declaredArchitectures: traced.architectures,
  };
  const merged = mergeProfiles([existing, { file: '(trace)', parsed: tracedParsed }]);
  if (merged.conflicts.length > 0) {
    throw new JailctlError('PROFILE_INVALID', `cannot merge the trace into ${existing.file}:\n${merged.conflicts.join('\n')}`, {
      path: existing.file,
      hint: 'trace without --merge, then merge by hand with `jailctl profile merge`',
    });
  }
  const count = (name: string): number => totals.get(name) ?? 0;
  const rules = [...merged.profile.rules].sort((a, b) => count(b.syscall) - count(a.syscall));
  return { profile: { ...merged.profile, rules }, notes: merged.notes };
}

/**
 * `--default-action`: an OCI action name (SCMP_ACT_KILL_PROCESS) or its short form
 * (kill-process), ERRNO and TRACE with an optional `:VALUE` (errno:ENOSYS, errno:38, trace:7).
 */
export function parseDefaultAction(text: string, hostArch: ArchName): Action {
  const [rawName = '', value] = text.split(':', 2);
  const name = rawName.toUpperCase().replace(/-/g, '_').replace(/^SCMP_ACT_/, '');
  const refuse = (why: string): never => {
    throw new JailctlError('USAGE', `--default-action ${text}: ${why}`, { hint: 'use kill-process, kill-thread, trap, errno[:ERRNO], trace[:N] or log' });
  };
  if (value !== undefined && name !== 'ERRNO' && name !== 'TRACE') refuse(`${rawName} takes no value`);
  switch (name) {
    case 'KILL_PROCESS': return { kind: 'KILL_PROCESS' };
    case 'KILL':
    case 'KILL_THREAD': return { kind: 'KILL_THREAD' };
    case 'TRAP': return { kind: 'TRAP' };
    case 'LOG': return { kind: 'LOG' };
    case 'TRACE': {
      const data = value === undefined ? 1 : Number(value);
      if (!Number.isInteger(data) || data < 0 || data > 0xffff) refuse(`"${value}" is not a number from 0 to 65535`);
      return { kind: 'TRACE', data };
    }
    case 'ERRNO': return errnoAction(value ?? 'EPERM', hostArch, refuse);
    case 'ALLOW':
    case 'NOTIFY': return refuse(`a traced profile cannot default to ${name}: it would ${name === 'ALLOW' ? 'allow every call' : 'need a notify listener'}`);
    default: return refuse('unknown action');
  }
}

function errnoAction(value: string, hostArch: ArchName, refuse: (why: string) => never): Action {
  if (/^\d+$/.test(value)) {
    const errno = Number(value);
    if (errno > 4095) refuse(`${value} is not an errno (0-4095)`);
    return { kind: 'ERRNO', errno };
  }
  const errno = resolveErrno(ARCHES[hostArch].errnoFamily, value);
  if (errno === undefined) return refuse(`"${value}" is not an errno name (EPERM, ENOSYS ...)`);
  return { kind: 'ERRNO', errno, errnoName: value.toUpperCase() };
}

function unionBy(items: readonly unknown[], key: (item: unknown) => string): unknown[] {
  const byKey = new Map<string, unknown>();
  for (const item of items) byKey.set(key(item), item);
  return [...byKey.values()];
}

function keyOf(item: unknown, field: string): string {
  const value = item !== null && typeof item === 'object' ? (item as Record<string, unknown>)[field] : undefined;
  return typeof value === 'string' ? value : JSON.stringify(item);
}
