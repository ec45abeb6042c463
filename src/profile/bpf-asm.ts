// A tiny label assembler for classic BPF: jumps name labels, and conditional jumps farther than
// 255 instructions (jt/jf are 8-bit) go through inserted BPF_JA trampolines (32-bit offsets); a
// far jump to a return instead jumps to a copy of that return within reach (one it finds, or one
// it inserts, which later far jumps share): as small as a trampoline and one jump shorter.
// Pure. Only forward jumps exist in classic BPF; a backward one is a compiler bug.
import { JailctlError } from '../errors.js';
import { BPF, type Insn } from './bpf.js';

export type AsmItem =
  | { op: 'label'; name: string }
  | { op: 'insn'; insn: Insn }
  | { op: 'jump'; code: number; k: number; jt: string; jf: string }
  | { op: 'ja'; target: string };

const MAX_SHORT_JUMP = 255;

export const label = (name: string): AsmItem => ({ op: 'label', name });
export const insn = (code: number, k: number): AsmItem => ({ op: 'insn', insn: { code, jt: 0, jf: 0, k: k >>> 0 } });
export const ja = (target: string): AsmItem => ({ op: 'ja', target });
/** Conditional jump on A compared with k: BPF_JMP | op | BPF_K. */
export const jumpIf = (op: number, k: number, jt: string, jf: string): AsmItem =>
  ({ op: 'jump', code: BPF.JMP | op | BPF.K, k: k >>> 0, jt, jf });

/** Room left (first round) for pads other jumps insert between a jump and its pad. */
const SLACK = 64;

/** Resolve labels into instructions, inserting pads until every jump fits. */
export function assemble(input: readonly AsmItem[]): Insn[] {
  let items = labelReturns(dropJumpsToNext([...input]));
  const names = { next: 0 };
  for (let round = 0; ; round++) {
    const positions = labelPositions(items);
    // after the first round pads go right after the jump: nothing comes between, so this ends
    const slack = round === 0 ? SLACK : MAX_SHORT_JUMP;
    const pads = planPads(items, positions, names, slack);
    if (pads.size === 0) {
      // pads a later round made unnecessary: dropping them only shortens jumps
      const kept = dropUnusedPads(items);
      return emit(kept, labelPositions(kept));
    }
    items = items.flatMap((item, i) => [...(pads.get(i) ?? []), item]);
  }
}

/** Remove pads no jump targets any more (a pad is a `~pad` label and the instruction after it). */
function dropUnusedPads(items: readonly AsmItem[]): AsmItem[] {
  let current = [...items];
  for (;;) {
    const used = new Set<string>();
    for (const item of current) {
      if (item.op === 'jump') { used.add(item.jt); used.add(item.jf); } else if (item.op === 'ja') used.add(item.target);
    }
    const next: AsmItem[] = [];
    for (let i = 0; i < current.length; i++) {
      const item = current[i]!;
      if (item.op === 'label' && item.name.startsWith('~pad') && !used.has(item.name)) { i++; continue; }
      next.push(item);
    }
    if (next.length === current.length) return next;
    current = next;
  }
}

/**
 * Pads for the far jumps: a copy of the return, or a `ja` trampoline, placed as late as it can
 * be reached with `slack` to spare, so that later far jumps to the same place share it, at a
 * point no instruction falls through to (after a jump or a return). Rewrites the far jumps;
 * returns pads by the item index they go before.
 */
function planPads(items: AsmItem[], positions: Map<string, number>, names: { next: number }, slack: number): Map<number, AsmItem[]> {
  const returning = returnLabels(items);
  const sites = new Map<string, { pc: number; label: string }[]>();
  for (const [name, value] of returning) addSite(sites, `ret:${value}`, positions.get(name)!, name);
  const boundaries: { index: number; pc: number }[] = [];
  const pads = new Map<number, AsmItem[]>();
  let pc = 0;
  items.forEach((item, i) => {
    if (item.op === 'label') return;
    pc++;
    if (item.op === 'jump' || item.op === 'ja' || isReturn(item)) boundaries.push({ index: i + 1, pc });
  });
  pc = 0;
  items.forEach((item, i) => {
    if (item.op === 'label') return;
    const at = pc++;
    if (item.op !== 'jump') return;
    const reach = (target: string): string => {
      const to = positions.get(target);
      if (to === undefined) throw internal(`jump to undefined label ${target}`);
      if (to <= at) throw internal(`backward jump to ${target}`);
      if (to - at - 1 <= MAX_SHORT_JUMP) return target;
      const value = returning.get(target);
      const key = value === undefined ? `ja:${target}` : `ret:${value}`;
      // an existing copy in reach is reused (with a margin for what this round inserts)
      const near = sites.get(key)?.find((s) => s.pc > at && s.pc - at - 1 <= MAX_SHORT_JUMP - SLACK);
      if (near) return near.label;
      const spot = latestBoundary(boundaries, at, slack) ?? boundaries.find((b) => b.pc > at)!;
      const name = `~pad${names.next++}`;
      const pad = value === undefined ? ja(target) : insn(BPF.RET | BPF.K, value);
      pads.set(spot.index, [...(pads.get(spot.index) ?? []), label(name), pad]);
      addSite(sites, key, spot.pc, name);
      return name;
    };
    const jt = reach(item.jt);
    const jf = reach(item.jf);
    if (jt !== item.jt || jf !== item.jf) items[i] = { ...item, jt, jf };
  });
  return pads;
}

