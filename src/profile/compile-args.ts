// Emits the argument tests of one filter section (compile-lower.ts decision graphs) as classic
// BPF: every distinct test once, in an order where all jumps go forward, each test
// `ld word; and mask; jxx k` entered past the load (and the mask) when the test before it left
// that word (masked alike, or with a wider mask) in A. Returns are the caller's (one shared pool). Pure.
import { BPF } from './bpf.js';
import { insn, jumpIf, label, type AsmItem } from './bpf-asm.js';
import type { Decision, Test } from './compile-lower.js';

const ALL = 0xffffffff;
type Entry = 'ld' | 'and' | 'j';
const RANK: Readonly<Record<Entry, number>> = { ld: 0, and: 1, j: 2 };
const JUMP: Readonly<Record<Test['op'], number>> = { EQ: BPF.JEQ, GT: BPF.JGT, GE: BPF.JGE };

/** The label the dispatch jumps to for a root test (A holds the syscall number there). */
export const rootLabel = (prefix: string, d: Test): string => `${prefix}${d.id}.ld`;

/** Where a jump from `from` must enter `to`, given what `from` leaves in A (its word, masked). */
function entryFor(from: Test, to: Test): Entry {
  if (from.offset !== to.offset) return 'ld';
  if (from.mask === ALL) return to.mask === ALL ? 'j' : 'and';
  if (to.mask === from.mask) return 'j';
  return ((to.mask & from.mask) >>> 0) === to.mask ? 'and' : 'ld';
}

/** Emit every test reachable from `roots` (hottest first); returns are jumps to `retLabel(value)`. */
export function emitDecisions(roots: readonly Test[], prefix: string, retLabel: (value: number) => string): AsmItem[] {
  const plan = new TestPlan(roots, prefix, retLabel);
  return plan.emit(plan.order);
}

/**
 * The tests reachable from some roots in a valid order, with the entry each needs (what the
 * tests jumping to it leave in A); emits any part of that order, so the caller can place groups
 * of tests between other code.
 */
export class TestPlan {
  readonly order: Test[];
  private readonly needs: Map<Test, Entry>;

  constructor(roots: readonly Test[], private readonly prefix: string, private readonly retLabel: (value: number) => string) {
    this.order = topologicalOrder(roots);
    this.needs = new Map<Test, Entry>(roots.map((r) => [r, 'ld']));
    for (const test of this.order) {
      for (const next of [test.t, test.f]) {
        if (next.kind !== 'test') continue;
        const e = entryFor(test, next);
        const had = this.needs.get(next);
        if (had === undefined || RANK[e] < RANK[had]) this.needs.set(next, e);
      }
    }
  }

  /** The label of a root (entered with the syscall number in A). */
  root(test: Test): string {
    return rootLabel(this.prefix, test);
  }

  /** `tests` (a part of `order`, in its order) as instructions. */
  emit(tests: readonly Test[]): AsmItem[] {
    const target = (from: Test, to: Decision): string =>
      (to.kind === 'ret' ? this.retLabel(to.value) : `${this.prefix}${to.id}.${entryFor(from, to)}`);
    const items: AsmItem[] = [];
    for (const test of tests) {
      const entry = this.needs.get(test)!;
      const name = `${this.prefix}${test.id}`;
      items.push(label(`${name}.ld`));
      if (entry === 'ld') items.push(insn(BPF.LD | BPF.W | BPF.ABS, test.offset));
      items.push(label(`${name}.and`));
      if (entry !== 'j' && test.mask !== ALL) items.push(insn(BPF.ALU | BPF.AND | BPF.K, test.mask));
      items.push(label(`${name}.j`), jumpIf(JUMP[test.op], test.k, target(test, test.t), target(test, test.f)));
    }
    return items;
  }
}

/** Tests in an order where every test comes after all tests jumping to it (reverse DFS postorder). */
function topologicalOrder(roots: readonly Test[]): Test[] {
  const done = new Set<Test>();
  const post: Test[] = [];
  // roots coldest first: reversing the postorder puts the hottest first
  for (const root of [...roots].reverse()) {
    if (done.has(root)) continue;
    // iterative DFS: children are visited before a node is finished
    const stack: { node: Test; next: number }[] = [{ node: root, next: 0 }];
    done.add(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const kids = [top.node.t, top.node.f];
      if (top.next < kids.length) {
        const kid = kids[top.next++]!;
        if (kid.kind === 'test' && !done.has(kid)) {
          done.add(kid);
          stack.push({ node: kid, next: 0 });
        }
        continue;
      }
      post.push(top.node);
      stack.pop();
    }
  }
  return post.reverse();
}
