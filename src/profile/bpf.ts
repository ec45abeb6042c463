// Classic BPF as seccomp uses it: opcodes, the instruction type, struct seccomp_data offsets,
// SECCOMP_RET_* values, and encoding to/from struct sock_filter bytes in either endianness.
// Pure: no fs. References: include/uapi/linux/filter.h, bpf_common.h, seccomp.h.
import { JailctlError } from '../errors.js';

/** Opcode parts (bpf_common.h); an opcode is class | size | mode, or class | op | source. */
export const BPF = {
  LD: 0x00, LDX: 0x01, ST: 0x02, STX: 0x03, ALU: 0x04, JMP: 0x05, RET: 0x06, MISC: 0x07,
  W: 0x00, H: 0x08, B: 0x10,
  IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60, LEN: 0x80, MSH: 0xa0,
  ADD: 0x00, SUB: 0x10, MUL: 0x20, DIV: 0x30, OR: 0x40, AND: 0x50, LSH: 0x60, RSH: 0x70, NEG: 0x80,
  MOD: 0x90, XOR: 0xa0,
  JA: 0x00, JEQ: 0x10, JGT: 0x20, JGE: 0x30, JSET: 0x40,
  K: 0x00, X: 0x08, A: 0x10,
  TAX: 0x00, TXA: 0x80,
} as const;

/** One struct sock_filter: 16-bit code, 8-bit jump offsets, 32-bit k. */
export interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** The kernel refuses longer filters (BPF_MAXINSNS, EINVAL). */
export const BPF_MAXINSNS = 4096;
/** Size of one struct sock_filter. */
export const INSN_SIZE = 8;

/** SECCOMP_RET_* (include/uapi/linux/seccomp.h), highest precedence first. */
export const SECCOMP_RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  USER_NOTIF: 0x7fc00000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;
export const SECCOMP_RET_ACTION_FULL = 0xffff0000;
export const SECCOMP_RET_DATA = 0x0000ffff;

/** struct seccomp_data offsets: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]. */
export const SECCOMP_DATA = { NR: 0, ARCH: 4, IP: 8, ARGS: 16, SIZE: 64 } as const;

/**
 * Offset of the low or high 32-bit word of args[index]. seccomp_data is in host byte order, so
 * on big-endian arches the high word comes first (the kernel leaves this to filter authors).
 */
export function argWordOffset(index: number, word: 'lo' | 'hi', endian: 'little' | 'big'): number {
  const base = SECCOMP_DATA.ARGS + 8 * index;
  return (word === 'lo') === (endian === 'little') ? base : base + 4;
}

export function stmt(code: number, k: number): Insn {
  return { code, jt: 0, jf: 0, k: k >>> 0 };
}

export function jump(code: number, k: number, jt: number, jf: number): Insn {
  return { code, jt, jf, k: k >>> 0 };
}

/** Serialize as a struct sock_filter array (what seccomp(2) and `profile compile -f raw` take). */
export function encodeProgram(insns: readonly Insn[], endian: 'little' | 'big'): Uint8Array {
  const bytes = new Uint8Array(insns.length * INSN_SIZE);
  const view = new DataView(bytes.buffer);
  const le = endian === 'little';
  insns.forEach((insn, i) => {
    const at = i * INSN_SIZE;
    view.setUint16(at, insn.code, le);
    view.setUint8(at + 2, insn.jt);
    view.setUint8(at + 3, insn.jf);
    view.setUint32(at + 4, insn.k >>> 0, le);
  });
  return bytes;
}

/** Parse a struct sock_filter array. */
export function decodeProgram(bytes: Uint8Array, endian: 'little' | 'big'): Insn[] {
  if (bytes.length === 0 || bytes.length % INSN_SIZE !== 0) {
    throw new JailctlError('PROFILE_INVALID', `BPF program of ${bytes.length} bytes is not a whole number of 8-byte instructions`, {
      hint: 'pass a raw struct sock_filter array, as written by `jailctl profile compile --format raw`',
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = endian === 'little';
  const insns: Insn[] = [];
  for (let at = 0; at < bytes.length; at += INSN_SIZE) {
    insns.push({ code: view.getUint16(at, le), jt: view.getUint8(at + 2), jf: view.getUint8(at + 3), k: view.getUint32(at + 4, le) });
  }
  return insns;
}

/**
 * The same program with every `ret #k` returning map(k): for filters that must decide exactly as
 * a profile does and only answer differently (a kill that notifies first ...). Changing the
 * profile's actions instead would change which of its rules libseccomp's precedence keeps.
 */
export function mapReturns(insns: readonly Insn[], map: (value: number) => number): Insn[] {
  return insns.map((i) => (i.code === (BPF.RET | BPF.K) ? { ...i, k: map(i.k) >>> 0 } : i));
}

/** Name and data of a SECCOMP_RET_* value: { action: 'ERRNO', data: 1 }. */
export function decodeReturn(value: number): { action: string; data: number } {
  const full = (value & SECCOMP_RET_ACTION_FULL) >>> 0;
  const data = value & SECCOMP_RET_DATA;
  const name = Object.entries(SECCOMP_RET).find(([, v]) => v === full)?.[0];
  return { action: name ?? `UNKNOWN(0x${full.toString(16)})`, data };
}
