// The program layout: load the arch, one `jeq` per audit arch, then per section (an audit arch:
// x86_64 and x32 share one) load the syscall number, dispatch on number ranges (every
// argument-free decision made here, before any argument is loaded), the section's argument
// tests, and at the very end one pool of returns every jump shares (the assembler copies a
// return next to jumps that cannot reach the pool).
// Two layouts: "fast" dispatches every syscall in one search tree (fewest instructions run);
// "compact" (for filters that would not fit) sends every argument-checked syscall to a second
// dispatch, a `jeq` list grouped by argument tests with each group's tests right after it, as
// libseccomp lays filters out: no syscall costs more than one `jeq`, and jumps stay short. Pure.
import type { ArchInfo } from './arch.js';
import { BPF, SECCOMP_DATA } from './bpf.js';
import { insn, jumpIf, label, type AsmItem } from './bpf-asm.js';
import { TestPlan, emitDecisions, rootLabel } from './compile-args.js';
import { DecisionPool, type Test } from './compile-lower.js';
import { buildSectionRanges, type Leaf, type NumberRange, type RangeContext } from './compile-ranges.js';
import { buildDispatchTree, emitDispatch, type DispatchRange } from './compile-tree.js';

export interface Section {
  auditArch: number;
  abis: ArchInfo[];
}

export type Layout = 'fast' | 'compact';

const retLabel = (value: number) => `ret${value >>> 0}`;
/** What one instruction less is worth in instructions run per call (see buildDispatchTree). */
const SIZE_WEIGHT: Readonly<Record<Layout, number>> = { fast: 0.01, compact: 1e6 };

export function emitProgram(ctx: RangeContext, sections: readonly Section[], layout: Layout): AsmItem[] {
  const rets = new Set<number>([ctx.badArch]);
  const retOf = (value: number) => { rets.add(value); return retLabel(value); };
  const items: AsmItem[] = [insn(BPF.LD | BPF.W | BPF.ABS, SECCOMP_DATA.ARCH)];
  sections.forEach((s, i) => {
    if (i > 0) items.push(label(`arch${i}`));
    items.push(jumpIf(BPF.JEQ, s.auditArch, `s${i}`, i + 1 < sections.length ? `arch${i + 1}` : retLabel(ctx.badArch)));
  });
  // one pool for the whole filter: a test means the same in every section (same seccomp_data)
  const pool = new DecisionPool();
  const ranges = sections.map((s) => buildSectionRanges(ctx, s.abis, pool));
  items.push(...(layout === 'fast' ? fastLayout(ranges, retOf) : compactLayout(ranges, retOf)));
  for (const value of rets) items.push(label(retLabel(value)), insn(BPF.RET | BPF.K, value));
  return items;
}

/**
 * Per section: load nr, one dispatch tree over every outcome, then the argument tests no later
 * section jumps to (a test shared with a later section follows that one).
 */
function fastLayout(sections: readonly NumberRange[][], retOf: (value: number) => string): AsmItem[] {
  const dispatches: AsmItem[][] = [];
  const roots: Test[][] = [];
  sections.forEach((ranges, i) => {
    const leaves = leavesByWeight(ranges);
    for (const leaf of leaves) if (leaf.kind === 'ret') retOf(leaf.value);
    roots.push(leaves.flatMap((leaf): Test[] => (leaf.kind === 'args' ? [leaf.decision] : [])));
    const labels = new Map(leaves.map((leaf) => [leaf.key, leaf.kind === 'ret' ? retLabel(leaf.value) : rootLabel(ARG_PREFIX, leaf.decision)]));
    dispatches.push(dispatch(ranges.map((r) => ({ lo: r.lo, hi: r.hi, weight: r.weight, leaf: r.leaf.key })), 'fast', `s${i}`, (key) => labels.get(key)!));
  });
  const plan = new TestPlan(roots.flat(), ARG_PREFIX, retOf);
  const chunks = chunksByLast(plan.order, roots);
  return dispatches.flatMap((items, i) => [...items, ...plan.emit(chunks[i]!)]);
}

/**
 * Per section: a tree for the argument-free outcomes, then the grouped `jeq` list of the
 * argument-checked syscalls, which ends in the most common outcome (the default action), so the
 * tree need not tell that outcome apart from argument checks. Each test is placed right after
 * the last group (of any section) that reaches it.
 */
function compactLayout(sections: readonly NumberRange[][], retOf: (value: number) => string): AsmItem[] {
  const groups = sections.map(argGroups);
  const all = groups.flat();
  const plan = new TestPlan(all.map((g) => g.root), ARG_PREFIX, retOf);
  const chunks = chunksByLast(plan.order, all.map((g) => [g.root]));
  const items: AsmItem[] = [];
  let at = 0;
  sections.forEach((ranges, i) => {
    const name = `s${i}`;
    const rest = commonReturn(ranges);
    retOf(rest);
    const merged: DispatchRange[] = [];
    for (const r of ranges) {
      if (r.leaf.kind === 'ret') retOf(r.leaf.value);
      const leaf = r.leaf.kind === 'args' || r.leaf.value === rest ? SECOND : r.leaf.key;
      const last = merged[merged.length - 1];
      if (last && last.leaf === leaf) merged[merged.length - 1] = { ...last, hi: r.hi, weight: last.weight + r.weight };
      else merged.push({ lo: r.lo, hi: r.hi, weight: r.weight, leaf });
    }
    const mine = groups[i]!;
    const second = mine.length === 0 ? retLabel(rest) : `${name}.args`;
    items.push(...dispatch(merged, 'compact', name, (key) => (key === SECOND ? second : retLabel(Number(key.slice('ret:'.length))))));
    if (mine.length === 0) return;
    items.push(label(second));
    mine.forEach((g, gi) => {
      const next = gi + 1 < mine.length ? `${name}.g${gi + 1}` : retLabel(rest);
      items.push(...groupJumps(g, plan.root(g.root), `${name}.g${gi}`, next));
      items.push(...plan.emit(chunks[at++]!));
      if (gi + 1 < mine.length) items.push(label(next));
    });
  });
  return items;
}

