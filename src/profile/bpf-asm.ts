// A tiny label assembler for classic BPF: jumps name labels, and conditional jumps farther than
// 255 instructions (jt/jf are 8-bit) go through inserted BPF_JA trampolines (32-bit offsets).
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

/** Resolve labels into instructions, inserting trampolines until every jump fits. */
export function assemble(input: readonly AsmItem[]): Insn[] {
  let items = dropJumpsToNext([...input]);
  let trampolines = 0;
  for (;;) {
    const positions = labelPositions(items);
    const next: AsmItem[] = [];
    let changed = false;
    let pc = 0;
    for (const item of items) {
      if (item.op !== 'label') pc++;
      if (item.op !== 'jump') { next.push(item); continue; }
      const far = (target: string) => distance(positions, target, pc - 1) > MAX_SHORT_JUMP;
      if (!far(item.jt) && !far(item.jf)) { next.push(item); continue; }
      changed = true;
      const pads: AsmItem[] = [];
      const via = (target: string): string => {
        if (!far(target)) return target;
        const name = `~trampoline${trampolines++}`;
        pads.push(label(name), ja(target));
        return name;
      };
      next.push({ ...item, jt: via(item.jt), jf: via(item.jf) }, ...pads);
    }
    items = next;
    if (!changed) return emit(items, labelPositions(items));
  }
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
