// One rule's conditions as libseccomp 2.5.4 stores them (its "argument chain tree", db.c): a chain
// of 32-bit word comparisons, 64-bit conditions split into high and low word nodes. The nodes,
// their reference counts and a journal that lets a failed rule be undone. Pure.
import type { ArgCond, ArgOp } from './model.js';

/** What a node compares (after libseccomp's rewrite: NE, LT and LE become EQ, GE and GT with swapped branches). */
export type NodeOp = 'EQ' | 'GT' | 'GE' | 'MASKED_EQ';

/**
 * One comparison `(word & mask) op datum`. Nodes that share a tree depth form a "level", a linked
 * list (lvlPrv/lvlNxt) kept in libseccomp's order; nxtT/nxtF lead to another level and actT/actF
 * end the walk. `refs` counts the pointers to the node, as libseccomp's refcnt does: which nodes a
 * later rule frees depends on it, and so does the filter.
 */
export interface ChainNode {
  arg: number;
  /** the high word of a 64-bit argument (arg_h_flg) */
  hi: boolean;
  op: NodeOp;
  /** the rule's comparison; orders nodes of a level */
  opOrig: ArgOp;
  mask: number;
  datum: number;
  /** the rule's whole 64-bit value */
  datumFull: bigint;
  actT: number;
  actTSet: boolean;
  actF: number;
  actFSet: boolean;
  nxtT: ChainNode | null;
  nxtF: ChainNode | null;
  lvlPrv: ChainNode | null;
  lvlNxt: ChainNode | null;
  refs: number;
}

/** A syscall's rules on one ABI: an unconditional action when `chains` is null, else the tree. */
export interface SyscallEntry {
  chains: ChainNode | null;
  action: number;
}

/** A new rule before it joins the tree. */
export interface NewChain {
  chains: ChainNode | null;
  action: number;
}

/** Thrown where libseccomp 2.5.4 would never return: some rule orders corrupt a level into a cycle. */
export class EndlessMerge extends Error {}

/** Loop steps one rule may take; real merges take thousands at most (a level per node visited). */
const STEP_BUDGET = 2_000_000;

/**
 * Records every write so that a rule libseccomp refuses (EEXIST) can be taken back on every ABI,
 * and counts loop steps so that a merge libseccomp would never finish ends with EndlessMerge.
 */
export class Journal {
  private readonly undo: (() => void)[] = [];
  private steps = 0;

  tick(): void {
    if (++this.steps > STEP_BUDGET) throw new EndlessMerge('endless merge');
  }

  set<T extends object, K extends keyof T>(target: T, key: K, value: T[K]): void {
    const old = target[key];
    if (old === value) return;
    this.undo.push(() => { target[key] = old; });
    target[key] = value;
  }

  onUndo(fn: () => void): void {
    this.undo.push(fn);
  }

  mark(): number {
    return this.undo.length;
  }

  rollback(to: number): void {
    while (this.undo.length > to) this.undo.pop()!();
  }

  /** Forget the log (what was written stays) and start a new step budget. */
  commit(): void {
    this.undo.length = 0;
    this.steps = 0;
  }
}

export function nodeGet(j: Journal, n: ChainNode | null): ChainNode | null {
  if (n !== null) j.set(n, 'refs', n.refs + 1);
  return n;
}

export const isLeaf = (n: ChainNode): boolean => n.nxtT === null && n.nxtF === null;

/** The first node of the level `n` is on. */
export function levelStart(n: ChainNode, j?: Journal): ChainNode {
  let at = n;
  const seen = j === undefined ? new Set<ChainNode>() : undefined;
  while (at.lvlPrv !== null) {
    if (j) j.tick();
    else if (seen!.has(at)) throw new EndlessMerge('cyclic level');
    else seen!.add(at);
    at = at.lvlPrv;
  }
  return at;
}

const U32 = 0xffffffffn;
const lo32 = (v: bigint): number => Number(v & U32);
const hi32 = (v: bigint): number => Number((v >> 32n) & U32);

interface CondParts {
  arg: number;
  op: ArgOp;
  /** all ones unless MASKED_EQ */
  mask: bigint;
  datum: bigint;
}

function partsOf(c: Required<ArgCond>): CondParts {
  return c.op === 'MASKED_EQ'
    ? { arg: c.index, op: c.op, mask: c.value, datum: c.valueTwo }
    : { arg: c.index, op: c.op, mask: (1n << 64n) - 1n, datum: c.value };
}

function newNode(arg: number, hi: boolean, op: NodeOp, opOrig: ArgOp, mask: number, datum: number, datumFull: bigint): ChainNode {
  return {
    arg, hi, op, opOrig, mask: mask >>> 0, datum: (datum & mask) >>> 0, datumFull,
    actT: 0, actTSet: false, actF: 0, actFSet: false, nxtT: null, nxtF: null, lvlPrv: null, lvlNxt: null, refs: 0,
  };
}

/**
 * The chain of a rule on a 64-bit ABI (_db_rule_gen_64), conditions chained in argument order.
 * Rules from profile files hold one condition per argument (runc's split); two on one argument
 * (jailctl's baseline only) are chained one after the other and so ANDed. GT/GE/LT/LE need three nodes (high word above,
 * high word equal, low word), EQ/NE/MASKED_EQ two (high word, low word).
 */
