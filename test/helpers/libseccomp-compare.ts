// Differential testing against libseccomp: argument vectors that probe every condition of a
// profile around its boundaries, and a loop running two filters over (arch, nr, args) probes.
import { ARCHES, resolveSyscall, type ArchName } from '../../src/profile/arch.js';
import type { Insn } from '../../src/profile/bpf.js';
import type { ArgCond, SeccompProfile } from '../../src/profile/model.js';
import { runFilter } from './bpf-run.js';

export interface Probe {
  nr: number;
  arch: number;
  args: bigint[];
}

export interface Mismatch extends Probe {
  ours: string;
  theirs: string;
}

const U64 = (1n << 64n) - 1n;
const HI = 1n << 32n;
const clamp = (v: bigint) => BigInt.asUintN(64, v);

/** Values around a condition's boundaries, in both 32-bit halves. */
function candidates(c: ArgCond): bigint[] {
  const v = c.value;
  const out = [0n, U64, v, v - 1n, v + 1n, v ^ HI, v + HI, v - HI, v & (HI - 1n), v | (U64 ^ (HI - 1n))];
  if (c.op === 'MASKED_EQ') {
    const d = c.valueTwo ?? 0n;
    const lowBit = v & -v;
    out.push(d, d | (U64 ^ v), d ^ lowBit, d | HI, d ^ (v & (U64 ^ (HI - 1n))));
  }
  return [...new Set(out.map(clamp))];
}

export function holds(c: ArgCond, arg: bigint): boolean {
  switch (c.op) {
    case 'EQ': return arg === c.value;
    case 'NE': return arg !== c.value;
    case 'LT': return arg < c.value;
    case 'LE': return arg <= c.value;
    case 'GT': return arg > c.value;
    case 'GE': return arg >= c.value;
    case 'MASKED_EQ': return (arg & c.value) === (c.valueTwo ?? 0n);
  }
}

/** Argument vectors for one syscall: all zero, each rule satisfied, and each condition varied. */
export function argVectors(profile: SeccompProfile, arch: ArchName, nr: number): bigint[][] {
  const rules = profile.rules.filter((r) => r.args.length > 0 && resolveSyscall(arch, r.syscall) === nr);
  const vectors: bigint[][] = [[0n, 0n, 0n, 0n, 0n, 0n]];
  for (const rule of rules) {
    const base = [0n, 0n, 0n, 0n, 0n, 0n];
    for (const c of rule.args) {
      const ok = candidates(c).find((v) => rule.args.filter((o) => o.index === c.index).every((o) => holds(o, v)));
      if (ok !== undefined) base[c.index] = ok;
    }
    vectors.push(base);
    for (const c of rule.args) {
      for (const v of candidates(c)) vectors.push(base.map((old, i) => (i === c.index ? v : old)));
    }
  }
  return vectors;
}

/** Probes for syscall numbers on one arch: argument vectors where the profile has conditions. */
export function probesFor(profile: SeccompProfile, arch: ArchName, nrs: readonly number[]): Probe[] {
  const audit = ARCHES[arch].auditArch;
  return nrs.flatMap((nr) => argVectors(profile, arch, nr).map((args) => ({ nr, arch: audit, args })));
}

/**
 * Run both filters on every probe. `intended(probe, ours)` returns true for a documented
 * divergence (e.g. ENOSYS for numbers above our table) so it is not reported.
 */
export function compareFilters(
  ours: readonly Insn[], theirs: readonly Insn[], probes: readonly Probe[], endian: 'little' | 'big',
  intended: (probe: Probe, ours: string, theirs: string) => boolean = () => false,
): Mismatch[] {
  const out: Mismatch[] = [];
  for (const probe of probes) {
    const a = runFilter(ours, probe, endian).action;
    const b = runFilter(theirs, probe, endian).action;
    if (a !== b && !intended(probe, a, b)) out.push({ ...probe, ours: a, theirs: b });
  }
  return out;
}
