// Decides every syscall number of one filter section from arch and number alone where it can:
// the whole 32-bit number space becomes sorted ranges, each ending in a constant return or in an
// argument-checking block. Adjacent numbers with the same outcome merge into one range. Pure.
import { X32_SYSCALL_BIT, syscallTable, type ArchInfo } from './arch.js';
import { SECCOMP_RET } from './bpf.js';
import { actionValue, isRunning } from './compile-actions.js';
import { guarded, type RuleDb } from './compile-db.js';
import { lowerEntry, type DecisionPool, type Test } from './compile-lower.js';
import { resolveErrno } from './errno.js';
import type { SeccompProfile, SyscallStats } from './model.js';

export type Leaf =
  | { kind: 'ret'; key: string; value: number }
  /** the syscall's argument tests (shared with every other syscall whose graph is the same) */
  | { kind: 'args'; key: string; decision: Test };

export interface NumberRange {
  lo: number;
  hi: number;
  leaf: Leaf;
  /** expected share of calls landing here (frequency weighted), orders the dispatch tree */
  weight: number;
}

export interface RangeContext {
  profile: SeccompProfile;
  /** the profile's rules as libseccomp holds them, per ABI */
  db: RuleDb;
  stats: SyscallStats | undefined;
  badArch: number;
  enosysForNewer: boolean;
}

const U32_MAX = 0xffffffff;

/** Ranges covering 0..2^32-1 for one audit arch; `abis` share it (x86_64 and x32) or stand alone. */
export function buildSectionRanges(ctx: RangeContext, abis: readonly ArchInfo[], pool: DecisionPool): NumberRange[] {
  const ranges: NumberRange[] = [];
  for (const [lo, hi, abi] of domains(abis)) {
    if (abi) ranges.push(...abiRanges(ctx, abi, lo, hi, pool));
    else ranges.push({ lo, hi, leaf: retLeaf(ctx.badArch), weight: 0 });
  }
  return mergeAdjacent(ranges);
}

/**
 * Which ABI owns which numbers: x32 calls carry __X32_SYSCALL_BIT under AUDIT_ARCH_X86_64.
 * nr -1 stays with x86_64 (as in libseccomp): a tracer skipping a syscall sets it, and the kernel
 * runs seccomp after the ptrace entry stop, so killing it would kill traced processes.
 */
function domains(abis: readonly ArchInfo[]): [number, number, ArchInfo | undefined][] {
  const byName = (name: string) => abis.find((a) => a.name === name);
  if (!byName('x86_64') && !byName('x32')) return [[0, U32_MAX, abis[0]]];
  const x86_64 = byName('x86_64');
  return [[0, X32_SYSCALL_BIT - 1, x86_64], [X32_SYSCALL_BIT, U32_MAX - 1, byName('x32')], [U32_MAX, U32_MAX, x86_64 ?? byName('x32')]];
}

function abiRanges(ctx: RangeContext, abi: ArchInfo, lo: number, hi: number, pool: DecisionPool): NumberRange[] {
  const table = syscallTable(abi.name);
  const fallback = actionValue(ctx.profile.defaultAction, abi, 'defaultAction');
  // Syscalls newer than the table: libcs fall back on ENOSYS only (clone3, faccessat2 ...).
  const enosys = resolveErrno(abi.errnoFamily, 'ENOSYS') ?? 38;
  const newer = ctx.enosysForNewer && ctx.profile.defaultAction.kind === 'ERRNO' ? (SECCOMP_RET.ERRNO | enosys) >>> 0 : fallback;
  const points = new Map<number, Leaf>();
  for (const [nr, entry] of ctx.db.tables.get(abi.name)!) {
    const decision = guarded(`${abi.name} syscall ${nr}`, () => lowerEntry(pool, entry, abi, fallback));
    points.set(nr, decision.kind === 'ret' ? retLeaf(decision.value) : { kind: 'args', key: `args:${decision.id}`, decision });
  }
  if (newer !== fallback) {
    for (const nr of Object.values(table.syscalls)) if (nr > table.newAbove && !points.has(nr)) points.set(nr, retLeaf(fallback));
  }
  const background = (from: number, to: number): NumberRange[] => split(from, to, table.newAbove, fallback, newer);
  const ranges: NumberRange[] = [];
  let cursor = lo;
  for (const nr of [...points.keys()].filter((n) => n >= lo && n <= hi).sort((a, b) => a - b)) {
    if (nr > cursor) ranges.push(...background(cursor, nr - 1));
    ranges.push({ lo: nr, hi: nr, leaf: points.get(nr)!, weight: 0 });
    cursor = nr + 1;
  }
  if (cursor <= hi) ranges.push(...background(cursor, hi));
  const merged = mergeAdjacent(ranges);
  addWeights(ctx, abi, merged);
  return merged;
}

function split(from: number, to: number, newAbove: number, fallback: number, newer: number): NumberRange[] {
  if (to <= newAbove || newer === fallback) return [{ lo: from, hi: to, leaf: retLeaf(from > newAbove ? newer : fallback), weight: 0 }];
  if (from > newAbove) return [{ lo: from, hi: to, leaf: retLeaf(newer), weight: 0 }];
  return [{ lo: from, hi: newAbove, leaf: retLeaf(fallback), weight: 0 }, { lo: newAbove + 1, hi: to, leaf: retLeaf(newer), weight: 0 }];
}

function retLeaf(value: number): Leaf {
  return { kind: 'ret', key: `ret:${value}`, value };
}

function mergeAdjacent(ranges: NumberRange[]): NumberRange[] {
  const out: NumberRange[] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && last.leaf.key === r.leaf.key && last.hi + 1 === r.lo) out[out.length - 1] = { ...last, hi: r.hi, weight: last.weight + r.weight };
    else out.push({ ...r });
  }
  return out;
}

/** Weights: observed counts when given, else profile order as the hint (first listed = hottest). */
function addWeights(ctx: RangeContext, abi: ArchInfo, ranges: NumberRange[]): void {
  const weigh = weigher(ctx, abi);
  for (const [name, nr] of Object.entries(syscallTable(abi.name).syscalls)) {
    const range = findRange(ranges, nr);
    if (range) range.weight += weigh(name);
  }
  const top = Math.max(1e-9, ...ranges.map((r) => r.weight));
  for (const r of ranges) r.weight += top * 1e-6;
}

function weigher(ctx: RangeContext, abi: ArchInfo): (name: string) => number {
  const { stats, profile } = ctx;
  if (stats) return (name) => stats[name] ?? 0;
  const rank = new Map<string, number>();
  const denied = new Set<string>();
  for (const rule of profile.rules) {
    if (rank.has(rule.syscall) || denied.has(rule.syscall)) continue;
    if (isRunning(actionValue(rule.action, abi, rule.syscall))) rank.set(rule.syscall, rank.size);
    else denied.add(rule.syscall);
  }
  const defaultRuns = isRunning(actionValue(profile.defaultAction, abi, 'defaultAction'));
  const unlisted = defaultRuns ? 1 / (rank.size + 1) : 0;
  return (name) => {
    const r = rank.get(name);
    if (r !== undefined) return 1 / (r + 1);
    return denied.has(name) ? 0 : unlisted;
  };
}

function findRange(ranges: NumberRange[], nr: number): NumberRange | undefined {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid]!;
    if (nr < r.lo) hi = mid - 1;
    else if (nr > r.hi) lo = mid + 1;
    else return r;
  }
  return undefined;
}
