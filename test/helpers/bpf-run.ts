// A small classic-BPF interpreter over struct seccomp_data for tests and benchmarks: runs a
// filter for one syscall, counting executed instructions; plus the kernel's action-cache
// emulation (kernel/seccomp.c seccomp_is_const_allow: only nr and arch are known).
import { BPF, SECCOMP_DATA, SECCOMP_RET, decodeReturn, type Insn } from '../../src/profile/bpf.js';

export interface SeccompInput {
  nr: number;
  arch: number;
  ip?: bigint;
  args?: readonly bigint[];
}

export interface RunResult {
  /** the SECCOMP_RET_* value returned */
  value: number;
  /** its name and data: ALLOW, ERRNO(1), KILL_PROCESS ... */
  action: string;
  executed: number;
  /** whether an argument or the instruction pointer was loaded */
  loadedArgs: boolean;
}

const MEM_WORDS = 16;

export function runFilter(insns: readonly Insn[], input: SeccompInput, endian: 'little' | 'big' = 'little'): RunResult {
  const data = seccompData(input, endian);
  const le = endian === 'little';
  const mem = new Uint32Array(MEM_WORDS);
  let a = 0;
  let x = 0;
  let executed = 0;
  let loadedArgs = false;
  for (let pc = 0; pc < insns.length; pc++) {
    const i = insns[pc]!;
    executed++;
    const cls = i.code & 0x07;
    if (cls === BPF.RET) {
      const value = ((i.code & 0x18) === BPF.A ? a : i.k) >>> 0;
      return { value, action: actionText(value), executed, loadedArgs };
    }
    if (cls === BPF.JMP) { pc += jumpOffset(i, a, x); continue; }
    if (cls === BPF.LD || cls === BPF.LDX) {
      const v = load(i, data, le, mem);
      if ((i.code & 0xe0) === BPF.ABS && i.k >= SECCOMP_DATA.IP) loadedArgs = true;
      if (cls === BPF.LD) a = v; else x = v;
    } else if (cls === BPF.ST) mem[slot(i.k)] = a;
    else if (cls === BPF.STX) mem[slot(i.k)] = x;
    else if (cls === BPF.ALU) a = alu(i, a, x);
    else if (cls === BPF.MISC) { if ((i.code & 0xf8) === BPF.TAX) x = a; else a = x; }
  }
  throw new Error('BPF program fell off its end without a return');
}

export function actionText(value: number): string {
  const { action, data } = decodeReturn(value);
  return action === 'ERRNO' || action === 'TRACE' || action === 'TRAP' ? `${action}(${data})` : action;
}

function seccompData(input: SeccompInput, endian: 'little' | 'big'): DataView {
  const view = new DataView(new ArrayBuffer(SECCOMP_DATA.SIZE));
  const le = endian === 'little';
  view.setInt32(SECCOMP_DATA.NR, input.nr | 0, le);
  view.setUint32(SECCOMP_DATA.ARCH, input.arch >>> 0, le);
  view.setBigUint64(SECCOMP_DATA.IP, input.ip ?? 0n, le);
  (input.args ?? []).forEach((v, i) => view.setBigUint64(SECCOMP_DATA.ARGS + 8 * i, BigInt.asUintN(64, v), le));
  return view;
}

function load(i: Insn, data: DataView, le: boolean, mem: Uint32Array): number {
  const mode = i.code & 0xe0;
  const size = i.code & 0x18;
  if (mode === BPF.IMM) return i.k >>> 0;
  if (mode === BPF.MEM) return mem[slot(i.k)]!;
  if (mode === BPF.LEN) return SECCOMP_DATA.SIZE;
  if (mode === BPF.ABS && size === BPF.W) {
    if (i.k % 4 !== 0 || i.k + 4 > SECCOMP_DATA.SIZE) throw new Error(`misaligned or out-of-range load at ${i.k}`);
    // seccomp_data is in the task's byte order; a 32-bit load reads it as is.
    return data.getUint32(i.k, le);
  }
  throw new Error(`load mode 0x${i.code.toString(16)} is not allowed in seccomp`);
}

function slot(k: number): number {
  if (k >= MEM_WORDS) throw new Error(`scratch slot ${k} out of range`);
  return k;
}

function alu(i: Insn, a: number, x: number): number {
  const src = (i.code & BPF.X) === BPF.X ? x : i.k;
  switch (i.code & 0xf0) {
    case BPF.ADD: return (a + src) >>> 0;
    case BPF.SUB: return (a - src) >>> 0;
    case BPF.MUL: return Math.imul(a, src) >>> 0;
    case BPF.DIV: return src === 0 ? 0 : Math.floor(a / src) >>> 0;
    case BPF.MOD: return src === 0 ? 0 : (a % src) >>> 0;
    case BPF.OR: return (a | src) >>> 0;
    case BPF.AND: return (a & src) >>> 0;
    case BPF.XOR: return (a ^ src) >>> 0;
    case BPF.LSH: return src >= 32 ? 0 : (a << src) >>> 0;
    case BPF.RSH: return src >= 32 ? 0 : a >>> src;
    case BPF.NEG: return (-a) >>> 0;
    default: throw new Error(`bad ALU opcode 0x${i.code.toString(16)}`);
  }
}

function jumpOffset(i: Insn, a: number, x: number): number {
  const op = i.code & 0xf0;
  if (op === BPF.JA) return i.k;
  const k = ((i.code & BPF.X) === BPF.X ? x : i.k) >>> 0;
  return compare(op, a >>> 0, k) ? i.jt : i.jf;
}

function compare(op: number, a: number, k: number): boolean {
  switch (op) {
    case BPF.JEQ: return a === k;
    case BPF.JGT: return a > k;
    case BPF.JGE: return a >= k;
    case BPF.JSET: return (a & k) !== 0;
    default: throw new Error(`bad jump opcode 0x${op.toString(16)}`);
  }
}

/**
 * The kernel's attach-time emulation: run with only nr and arch known; any other load means
 * "not constant". Returns the constant return value reached, or undefined.
 */
export function emulateConstant(insns: readonly Insn[], nr: number, arch: number): number | undefined {
  let a = 0;
  for (let pc = 0; pc < insns.length; pc++) {
    const i = insns[pc]!;
    switch (i.code) {
      case BPF.LD | BPF.W | BPF.ABS:
        if (i.k === SECCOMP_DATA.NR) a = nr >>> 0;
        else if (i.k === SECCOMP_DATA.ARCH) a = arch >>> 0;
        else return undefined;
        break;
      case BPF.RET | BPF.K: return i.k >>> 0;
      case BPF.JMP | BPF.JA: pc += i.k; break;
      case BPF.JMP | BPF.JEQ | BPF.K: case BPF.JMP | BPF.JGE | BPF.K:
      case BPF.JMP | BPF.JGT | BPF.K: case BPF.JMP | BPF.JSET | BPF.K:
        pc += compare(i.code & 0xf0, a, i.k >>> 0) ? i.jt : i.jf;
        break;
      case BPF.ALU | BPF.AND | BPF.K: a = (a & i.k) >>> 0; break;
      default: return undefined;
    }
  }
  return undefined;
}

/** Whether the kernel would cache `nr` as always allowed (SECCOMP_RET_ALLOW reached). */
export function isCachedAllow(insns: readonly Insn[], nr: number, arch: number): boolean {
  return emulateConstant(insns, nr, arch) === SECCOMP_RET.ALLOW;
}
