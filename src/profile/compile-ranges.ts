// Decides every syscall number of one filter section from arch and number alone where it can:
// the whole 32-bit number space becomes sorted ranges, each ending in a constant return or in an
// argument-checking block. Adjacent numbers with the same outcome merge into one range. Pure.
import { X32_SYSCALL_BIT, syscallTable, type ArchInfo } from './arch.js';
import { SECCOMP_RET } from './bpf.js';
import { actionValue, checkCond, isRunning } from './compile-actions.js';
import { resolveErrno } from './errno.js';
import type { ArgCond, SeccompProfile, SyscallStats } from './model.js';

export interface ResolvedRule {
  conds: Required<ArgCond>[];
  action: number;
}

export type Leaf =
  | { kind: 'ret'; key: string; value: number }
  /** `abi` decides how arguments are read (word size, byte order) */
  | { kind: 'args'; key: string; rules: ResolvedRule[]; fallback: number; abi: ArchInfo };

export interface NumberRange {
  lo: number;
  hi: number;
  leaf: Leaf;
  /** expected share of calls landing here (frequency weighted), orders the dispatch tree */
  weight: number;
}

export interface RangeContext {
  profile: SeccompProfile;
  stats: SyscallStats | undefined;
  badArch: number;
  enosysForNewer: boolean;
  unknown: { arch: string; syscall: string }[];
}

const U32_MAX = 0xffffffff;

/** Ranges covering 0..2^32-1 for one audit arch; `abis` share it (x86_64 and x32) or stand alone. */
export function buildSectionRanges(ctx: RangeContext, abis: readonly ArchInfo[]): NumberRange[] {
  const ranges: NumberRange[] = [];
  for (const [lo, hi, abi] of domains(abis)) {
    if (abi) ranges.push(...abiRanges(ctx, abi, lo, hi));
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

function abiRanges(ctx: RangeContext, abi: ArchInfo, lo: number, hi: number): NumberRange[] {
  const table = syscallTable(abi.name);
  const fallback = actionValue(ctx.profile.defaultAction, abi, 'defaultAction');
  // Syscalls newer than the table: libcs fall back on ENOSYS only (clone3, faccessat2 ...).
  const enosys = resolveErrno(abi.errnoFamily, 'ENOSYS') ?? 38;
  const newer = ctx.enosysForNewer && ctx.profile.defaultAction.kind === 'ERRNO' ? (SECCOMP_RET.ERRNO | enosys) >>> 0 : fallback;
  const points = new Map<number, Leaf>();
  for (const [nr, rules] of rulesByNumber(ctx, abi)) points.set(nr, decide(rules, fallback, abi));
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

/** The rules of each syscall number on one ABI, in profile order, conditions normalized. */
function rulesByNumber(ctx: RangeContext, abi: ArchInfo): Map<number, ResolvedRule[]> {
  const table = syscallTable(abi.name).syscalls;
  const out = new Map<number, ResolvedRule[]>();
  // linear in the rules: a profile may name one syscall (or unknown ones) 10,000 times
  const unknown = new Set(ctx.unknown.filter((u) => u.arch === abi.name).map((u) => u.syscall));
  ctx.profile.rules.forEach((rule, i) => {
    const where = `rules[${i}] (${rule.syscall})`;
    const action = actionValue(rule.action, abi, where);
    const conds = rule.args.map((c) => normalizeCond(checkCond(c, where), abi.bits));
    const nr = Object.hasOwn(table, rule.syscall) ? table[rule.syscall] : undefined;
    if (nr === undefined) {
      if (!unknown.has(rule.syscall)) ctx.unknown.push({ arch: abi.name, syscall: rule.syscall });
      unknown.add(rule.syscall);
      return;
    }
    if (conds.includes(false)) return; // can never match
    const live = conds.filter((c): c is Required<ArgCond> => c !== true);
    const list = out.get(nr);
    if (list === undefined) out.set(nr, [{ conds: live, action }]);
    else list.push({ conds: live, action });
  });
  return out;
}

/**
 * First matching rule wins. An unconditional rule ends the list (later rules are unreachable),
 * and trailing rules whose action equals what follows them change nothing.
 */
function decide(rules: ResolvedRule[], fallbackDefault: number, abi: ArchInfo): Leaf {
  const checked: ResolvedRule[] = [];
  let fallback = fallbackDefault;
  for (const rule of rules) {
    if (rule.conds.length === 0) { fallback = rule.action; break; }
    checked.push(rule);
  }
  while (checked.length > 0 && checked[checked.length - 1]!.action === fallback) checked.pop();
  if (checked.length === 0) return retLeaf(fallback);
  const key = `args:${abi.bits}:${fallback}:${checked.map((r) => `${r.action}/${r.conds.map(condKey).join('&')}`).join('|')}`;
  return { kind: 'args', key, rules: checked, fallback, abi };
}

const condKey = (c: Required<ArgCond>) => `${c.index}${c.op}${c.value}:${c.valueTwo}`;

const U64_MAX = (1n << 64n) - 1n;

/**
 * Fold conditions that always or never hold (true/false) and narrow values on 32-bit ABIs, whose
 * arguments are 32-bit: a value with a high word of all ones and the sign bit set is a negative
 * 32-bit number (-100 for AT_FDCWD); any other value above 2^32-1 is compared as zero-extended.
 */
export function normalizeCond(cond: Required<ArgCond>, bits: 32 | 64): Required<ArgCond> | boolean {
  let { value, valueTwo } = cond;
  let max = U64_MAX;
  if (bits === 32) {
    const v = narrow(value);
    const datum = narrow(valueTwo);
    if (cond.op === 'MASKED_EQ') {
      if (datum === undefined) return false;
      value &= 0xffffffffn;
      valueTwo = datum;
    } else if (v === undefined) {
      return cond.op === 'NE' || cond.op === 'LT' || cond.op === 'LE';
    } else value = v;
    max = 0xffffffffn;
  }
  return foldConstant({ ...cond, value, valueTwo }, max);
}

function narrow(v: bigint): bigint | undefined {
  if (v >> 32n === 0n) return v;
  if (v >> 32n === 0xffffffffn && (v & 0x80000000n) !== 0n) return v & 0xffffffffn;
  return undefined;
}

function foldConstant(c: Required<ArgCond>, max: bigint): Required<ArgCond> | boolean {
  switch (c.op) {
    case 'GE': return c.value === 0n ? true : c;
    case 'LT': return c.value === 0n ? false : c;
    case 'GT': return c.value === max ? false : c;
    case 'LE': return c.value === max ? true : c;
    case 'MASKED_EQ':
      if ((c.valueTwo & ~c.value) !== 0n) return false;
      return c.value === 0n ? true : c;
    default: return c;
  }
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
