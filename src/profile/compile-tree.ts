// The syscall-number dispatch over sorted number ranges: a search tree of `jge` splits whose
// leaves may be `jeq` chains (lone syscall numbers in a common background cost one instruction
// each there, two in a tree). One dynamic program over all intervals picks, for each, a split or
// a chain, minimizing the expected instructions run per call plus `sizeWeight` per instruction
// of program (Knuth's bounds on the split keep it quadratic). Pure.
import { BPF } from './bpf.js';
import { jumpIf, label, ja, type AsmItem } from './bpf-asm.js';

export type DispatchTree =
  | { leaf: number }
  /** numbers >= lo of range `split` go right */
  | { split: number; left: DispatchTree; right: DispatchTree }
  /** `jeq` each one-number range of `points` (hottest first), else range `background` */
  | { points: number[]; background: number };

/** One range as the dispatch sees it: its first and last number, weight and outcome. */
export interface DispatchRange {
  lo: number;
  hi: number;
  weight: number;
  leaf: string;
}

/** Above this many ranges the quadratic tables get large; fall back to weight-balanced splits. */
const OPTIMAL_LIMIT = 1024;
/** Longest stretch of ranges considered for one chain (longer ones become several). */
const CHAIN_SPAN = 64;

/**
 * The dispatch over `ranges` minimizing sum(share of calls * instructions run) + sizeWeight *
 * instructions: sizeWeight is what one instruction less is worth in instructions run per call.
 */
export function buildDispatchTree(ranges: readonly DispatchRange[], sizeWeight: number): DispatchTree {
  const n = ranges.length;
  if (n === 0) throw new Error('dispatch tree over no ranges');
  if (n > OPTIMAL_LIMIT) return balancedTree(ranges.map((r) => r.weight), 0, n - 1);
  const total = ranges.reduce((a, r) => a + r.weight, 0) || 1;
  const prefix = new Float64Array(n + 1);
  ranges.forEach((r, i) => { prefix[i + 1] = prefix[i]! + r.weight / total; });
  const chains = chainScores(ranges, total, sizeWeight);
  const score = new Float64Array(n * n);
  const root = new Int32Array(n * n);
  const chosen = new Uint8Array(n * n); // 1: chain
  for (let len = 2; len <= n; len++) {
    for (let i = 0; i + len - 1 < n; i++) {
      const j = i + len - 1;
      // Knuth: the best split moves monotonically with the interval ends
      const from = len === 2 ? j : root[i * n + j - 1]!;
      const to = len === 2 ? j : root[(i + 1) * n + j]!;
      let best = Infinity;
      let bestSplit = from;
      for (let s = from; s <= to; s++) {
        const c = score[i * n + s - 1]! + score[s * n + j]!;
        if (c < best) { best = c; bestSplit = s; }
      }
      root[i * n + j] = bestSplit;
      const split = best + prefix[j + 1]! - prefix[i]! + sizeWeight;
      const chain = chains.get(i * n + j) ?? Infinity;
      score[i * n + j] = Math.min(split, chain);
      chosen[i * n + j] = chain < split ? 1 : 0;
    }
  }
  const build = (i: number, j: number): DispatchTree => {
    if (i === j) return { leaf: i };
    if (chosen[i * n + j]) return chainOver(ranges, i, j);
    const s = root[i * n + j]!;
    return { split: s, left: build(i, s - 1), right: build(s, j) };
  };
  return build(0, n - 1);
}

/** The outcome jeq chains fall back to on ranges first..last, or undefined if no chain fits. */
function backgroundOf(ranges: readonly DispatchRange[], first: number, last: number): string | undefined {
  let wide: string | undefined;
  const byLeaf = new Map<string, { weight: number; count: number }>();
  for (let i = first; i <= last; i++) {
    const r = ranges[i]!;
    if (r.lo !== r.hi) {
      if (wide !== undefined && wide !== r.leaf) return undefined;
      wide = r.leaf;
    }
    const had = byLeaf.get(r.leaf) ?? { weight: 0, count: 0 };
    byLeaf.set(r.leaf, { weight: had.weight + r.weight, count: had.count + 1 });
  }
  // no wide range: the outcome with most calls (then most numbers) needs no jeq
  return wide ?? [...byLeaf].sort((a, b) => b[1].weight - a[1].weight || b[1].count - a[1].count)[0]![0];
}

