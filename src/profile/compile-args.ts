// Argument-checking blocks: the rules of one syscall tried in profile order, each an AND of
// unsigned 64-bit comparisons done as two 32-bit halves (high word first; which half sits at the
// lower offset depends on endianness). 32-bit ABIs compare the low word only. Pure.
import type { ArchInfo } from './arch.js';
import { BPF, argWordOffset } from './bpf.js';
import { insn, jumpIf, label, ja, type AsmItem } from './bpf-asm.js';
import type { Leaf } from './compile-ranges.js';
import type { ArgCond } from './model.js';

type ArgsLeaf = Extract<Leaf, { kind: 'args' }>;
const ALL_ONES = 0xffffffff;

/** Emit `entry:` followed by the block; every path ends in a `ret` inside the block. */
export function emitArgBlock(leaf: ArgsLeaf, entry: string, prefix: string): AsmItem[] {
  const abi = leaf.abi;
  const w = new BlockWriter(prefix, abi);
  const ret = (value: number) => `${prefix}ret${value}`;
  w.items.push(label(entry));
  leaf.rules.forEach((rule, i) => {
    if (i > 0) w.place(`${prefix}rule${i}`);
    const fail = i + 1 < leaf.rules.length ? `${prefix}rule${i + 1}` : ret(leaf.fallback);
    rule.conds.forEach((cond, j) => {
      if (j > 0) w.place(`${prefix}rule${i}c${j}`);
      const pass = j + 1 < rule.conds.length ? `${prefix}rule${i}c${j + 1}` : ret(rule.action);
      if (abi.bits === 64) emitCond64(w, cond, pass, fail);
      else emitWord(w, cond.op, 'lo', cond, pass, fail);
      w.settle(cond, abi.bits);
    });
  });
  for (const value of new Set([...leaf.rules.map((r) => r.action), leaf.fallback])) {
    w.items.push(label(ret(value)), insn(BPF.RET | BPF.K, value));
  }
  return w.items;
}

/** Collects items and remembers which argument word A holds, to skip reloading it. */
class BlockWriter {
  readonly items: AsmItem[] = [];
  private loaded: number | undefined;
  private count = 0;

  constructor(private readonly prefix: string, private readonly abi: ArchInfo) {}

  fresh(): string {
    return `${this.prefix}t${this.count++}`;
  }

  /** A label several paths reach: A's content is unknown there. */
  place(name: string): void {
    this.items.push(label(name));
    this.loaded = undefined;
  }

  /** A label only the previous instruction reaches: A is unchanged. */
  continueAt(name: string): void {
    this.items.push(label(name));
  }

  load(index: number, word: 'lo' | 'hi'): void {
    const offset = argWordOffset(index, word, this.abi.endian);
    if (this.loaded !== offset) this.items.push(insn(BPF.LD | BPF.W | BPF.ABS, offset));
    this.loaded = offset;
  }

  and(mask: number): void {
    this.items.push(insn(BPF.ALU | BPF.AND | BPF.K, mask));
    this.loaded = undefined;
  }

  jump(op: number, k: number, jt: string, jf: string): void {
    this.items.push(jumpIf(op, k, jt, jf));
  }

  /** After a condition A holds its low word only if every path to "pass" loaded it last, unmasked. */
  settle(cond: Required<ArgCond>, bits: 32 | 64): void {
    const single = bits === 32 || cond.op === 'EQ';
    this.loaded = single && cond.op !== 'MASKED_EQ' ? argWordOffset(cond.index, 'lo', this.abi.endian) : undefined;
  }
}

const hi32 = (v: bigint) => Number(v >> 32n);
const lo32 = (v: bigint) => Number(v & 0xffffffffn);

function emitCond64(w: BlockWriter, c: Required<ArgCond>, pass: string, fail: string): void {
  const next = w.fresh();
  const vh = hi32(c.value);
  switch (c.op) {
    case 'EQ': emitWord(w, 'EQ', 'hi', c, next, fail); break;
    case 'NE': emitWord(w, 'EQ', 'hi', c, next, pass); break;
    case 'GT': case 'GE': emitHighAbove(w, c.index, vh, pass, next, fail); break;
    case 'LT': case 'LE': emitHighBelow(w, c.index, vh, pass, next, fail); break;
    case 'MASKED_EQ': emitWord(w, 'MASKED_EQ', 'hi', c, next, fail); break;
  }
  w.continueAt(next);
  if (c.op === 'NE') emitWord(w, 'EQ', 'lo', c, fail, pass);
  else emitWord(w, c.op, 'lo', c, pass, fail);
}

/** GT/GE high word: above -> pass, equal -> compare low words, below -> fail. */
function emitHighAbove(w: BlockWriter, index: number, vh: number, pass: string, next: string, fail: string): void {
  w.load(index, 'hi');
  if (vh === ALL_ONES) { w.jump(BPF.JEQ, vh, next, fail); return; }
  if (vh === 0) { w.jump(BPF.JGT, 0, pass, next); return; }
  const eq = w.fresh();
  w.jump(BPF.JGT, vh, pass, eq);
  w.continueAt(eq);
  w.jump(BPF.JEQ, vh, next, fail);
}

/** LT/LE high word: below -> pass, equal -> compare low words, above -> fail. */
function emitHighBelow(w: BlockWriter, index: number, vh: number, pass: string, next: string, fail: string): void {
  w.load(index, 'hi');
  if (vh === 0) { w.jump(BPF.JGT, 0, fail, next); return; }
  if (vh === ALL_ONES) { w.jump(BPF.JGE, vh, next, pass); return; }
  const eq = w.fresh();
  w.jump(BPF.JGT, vh, fail, eq);
  w.continueAt(eq);
  w.jump(BPF.JEQ, vh, next, pass);
}

/** One 32-bit word compared with the same word of the value: true -> t, false -> f. */
function emitWord(w: BlockWriter, op: ArgCond['op'], word: 'lo' | 'hi', c: Required<ArgCond>, t: string, f: string): void {
  const pick = word === 'lo' ? lo32 : hi32;
  const k = pick(c.value);
  if (op === 'MASKED_EQ') { emitMasked(w, c.index, word, k, pick(c.valueTwo), t, f); return; }
  w.load(c.index, word);
  switch (op) {
    case 'EQ': w.jump(BPF.JEQ, k, t, f); break;
    case 'NE': w.jump(BPF.JEQ, k, f, t); break;
    case 'GT': w.jump(BPF.JGT, k, t, f); break;
    case 'GE': w.jump(BPF.JGE, k, t, f); break;
    case 'LT': w.jump(BPF.JGE, k, f, t); break;
    case 'LE': w.jump(BPF.JGT, k, f, t); break;
  }
}

/** (word & mask) == datum; JSET alone when the datum is 0 or the single mask bit. */
function emitMasked(w: BlockWriter, index: number, word: 'lo' | 'hi', mask: number, datum: number, t: string, f: string): void {
  if (mask === 0) { w.items.push(ja(datum === 0 ? t : f)); return; }
  w.load(index, word);
  if (datum === 0) { w.jump(BPF.JSET, mask, f, t); return; }
  if (datum === mask && (mask & (mask - 1)) === 0) { w.jump(BPF.JSET, mask, t, f); return; }
  if (mask !== ALL_ONES) w.and(mask);
  w.jump(BPF.JEQ, datum, t, f);
}