const ARG_PREFIX = 'a';
const SECOND = 'second';

/** `jeq` (or a `jge`/`jgt` pair for a run of numbers) per range of the group, else `next`. */
function groupJumps(g: ArgGroup, root: string, name: string, next: string): AsmItem[] {
  const items: AsmItem[] = [];
  g.ranges.forEach((r, ri) => {
    const miss = ri + 1 < g.ranges.length ? `${name}.${ri + 1}` : next;
    if (r.lo === r.hi) items.push(jumpIf(BPF.JEQ, r.lo, root, miss));
    else items.push(jumpIf(BPF.JGE, r.lo, `${name}.${ri}.hi`, miss), label(`${name}.${ri}.hi`), jumpIf(BPF.JGT, r.hi, miss, root));
    if (ri + 1 < g.ranges.length) items.push(label(miss));
  });
  return items;
}

/** The return most ranges of the section have: the default action, as a rule (the gaps of the table). */
function commonReturn(ranges: readonly NumberRange[]): number {
  const count = new Map<number, number>();
  for (const r of ranges) if (r.leaf.kind === 'ret') count.set(r.leaf.value, (count.get(r.leaf.value) ?? 0) + 1);
  return [...count].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
}

function dispatch(ranges: DispatchRange[], layout: Layout, name: string, labelOf: (leaf: string) => string): AsmItem[] {
  const tree = buildDispatchTree(ranges, SIZE_WEIGHT[layout]);
  return [label(name), insn(BPF.LD | BPF.W | BPF.ABS, SECCOMP_DATA.NR), ...emitDispatch(tree, ranges.map((r) => r.lo), (i) => labelOf(ranges[i]!.leaf), `${name}.`)];
}

interface ArgGroup {
  root: Test;
  /** the syscall numbers with these tests, hottest first */
  ranges: NumberRange[];
  weight: number;
}

/** Argument-checked ranges grouped by their tests, smallest graph first. */
function argGroups(ranges: readonly NumberRange[]): ArgGroup[] {
  const groups = new Map<Test, ArgGroup>();
  for (const r of ranges) {
    if (r.leaf.kind !== 'args') continue;
    const g = groups.get(r.leaf.decision) ?? { root: r.leaf.decision, ranges: [], weight: 0 };
    g.ranges.push(r);
    g.weight += r.weight;
    groups.set(r.leaf.decision, g);
  }
  // smaller test graphs first: one that is part of a bigger one is then placed (with the bigger
  // one's tests) right after its own jumps, as libseccomp orders syscalls by chain length
  const size = new Map([...groups.keys()].map((root) => [root, reachableCount(root)]));
  const out = [...groups.values()].sort((a, b) => size.get(a.root)! - size.get(b.root)! || b.weight - a.weight);
  for (const g of out) g.ranges.sort((a, b) => b.weight - a.weight || a.lo - b.lo);
  return out;
}

function reachableCount(root: Test): number {
  const seen = new Set<Test>();
  const stack: Test[] = [root];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    for (const next of [t.t, t.f]) if (next.kind === 'test') stack.push(next);
  }
  return seen.size;
}

/** `order` cut into one chunk per group of roots: each test goes with the last group reaching it. */
function chunksByLast(order: readonly Test[], groups: readonly (readonly Test[])[]): Test[][] {
  const last = new Map<Test, number>();
  groups.forEach((roots, g) => {
    const stack: Test[] = [...roots];
    const seen = new Set<Test>();
    while (stack.length > 0) {
      const t = stack.pop()!;
      if (seen.has(t)) continue;
      seen.add(t);
      last.set(t, g);
      for (const next of [t.t, t.f]) if (next.kind === 'test') stack.push(next);
    }
  });
  const chunks: Test[][] = groups.map(() => []);
  for (const t of order) chunks[last.get(t)!]!.push(t);
  return chunks;
}

/** Distinct leaves, heaviest first, so hot argument tests sit closest to the dispatch. */
function leavesByWeight(ranges: readonly NumberRange[]): Leaf[] {
  const weight = new Map<string, { leaf: Leaf; weight: number }>();
  for (const r of ranges) {
    const entry = weight.get(r.leaf.key) ?? { leaf: r.leaf, weight: 0 };
    entry.weight += r.weight;
    weight.set(r.leaf.key, entry);
  }
  return [...weight.values()].sort((a, b) => b.weight - a.weight).map((e) => e.leaf);
}
