// A syscall's rule tree (compile-merge.ts) as a decision graph the code generator can emit: each
// test compares one 32-bit argument word (masked) with a constant and names where true and false
// go. libseccomp's walk order is kept exactly: a level's nodes are tried in order, a failed
// branch continues with the next node of the level, and the last one falls back to the level
// above. Identical tests with identical successors are one node (hash-consed per filter section),
// tests whose branches agree are dropped, constant tests folded. Pure.
import type { ArchInfo } from './arch.js';
import { argWordOffset } from './bpf.js';
import { EndlessMerge, levelStart, type ChainNode, type SyscallEntry } from './compile-chain.js';

export type Decision = Ret | Test;

export interface Ret {
  kind: 'ret';
  id: number;
  value: number;
}

/** `(word at offset & mask) op k`, unsigned 32-bit. */
export interface Test {
  kind: 'test';
  id: number;
  offset: number;
  mask: number;
  op: 'EQ' | 'GT' | 'GE';
  k: number;
  t: Decision;
  f: Decision;
}

const ALL = 0xffffffff;

/** Creates decisions, sharing equal ones: the unit of sharing is a filter section. */
export class DecisionPool {
  private readonly rets = new Map<number, Ret>();
  private readonly tests = new Map<string, Test>();
  private next = 0;

  ret(value: number): Ret {
    let r = this.rets.get(value >>> 0);
    if (!r) {
      r = { kind: 'ret', id: this.next++, value: value >>> 0 };
      this.rets.set(value >>> 0, r);
    }
    return r;
  }

  test(offset: number, mask: number, op: Test['op'], k: number, t: Decision, f: Decision): Decision {
    mask >>>= 0;
    k >>>= 0;
    if (t === f) return t;
    const constant = foldConstant(mask, op, k);
    if (constant !== undefined) return constant ? t : f;
    const key = `${offset}/${mask}/${op}/${k}/${t.id}/${f.id}`;
    let node = this.tests.get(key);
    if (!node) {
      node = { kind: 'test', id: this.next++, offset, mask, op, k, t, f };
      this.tests.set(key, node);
    }
    return node;
  }
}

/** The outcome when it does not depend on the word: mask 0, `>= 0`, `> 2^32-1`, bits outside the mask. */
function foldConstant(mask: number, op: Test['op'], k: number): boolean | undefined {
  if (mask === 0) return op === 'EQ' ? k === 0 : op === 'GE' ? k === 0 : false;
  if (op === 'GE' && k === 0) return true;
  if (op === 'GT' && k === ALL) return false;
  if (op === 'EQ' && ((k & ~mask) >>> 0) !== 0) return false;
  return undefined;
}

/** The decision graph of one syscall: its unconditional action, or its tree ending in `fallback`. */
export function lowerEntry(pool: DecisionPool, entry: SyscallEntry, abi: ArchInfo, fallback: number): Decision {
  if (entry.chains === null) return pool.ret(entry.action);
  const memo = new Map<ChainNode, Map<number, Decision>>();
  const offsetOf = (n: ChainNode) => argWordOffset(n.arg, n.hi ? 'hi' : 'lo', abi.endian);

  const lowerLevel = (start: ChainNode, cont: Decision): Decision => {
    let byCont = memo.get(start);
    if (!byCont) memo.set(start, (byCont = new Map()));
    const known = byCont.get(cont.id);
    if (known) return known;
    const nodes: ChainNode[] = [];
    const seen = new Set<ChainNode>();
    for (let n: ChainNode | null = start; n !== null; n = n.lvlNxt) {
      if (seen.has(n)) throw new EndlessMerge('cyclic level');
      seen.add(n);
      nodes.push(n);
    }
    let result = cont;
    for (let i = nodes.length - 1; i >= 0; i--) result = lowerNode(nodes[i]!, result);
    byCont.set(cont.id, result);
    return result;
  };

  const lowerNode = (n: ChainNode, next: Decision): Decision => {
    const branch = (sub: ChainNode | null, set: boolean, action: number): Decision => {
      if (sub !== null) return lowerLevel(levelStart(sub), next);
      return set ? pool.ret(action) : next;
    };
    const t = branch(n.nxtT, n.actTSet, n.actT);
    const f = branch(n.nxtF, n.actFSet, n.actF);
    return pool.test(offsetOf(n), n.mask, n.op === 'MASKED_EQ' ? 'EQ' : n.op, n.datum, t, f);
  };

  return lowerLevel(levelStart(entry.chains), pool.ret(fallback));
}

/** Follow a decision graph for one struct seccomp_data (a 32-bit word reader by byte offset). */
export function evaluate(d: Decision, word: (offset: number) => number): number {
  let at = d;
  while (at.kind === 'test') {
    const a = (word(at.offset) & at.mask) >>> 0;
    const holds = at.op === 'EQ' ? a === at.k : at.op === 'GT' ? a > at.k : a >= at.k;
    at = holds ? at.t : at.f;
  }
  return at.value;
}
