// Adding one rule's chain to a syscall's tree exactly as libseccomp 2.5.4 does (db.c:
// db_rule_add, _db_tree_prune, _db_tree_add and their reference counting), because that merge
// *is* the precedence runc and crun give a profile: an unconditional rule replaces conditional
// ones whatever the order, the first unconditional rule stays, a shorter chain with the same
// action replaces longer ones, nodes of a level are ordered by argument, operator and value (the
// more specific value is tested first), and a rule whose action contradicts what a shared node
// already decides is refused (EEXIST). Pure; every write goes through the Journal.
import {
  isLeaf, levelStart, nodeGet, type ChainNode, type Journal, type NewChain, type SyscallEntry,
} from './compile-chain.js';

export const EEXIST = -17;

// db_iter_state flags
const MATCH = 0x1;
const MATCH_ONCE = 0x2;
const X_FINISHED = 0x10;
const N_FINISHED = 0x20;
const X_PREFIX = 0x100;
const N_PREFIX = 0x200;
const MATCHSET = MATCH | MATCH_ONCE;
const REDUNDANT = MATCH | X_FINISHED | N_PREFIX;

interface IterState {
  flags: number;
  action: number;
  entry: SyscallEntry;
}

/** Add `rule` (the chain of one rule) to a syscall's entry; returns 0 or EEXIST. */
export function addToEntry(j: Journal, entry: SyscallEntry, rule: NewChain): number {
  let pruned = false;
  for (;;) {
    if (entry.chains === null) {
      // an existing unconditional rule stays, unless pruning emptied the tree
      if (pruned) { j.set(entry, 'chains', rule.chains); j.set(entry, 'action', rule.action); } else treePut(j, rule.chains);
      return 0;
    }
    if (rule.chains === null) {
      // a new unconditional rule replaces every conditional one
      treePut(j, entry.chains);
      j.set(entry, 'chains', null);
      j.set(entry, 'action', rule.action);
      return 0;
    }
    const state: IterState = { flags: 0, action: rule.action, entry };
    const freed = prune(j, entry.chains, rule.chains, state);
    if (freed > 0) {
      pruned = true;
      if (entry.chains === null) continue;
    } else if ((state.flags & REDUNDANT) === REDUNDANT) {
      treePut(j, rule.chains);
      return 0;
    }
    const rc = add(j, { get: () => entry.chains, set: (v) => j.set(entry, 'chains', v) }, rule.chains, entry);
    if (rc < 0) return rc;
    treePut(j, rule.chains);
    return 0;
  }
}

// --- reference counting (_db_node_put, _db_level_clean, _db_tree_put, _db_tree_remove) ---

/** Drop one reference; a node left without any is unlinked from its level and its subtrees dropped. */
function nodePut(j: Journal, n: ChainNode | null): { freed: number; now: ChainNode | null } {
  if (n === null) return { freed: 0, now: null };
  j.set(n, 'refs', n.refs - 1);
  if (n.refs !== 0) return { freed: 0, now: n };
  let freed = 0;
  let prv = n.lvlPrv;
  let nxt = n.lvlNxt;
  const t = n.nxtT;
  const f = n.nxtF;
  if (prv) j.set(prv, 'lvlNxt', null);
  if (nxt) j.set(nxt, 'lvlPrv', null);
  if (prv) { const r = nodePut(j, prv); freed += r.freed; prv = r.now; }
  if (nxt) { const r = nodePut(j, nxt); freed += r.freed; nxt = r.now; }
  if (prv) j.set(prv, 'lvlNxt', nodeGet(j, nxt));
  if (nxt) j.set(nxt, 'lvlPrv', nodeGet(j, prv));
  freed += treePut(j, t) + treePut(j, f);
  return { freed: freed + 1, now: prv ?? nxt ?? null };
}

/** Free a whole level when nothing but its own links points at it. */
function levelClean(j: Journal, node: ChainNode): number {
  const start = levelStart(node, j);
  for (let n: ChainNode | null = start; n !== null; n = n.lvlNxt) {
    j.tick();
    const links = (n.lvlPrv ? 1 : 0) + (n.lvlNxt ? 1 : 0);
    if (n.refs > links) return 0;
  }
  let freed = 0;
  let n: ChainNode | null = start;
  while (n !== null) {
    j.tick();
    const r = nodePut(j, n);
    freed += r.freed;
    n = r.now;
  }
  return freed;
}

export function treePut(j: Journal, tree: ChainNode | null): number {
  const r = nodePut(j, tree);
  return r.freed + (r.now ? levelClean(j, r.now) : 0);
}

interface Slot {
  get(): ChainNode | null;
  set(v: ChainNode | null): void;
}

const slotOf = (j: Journal, n: ChainNode, key: 'nxtT' | 'nxtF'): Slot => ({ get: () => n[key], set: (v) => j.set(n, key, v) });

