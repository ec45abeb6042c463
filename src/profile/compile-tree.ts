// The syscall-number dispatch: a binary search tree of `jge` instructions over sorted number
// ranges, shaped to minimize the expected number of comparisons for the given range weights
// (an optimal alphabetic tree, Knuth's O(n^2) dynamic program). Pure.
import { BPF } from './bpf.js';
import { jumpIf, label, ja, type AsmItem } from './bpf-asm.js';

export type DispatchTree =
  | { leaf: number }
  /** numbers >= lo of range `split` go right */
  | { split: number; left: DispatchTree; right: DispatchTree };

/** Above this many ranges the quadratic tables get large; fall back to weight-balanced splits. */
const OPTIMAL_LIMIT = 1024;

/** The tree over ranges 0..n-1 minimizing sum(weight * depth). */
export function buildDispatchTree(weights: readonly number[]): DispatchTree {
  if (weights.length === 0) throw new Error('dispatch tree over no ranges');
  return weights.length <= OPTIMAL_LIMIT ? optimalTree(weights) : balancedTree(weights, 0, weights.length - 1);
}

function optimalTree(weights: readonly number[]): DispatchTree {
  const n = weights.length;
  const prefix = new Float64Array(n + 1);
  weights.forEach((w, i) => { prefix[i + 1] = prefix[i]! + w; });
  const cost = new Float64Array(n * n);
  const root = new Int32Array(n * n);
  for (let len = 2; len <= n; len++) {
    for (let i = 0; i + len - 1 < n; i++) {
      const j = i + len - 1;
      // Knuth: the best split moves monotonically with the interval ends.
      const from = len === 2 ? j : root[i * n + j - 1]!;
      const to = len === 2 ? j : root[(i + 1) * n + j]!;
      let best = Infinity;
      let bestSplit = from;
      for (let s = from; s <= to; s++) {
        const c = cost[i * n + s - 1]! + cost[s * n + j]!;
        if (c < best) { best = c; bestSplit = s; }
      }
      cost[i * n + j] = best + prefix[j + 1]! - prefix[i]!;
      root[i * n + j] = bestSplit;
    }
  }
  const build = (i: number, j: number): DispatchTree => {
    if (i === j) return { leaf: i };
    const s = root[i * n + j]!;
    return { split: s, left: build(i, s - 1), right: build(s, j) };
  };
  return build(0, n - 1);
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
 * Emit the tree in preorder with A holding the syscall number; leaves jump to `leafLabel(i)`.
 * `lows[i]` is the first number of range i.
 */
export function emitDispatch(tree: DispatchTree, lows: readonly number[], leafLabel: (range: number) => string, prefix: string): AsmItem[] {
  const items: AsmItem[] = [];
  let next = 0;
  const target = (t: DispatchTree): string => ('leaf' in t ? leafLabel(t.leaf) : `${prefix}n${next++}`);
  const emit = (t: DispatchTree, name: string | undefined): void => {
    if ('leaf' in t) return;
    if (name) items.push(label(name));
    const left = target(t.left);
    const right = target(t.right);
    items.push(jumpIf(BPF.JGE, lows[t.split]!, right, left));
    emit(t.left, 'leaf' in t.left ? undefined : left);
    emit(t.right, 'leaf' in t.right ? undefined : right);
  };
  if ('leaf' in tree) items.push(ja(leafLabel(tree.leaf)));
  else emit(tree, undefined);
  return items;
}