export function chain64(j: Journal, conds: readonly Required<ArgCond>[], action: number): NewChain {
  let chains: ChainNode | null = null;
  let prev: (ChainNode | null)[] = [];
  let prevOp: ArgOp | undefined;
  for (const c of sortedByArg(conds)) {
    const p = partsOf(c);
    if (p.op === 'MASKED_EQ' && p.mask === 0n) continue; // always true
    const full = p.datum;
    const level = ['GT', 'GE', 'LT', 'LE'].includes(p.op) ? rangeNodes(p, full) : equalNodes(p, full);
    if (prevOp === undefined) chains = nodeGet(j, level[0]!);
    else linkAccept(j, prev, prevOp, level[0]!);
    prev = level;
    prevOp = p.op;
  }
  if (prevOp === undefined) return { chains: null, action };
  setAcceptAction(prev, prevOp, action);
  return { chains, action };

  function rangeNodes(p: CondParts, full: bigint): (ChainNode | null)[] {
    const above = newNode(p.arg, true, 'GT', p.op, hi32(p.mask), hi32(p.datum), full);
    const equal = newNode(p.arg, true, 'EQ', p.op, hi32(p.mask), hi32(p.datum), full);
    const lowOp: NodeOp = p.op === 'GT' || p.op === 'LE' ? 'GT' : 'GE';
    const low = newNode(p.arg, false, lowOp, p.op, lo32(p.mask), lo32(p.datum), full);
    above.nxtF = nodeGet(j, equal);
    equal.nxtT = nodeGet(j, low);
    return [above, equal, low];
  }

  function equalNodes(p: CondParts, full: bigint): (ChainNode | null)[] {
    const op: NodeOp = p.op === 'MASKED_EQ' ? 'MASKED_EQ' : 'EQ';
    const high = newNode(p.arg, true, op, p.op, hi32(p.mask), hi32(p.datum), full);
    const low = newNode(p.arg, false, op, p.op, lo32(p.mask), lo32(p.datum), full);
    high.nxtT = nodeGet(j, low);
    return [high, low, null];
  }
}

/** Where the previous condition "holds" continues to the next condition's first node. */
function linkAccept(j: Journal, prev: (ChainNode | null)[], op: ArgOp, next: ChainNode): void {
  const [above, equal, low] = prev;
  switch (op) {
    case 'GT': case 'GE': above!.nxtT = nodeGet(j, next); low!.nxtT = nodeGet(j, next); break;
    case 'EQ': case 'MASKED_EQ': equal!.nxtT = nodeGet(j, next); break;
    case 'LT': case 'LE': equal!.nxtF = nodeGet(j, next); low!.nxtF = nodeGet(j, next); break;
    case 'NE': above!.nxtF = nodeGet(j, next); equal!.nxtF = nodeGet(j, next); break;
  }
}

function setAcceptAction(last: (ChainNode | null)[], op: ArgOp, action: number): void {
  const [above, equal, low] = last;
  const t = (n: ChainNode) => { n.actT = action; n.actTSet = true; };
  const f = (n: ChainNode) => { n.actF = action; n.actFSet = true; };
  switch (op) {
    case 'GT': case 'GE': t(above!); t(low!); break;
    case 'LT': case 'LE': f(equal!); f(low!); break;
    case 'EQ': case 'MASKED_EQ': t(equal!); break;
    case 'NE': f(above!); f(equal!); break;
  }
}

/**
 * The chain of a rule on a 32-bit ABI (_db_rule_gen_32): one node per condition on the low word;
 * the value and mask are truncated to 32 bits. NE, LT and LE are stored as EQ, GE and GT whose
 * false branch is the match.
 */
export function chain32(j: Journal, conds: readonly Required<ArgCond>[], action: number): NewChain {
  let chains: ChainNode | null = null;
  let prev: ChainNode | null = null;
  let onTrue = true;
  for (const c of sortedByArg(conds)) {
    const p = partsOf(c);
    if (p.op === 'MASKED_EQ' && lo32(p.mask) === 0) continue; // always true on the low word
    const swapped: Partial<Record<ArgOp, NodeOp>> = { NE: 'EQ', LT: 'GE', LE: 'GT' };
    const op = swapped[p.op] ?? (p.op as NodeOp);
    const node = newNode(p.arg, false, op, p.op, lo32(p.mask), lo32(p.datum), p.datum);
    if (prev === null) chains = nodeGet(j, node);
    else if (onTrue) prev.nxtT = nodeGet(j, node);
    else prev.nxtF = nodeGet(j, node);
    onTrue = swapped[p.op] === undefined;
    prev = node;
  }
  if (prev === null) return { chains: null, action };
  if (onTrue) { prev.actT = action; prev.actTSet = true; } else { prev.actF = action; prev.actFSet = true; }
  return { chains, action };
}

function sortedByArg(conds: readonly Required<ArgCond>[]): Required<ArgCond>[] {
  return [...conds].sort((a, b) => a.index - b.index);
}