/** Remove `node` (and zombie leaves met on the way) from the tree in `tree`. */
function treeRemove(j: Journal, tree: Slot, node: ChainNode): number {
  const head = tree.get();
  if (head === null) return 0;
  let freed = 0;
  let at: ChainNode | null = levelStart(head, j);
  do {
    j.tick();
    if (at === node) return freed + unlink(j, tree, at);
    freed += treeRemove(j, slotOf(j, at, 'nxtT'), node);
    freed += treeRemove(j, slotOf(j, at, 'nxtF'), node);
    if (isLeaf(at) && !at.actTSet && !at.actFSet) return freed + unlink(j, tree, at);
    at = at.lvlNxt;
  } while (at !== null && freed === 0);
  return freed;
}

function unlink(j: Journal, tree: Slot, n: ChainNode): number {
  if (tree.get() === n) tree.set(n.lvlPrv ?? n.lvlNxt);
  if (n.lvlPrv) j.set(n.lvlPrv, 'lvlNxt', n.lvlNxt);
  if (n.lvlNxt) j.set(n.lvlNxt, 'lvlPrv', n.lvlPrv);
  j.set(n, 'lvlPrv', null);
  j.set(n, 'lvlNxt', null);
  return nodePut(j, n).freed;
}

/** Whether every action in the levels from `tree` down is `action` (_db_tree_act_check). */
function actionsAll(j: Journal, tree: ChainNode | null, action: number): boolean {
  if (tree === null) return true;
  for (let n: ChainNode | null = levelStart(tree, j); n !== null; n = n.lvlNxt) {
    j.tick();
    if (n.actTSet && n.actT !== action) return false;
    if (n.actFSet && n.actF !== action) return false;
    if (!actionsAll(j, n.nxtT, action) || !actionsAll(j, n.nxtF, action)) return false;
  }
  return true;
}

// --- node order on a level (_db_chain_lt, _db_chain_eq) ---

const argRank = (n: ChainNode) => (n.arg << 1) + (n.hi ? 1 : 0);

function opRank(n: ChainNode): number {
  switch (n.opOrig) {
    case 'MASKED_EQ': case 'EQ': case 'NE': return 3;
    case 'LE': case 'LT': return 2;
    default: return 1;
  }
}

/** Same argument word, operator, datum and mask: one node serves both rules. */
function sameTest(a: ChainNode, b: ChainNode): boolean {
  return argRank(a) === argRank(b) && a.op === b.op && a.datum === b.datum && a.mask === b.mask;
}

/** `a` sorts after `b` on a level (levels run from the highest rank down). */
function ranksBelow(a: ChainNode, b: ChainNode): boolean {
  if (argRank(a) !== argRank(b)) return argRank(a) < argRank(b);
  if (opRank(a) !== opRank(b)) return opRank(a) < opRank(b);
  // LT/LE: smaller values first; everything else: larger values first
  return a.opOrig === 'LE' || a.opOrig === 'LT' ? a.datum > b.datum : a.datum < b.datum;
}

// --- _db_tree_prune: drop existing branches a shorter new rule with the same action makes redundant ---

function prune(j: Journal, existing: ChainNode | null, fresh: ChainNode | null, state: IterState): number {
  const mine = { ...state };
  let freed = 0;
  const finish = (): number => {
    if (mine.flags & MATCH) state.flags |= mine.flags;
    else state.flags &= ~MATCH;
    return freed;
  };
  if (fresh === null || existing === null) return finish();
  if ((state.flags & MATCHSET) === MATCH_ONCE) return finish();
  const n = fresh;
  let x: ChainNode | null = levelStart(existing, j);
  while (x !== null) {
    j.tick();
    const after: ChainNode | null = x.lvlNxt;
    /** Prune `sub` against `next` holding a reference on x (which may be freed meanwhile). */
    const descend = (at: ChainNode, sub: ChainNode | null, next: ChainNode | null, flags: number): { flags: number; x: ChainNode | null } => {
      nodeGet(j, at);
      const inner: IterState = { ...state, flags };
      freed += prune(j, sub, next, inner);
      const r = nodePut(j, at);
      freed += r.freed;
      return { flags: inner.flags, x: r.now };
    };
    if (sameTest(x, n)) {
      mine.flags |= MATCHSET;
      if (isLeaf(n)) mine.flags |= N_FINISHED;
      if (isLeaf(x)) mine.flags |= X_FINISHED;
      if ((x.actTSet || x.nxtT) && !(n.actTSet || n.nxtT)) return finish();
      if ((x.actFSet || x.nxtF) && !(n.actFSet || n.nxtF)) return finish();
      if ((mine.flags & N_FINISHED) && (mine.flags & X_FINISHED)) {
        if (n.actTSet !== x.actTSet || n.actT !== x.actT) return finish();
        if (n.actFSet !== x.actFSet || n.actF !== x.actF) return finish();
      }
      for (const key of ['nxtT', 'nxtF'] as const) {
        if (x === null || n[key] === null) continue;
        const r = descend(x, x[key], n[key], state.flags | MATCHSET);
        if (r.flags & MATCH) mine.flags |= r.flags;
        x = r.x;
      }
      if (x !== null) {
        const uniform = actionsAll(j, x, mine.action);
        if (uniform && (mine.flags & MATCH) && (mine.flags & N_FINISHED) && (mine.flags & X_PREFIX)) {
          // the new rule is shorter: drop the existing branch
          const entry = state.entry;
          freed += treeRemove(j, { get: () => entry.chains, set: (v) => j.set(entry, 'chains', v) }, x);
          if (entry.chains === null) return finish();
        } else if (uniform && (mine.flags & MATCH) && (mine.flags & X_FINISHED) && (mine.flags & N_PREFIX)) {
          return finish(); // the existing rule is shorter
        }
      }
    } else if (ranksBelow(x, n)) {
      if (state.flags & N_PREFIX) return finish();
      for (const key of ['nxtT', 'nxtF'] as const) {
        if (x === null || x[key] === null) continue;
        const r = descend(x, x[key], n, (state.flags & ~MATCH) | X_PREFIX);
        if (r.flags & MATCH) { mine.flags |= r.flags; return finish(); }
        x = r.x;
      }
    } else {
      if (state.flags & X_PREFIX) return finish();
      for (const key of ['nxtT', 'nxtF'] as const) {
        if (x === null || n[key] === null) continue;
        const r = descend(x, x, n[key], (state.flags & ~MATCH) | N_PREFIX);
        if (r.flags & MATCH) { mine.flags |= r.flags; return finish(); }
        x = r.x;
      }
    }
    x = after;
  }
  mine.flags &= ~MATCH;
  return finish();
}