/** Ranges first..last as a jeq chain: the lone numbers outside the background, hottest first. */
function chainOver(ranges: readonly DispatchRange[], first: number, last: number): DispatchTree {
  const background = backgroundOf(ranges, first, last)!;
  const points: number[] = [];
  let home = -1;
  for (let i = first; i <= last; i++) {
    if (ranges[i]!.leaf === background) { if (home < 0) home = i; } else points.push(i);
  }
  points.sort((a, b) => ranges[b]!.weight - ranges[a]!.weight || a - b);
  return { points, background: home };
}

/** Score (cost + sizeWeight * size) of every chain-able interval up to CHAIN_SPAN ranges long. */
function chainScores(ranges: readonly DispatchRange[], total: number, sizeWeight: number): Map<number, number> {
  const n = ranges.length;
  const out = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n && j - i < CHAIN_SPAN; j++) {
      const background = backgroundOf(ranges, i, j);
      if (background === undefined) break; // two wide outcomes stay two for every longer stretch
      const points: number[] = [];
      let rest = 0;
      for (let k = i; k <= j; k++) {
        const r = ranges[k]!;
        if (r.leaf === background) rest += r.weight / total;
        else points.push(r.weight / total);
      }
      points.sort((a, b) => b - a);
      let cost = rest * points.length;
      points.forEach((w, q) => { cost += w * (q + 1); });
      out.set(i * n + j, cost + sizeWeight * points.length);
    }
  }
  return out;
}

/** Split where the weight on both sides is closest to equal. */
function balancedTree(weights: readonly number[], i: number, j: number): DispatchTree {
  if (i === j) return { leaf: i };
  let total = 0;
  for (let k = i; k <= j; k++) total += weights[k]!;
  let acc = 0;
  let split = i + 1;
  for (let k = i; k < j; k++) {
    acc += weights[k]!;
    split = k + 1;
    if (acc * 2 >= total) break;
  }
  return { split, left: balancedTree(weights, i, split - 1), right: balancedTree(weights, split, j) };
}

/**
 * Emit the tree breadth first with A holding the syscall number; leaves jump to `leafLabel(i)`.
 * `lows[i]` is the first number of range i. Breadth first keeps every jump inside the tree short
 * (a node's children sit about as far after it as its own position) and puts the bottom of the
 * tree, whose jumps leave it for argument tests and returns, last: closest to where they go.
 */
export function emitDispatch(tree: DispatchTree, lows: readonly number[], leafLabel: (range: number) => string, prefix: string): AsmItem[] {
  if ('leaf' in tree) return [ja(leafLabel(tree.leaf))];
  const items: AsmItem[] = [];
  let next = 0;
  const queue: { node: DispatchTree; name: string | undefined }[] = [{ node: tree, name: undefined }];
  const target = (t: DispatchTree): string => {
    if ('leaf' in t) return leafLabel(t.leaf);
    const name = `${prefix}n${next++}`;
    queue.push({ node: t, name });
    return name;
  };
  for (let at = 0; at < queue.length; at++) {
    const { node, name } = queue[at]!;
    if (name) items.push(label(name));
    if ('points' in node) {
      node.points.forEach((range, i) => {
        const miss = i + 1 < node.points.length ? `${prefix}n${next++}` : leafLabel(node.background);
        items.push(jumpIf(BPF.JEQ, lows[range]!, leafLabel(range), miss));
        if (i + 1 < node.points.length) items.push(label(miss));
      });
    } else if ('split' in node) {
      items.push(jumpIf(BPF.JGE, lows[node.split]!, target(node.right), target(node.left)));
    }
  }
  return items;
}