/** The last boundary a jump at `at` reaches with `slack` to spare (boundaries ascend by pc). */
function latestBoundary(boundaries: readonly { index: number; pc: number }[], at: number, slack: number): { index: number; pc: number } | undefined {
  let lo = 0;
  let hi = boundaries.length - 1;
  let found: { index: number; pc: number } | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const b = boundaries[mid]!;
    if (b.pc - at - 1 <= MAX_SHORT_JUMP - slack) { if (b.pc > at) found = b; lo = mid + 1; } else hi = mid - 1;
  }
  return found;
}

function addSite(sites: Map<string, { pc: number; label: string }[]>, key: string, pc: number, name: string): void {
  const list = sites.get(key) ?? [];
  list.push({ pc, label: name });
  sites.set(key, list);
}

const isReturn = (item: AsmItem): item is { op: 'insn'; insn: Insn } => item.op === 'insn' && item.insn.code === (BPF.RET | BPF.K);

/** Give every return its own label, so far jumps can be sent to any copy of it. */
function labelReturns(items: AsmItem[]): AsmItem[] {
  let n = 0;
  return items.flatMap((item) => (isReturn(item) ? [label(`~ret@${n++}`), item] : [item]));
}

/** The value each label returns, for labels naming a `ret #k` instruction. */
function returnLabels(items: readonly AsmItem[]): Map<string, number> {
  const out = new Map<string, number>();
  let pending: string[] = [];
  for (const item of items) {
    if (item.op === 'label') { pending.push(item.name); continue; }
    if (isReturn(item)) for (const name of pending) out.set(name, item.insn.k);
    pending = [];
  }
  return out;
}

/** `ja L` directly followed by `L:` costs an instruction and does nothing. */
function dropJumpsToNext(items: AsmItem[]): AsmItem[] {
  return items.filter((item, i) => {
    if (item.op !== 'ja') return true;
    for (let j = i + 1; j < items.length; j++) {
      const after = items[j]!;
      if (after.op !== 'label') return true;
      if (after.name === item.target) return false;
    }
    return true;
  });
}

function labelPositions(items: readonly AsmItem[]): Map<string, number> {
  const positions = new Map<string, number>();
  let pc = 0;
  for (const item of items) {
    if (item.op !== 'label') { pc++; continue; }
    if (positions.has(item.name)) throw internal(`label ${item.name} defined twice`);
    positions.set(item.name, pc);
  }
  return positions;
}

function distance(positions: Map<string, number>, target: string, from: number): number {
  const to = positions.get(target);
  if (to === undefined) throw internal(`jump to undefined label ${target}`);
  if (to <= from) throw internal(`backward jump to ${target}`);
  return to - from - 1;
}

function emit(items: readonly AsmItem[], positions: Map<string, number>): Insn[] {
  const out: Insn[] = [];
  for (const item of items) {
    const pc = out.length;
    if (item.op === 'insn') out.push({ ...item.insn });
    else if (item.op === 'ja') out.push({ code: BPF.JMP | BPF.JA, jt: 0, jf: 0, k: distance(positions, item.target, pc) });
    else if (item.op === 'jump') {
      out.push({ code: item.code, jt: distance(positions, item.jt, pc), jf: distance(positions, item.jf, pc), k: item.k });
    }
  }
  return out;
}

function internal(what: string): JailctlError {
  return new JailctlError('PROFILE_INVALID', `internal error in the BPF assembler: ${what}`, {
    hint: 'this is a jailctl bug; please report it with the profile that triggered it',
  });
}
