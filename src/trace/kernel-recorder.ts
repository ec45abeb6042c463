// The in-kernel recorder of a trace (native/trace-count.c), decided here as data: which calls it
// records and how (the trace's own captures of the host ABI, but execve, which stops for the
// tracer), where the host kernel keeps a syscall's arguments and number in its saved registers at
// the call's exit, the ring buffer's size, and the filter that then stops on far fewer calls.
import { totalmem } from 'node:os';
import { ARCHES, resolveSyscall, type ArchName } from '../profile/arch.js';
import type { TraceCapture } from '../jail/plan.js';
export type { RecorderPlan } from '../jail/plan.js';

/** Calls numbered below this are counted (and recorded) in the kernel (native/trace-count.h). */
export const COUNTER_NRS = 1024;

/** struct pt_regs at a syscall's exit: byte offsets of arguments 0-5 and of the call's number (its
 * low 32 bits). Where the result overwrote argument 0's register, its saved copy (orig_x0). Only
 * the hosts listed record in the kernel; the launcher checks the layout with a call of its own and
 * leaves the recorder off when it does not come back exactly as made. */
export const EXIT_REGISTERS: Partial<Record<ArchName, { args: readonly number[]; nr: number }>> = {
  // di, si, dx, r10, r8, r9; orig_ax
  x86_64: { args: [112, 104, 96, 56, 72, 64], nr: 120 },
  // orig_x0, regs[1..5]; syscallno
  aarch64: { args: [272, 8, 16, 24, 32, 40], nr: 280 },
};

/** Calls that still stop with the recorder: an exec must be seen as it happens (it starts the
 * traced program's own accounting, and its path is read before the image is replaced). */
const STOPPING = ['execve', 'execveat'];

const KIND_CODES = { path: 1, value: 2, bytes: 3 } as const;
/** An argument the recorder does not read */
export const NO_ARG = 0xffffffff;
/** Bytes per call number in the spec: kind, then the register offsets of the argument, the aux
 * argument and the flags argument, four host-endian 32-bit words (struct jc_record_spec). */
export const SPEC_ENTRY_BYTES = 16;

/** What the recorder reads of each call number, as the launcher copies it into the programs' map:
 * the kind (0: not recorded) and where each captured argument is in the saved registers. */
export function recordSpec(hostArch: ArchName, captures: readonly TraceCapture[], registers: { args: readonly number[] }): Uint8Array {
  const auditArch = ARCHES[hostArch].auditArch;
  const stopping = new Set(STOPPING.map((name) => resolveSyscall(hostArch, name)));
  const spec = new Uint8Array(COUNTER_NRS * SPEC_ENTRY_BYTES);
  const view = new DataView(spec.buffer);
  const little = ARCHES[hostArch].endian === 'little';
  const offset = (arg: number): number => registers.args[arg] ?? NO_ARG;
  for (const c of captures) {
    const at = c.nr * SPEC_ENTRY_BYTES;
    if (c.auditArch !== auditArch || c.nr < 0 || c.nr >= COUNTER_NRS || stopping.has(c.nr) || view.getUint32(at, little) !== 0) continue;
    [KIND_CODES[c.kind], offset(c.arg), offset(c.auxArg), offset(c.flagsArg)].forEach((word, i) => view.setUint32(at + 4 * i, word, little));
  }
  return spec;
}

/** The calls of the host ABI that stop for the tracer when the recorder runs. */
export function recorderStops(hostArch: ArchName): number[] {
  return STOPPING.map((name) => resolveSyscall(hostArch, name)).filter((nr): nr is number => nr !== undefined && nr < COUNTER_NRS);
}

/** The ring buffer: a power of two, a 256th of the memory up to 1 MiB (at least 256 KiB). The
 * tracer drains it at every stop and when a quarter is used; past half a recording thread waits
 * for the tracer (native/trace-programs.c), so a bigger ring would only cost set-up time. */
export function ringBytes(memory: number = totalmem()): number {
  const want = Math.min(1024 * 1024, Math.max(256 * 1024, memory / 256));
  return 2 ** Math.floor(Math.log2(want));
}