// --- _db_tree_add: merge the new chain into the tree, node by node ---

function add(j: Journal, existing: Slot, fresh: ChainNode, entry: SyscallEntry): number {
  let x: ChainNode | null = existing.get();
  const n = fresh;
  while (x !== null) {
    j.tick();
    if (sameTest(x, n)) return mergeSame(j, x, n, entry);
    if (!ranksBelow(x, n)) {
      if (x.lvlNxt === null) {
        j.set(n, 'lvlPrv', nodeGet(j, x));
        j.set(x, 'lvlNxt', nodeGet(j, n));
        return 0;
      }
      x = x.lvlNxt;
      continue;
    }
    // insert n before x
    if (x.lvlPrv !== null) {
      j.set(x.lvlPrv, 'lvlNxt', nodeGet(j, n));
      j.set(n, 'lvlPrv', x.lvlPrv);
      j.set(x, 'lvlPrv', nodeGet(j, n));
      j.set(n, 'lvlNxt', x);
    } else {
      j.set(x, 'lvlPrv', nodeGet(j, n));
      j.set(n, 'lvlNxt', nodeGet(j, x));
    }
    if (existing.get() === x) {
      existing.set(nodeGet(j, n));
      nodePut(j, x);
    }
    return 0;
  }
  return 0;
}

/** x and n test the same word the same way: merge actions and subtrees. */
function mergeSame(j: Journal, x: ChainNode, n: ChainNode, entry: SyscallEntry): number {
  if (n.actTSet) {
    if (!x.actTSet) {
      if (!actionsAll(j, x.nxtT, n.actT)) return EEXIST;
      treeDrop(j, x, 'nxtT');
      j.set(x, 'actT', n.actT);
      j.set(x, 'actTSet', true);
    } else if (n.actT !== x.actT) {
      // 64-bit GT/GE: the larger full value is the more specific rule
      if (n.hi && n.datumFull > x.datumFull) j.set(x, 'actT', n.actT);
      if (isLeaf(x) || isLeaf(n)) return EEXIST;
    }
  }
  if (n.actFSet) {
    if (!x.actFSet) {
      if (!actionsAll(j, x.nxtF, n.actF)) return EEXIST;
      treeDrop(j, x, 'nxtF');
      j.set(x, 'actF', n.actF);
      j.set(x, 'actFSet', true);
    } else if (n.actF !== x.actF) {
      // libseccomp 2.5.4 sets the *true* action here (a typo fixed in 2.6.1); kept, since it is
      // what runc and crun linked against 2.5.4 load
      if (n.hi && n.datumFull < x.datumFull) j.set(x, 'actT', n.actT);
      if (isLeaf(x) || isLeaf(n)) return EEXIST;
    }
  }
  for (const [key, act] of [['nxtT', 'actTSet'], ['nxtF', 'actFSet']] as const) {
    const sub = n[key];
    if (sub === null) continue;
    if (x[key] !== null) {
      const rc = add(j, slotOf(j, x, key), sub, entry);
      if (rc !== 0) return rc;
    } else if (!x[act]) {
      j.set(x, key, nodeGet(j, sub));
    } else {
      return 0; // the existing tree is shorter
    }
  }
  return 0;
}

function treeDrop(j: Journal, x: ChainNode, key: 'nxtT' | 'nxtF'): void {
  nodePut(j, x[key]);
  j.set(x, key, null);
}
