// compileFilter(): a SeccompProfile -> a classic-BPF seccomp program for one target arch.
// Layout: check seccomp_data.arch first (unknown ABIs get the bad-arch action), then per ABI a
// frequency-weighted search tree over syscall-number ranges that decides every argument-free
// case before any argument is loaded (so the kernel's action cache, Linux >= 5.11, can prove
// those allows constant), then per-syscall argument blocks. Pure: no fs.
//
// Semantics: conditions of a rule are ANDed; a syscall's rules are tried in profile order and
// the first that matches decides (an unconditional rule ends the list); no match -> the default
// action. Comparisons are unsigned 64-bit (32-bit ABIs: low word). Syscalls newer than the
// generated table get ERRNO(ENOSYS) when the default is an ERRNO action (libc fallbacks).
import { JailctlError } from '../errors.js';
import { kernelGroupOf, resolveArch, type ArchInfo, type ArchName } from './arch.js';
import { BPF, BPF_MAXINSNS, SECCOMP_DATA, encodeProgram, type Insn } from './bpf.js';
import { assemble, insn, jumpIf, label, type AsmItem } from './bpf-asm.js';
import { actionValue, resolveFilterFlags } from './compile-actions.js';
import { emitArgBlock } from './compile-args.js';
import { buildSectionRanges, type Leaf, type NumberRange, type RangeContext } from './compile-ranges.js';
import { buildDispatchTree, emitDispatch } from './compile-tree.js';
import type { Action, SeccompProfile, SyscallStats } from './model.js';

export interface CompileOptions {
  /** observed calls per syscall name: the dispatch tree puts frequent syscalls near the root */
  stats?: SyscallStats;
  /** action for syscalls of ABIs the filter has no section for (default KILL_PROCESS) */
  badArchAction?: Action;
  /** ERRNO(ENOSYS) for numbers above the table when the default is ERRNO (default true) */
  enosysForNewer?: boolean;
}

export interface CompiledFilter {
  arch: ArchName;
  /** byte order of `program`: the target's, which is the host's when compiling for the host */
  endian: 'little' | 'big';
  /** struct sock_filter array, ready for seccomp(SECCOMP_SET_MODE_FILTER) */
  program: Uint8Array;
  instructions: Insn[];
  /** ABIs the filter decides for, target first; syscalls of any other ABI get the bad-arch action */
  abis: ArchName[];
  /** listed architectures a kernel running the target never sees (not compiled) */
  ignoredArchitectures: ArchName[];
  /** rule syscalls with no number on an ABI (those rules are skipped there) */
  unknownSyscalls: { arch: string; syscall: string }[];
  /** SECCOMP_FILTER_FLAG_* bits for seccomp(2) */
  flags: number;
}

const KILL_PROCESS: Action = { kind: 'KILL_PROCESS' };

export function compileFilter(profile: SeccompProfile, arch: ArchName | string, options: CompileOptions = {}): CompiledFilter {
  const target = resolveArch(arch);
  const { abis, ignored } = selectAbis(profile, target);
  const ctx: RangeContext = {
    profile,
    stats: options.stats,
    badArch: actionValue(options.badArchAction ?? KILL_PROCESS, target, 'badArchAction'),
    enosysForNewer: options.enosysForNewer ?? true,
    unknown: [],
  };
  const flags = resolveFilterFlags(profile.flags);
  const instructions = assemble(emitProgram(ctx, sectionsOf(abis)));
  if (instructions.length > BPF_MAXINSNS) {
    throw new JailctlError('PROFILE_TOO_LARGE',
      `seccomp filter for ${target.name} needs ${instructions.length} BPF instructions; the kernel accepts at most ${BPF_MAXINSNS}`,
      { hint: 'merge rules with equal conditions, drop architectures you do not need, or move argument checks out of the profile' });
  }
  return {
    arch: target.name,
    endian: target.endian,
    program: encodeProgram(instructions, target.endian),
    instructions,
    abis: abis.map((a) => a.name),
    ignoredArchitectures: ignored,
    unknownSyscalls: ctx.unknown,
    flags,
  };
}

/** The target plus the listed ABIs its kernel also runs (i386/x32 on x86_64, arm on aarch64 ...). */
function selectAbis(profile: SeccompProfile, target: ArchInfo): { abis: ArchInfo[]; ignored: ArchName[] } {
  const group = kernelGroupOf(target.name);
  const listed = profile.architectures.map((a) => resolveArch(a).name);
  const abis = group.filter((a) => a === target.name || listed.includes(a)).map((a) => resolveArch(a));
  const ignored = [...new Set(listed.filter((a) => !group.includes(a)))];
  return { abis, ignored };
}

interface Section {
  auditArch: number;
  abis: ArchInfo[];
}

/** ABIs grouped by the audit arch the kernel reports (x86_64 and x32 share one). */
function sectionsOf(abis: readonly ArchInfo[]): Section[] {
  const sections: Section[] = [];
  for (const abi of abis) {
    const same = sections.find((s) => s.auditArch === abi.auditArch);
    if (same) same.abis.push(abi);
    else sections.push({ auditArch: abi.auditArch, abis: [abi] });
  }
  return sections;
}

function emitProgram(ctx: RangeContext, sections: readonly Section[]): AsmItem[] {
  const items: AsmItem[] = [insn(BPF.LD | BPF.W | BPF.ABS, SECCOMP_DATA.ARCH)];
  sections.forEach((s, i) => {
    if (i > 0) items.push(label(`arch${i}`));
    items.push(jumpIf(BPF.JEQ, s.auditArch, `s${i}`, i + 1 < sections.length ? `arch${i + 1}` : 'badarch'));
  });
  items.push(label('badarch'), insn(BPF.RET | BPF.K, ctx.badArch));
  sections.forEach((s, i) => items.push(...emitSection(ctx, s, `s${i}`)));
  return items;
}

/** One audit arch: load nr, dispatch on ranges, shared returns, then argument blocks. */
function emitSection(ctx: RangeContext, section: Section, name: string): AsmItem[] {
  const ranges = buildSectionRanges(ctx, section.abis);
  const leaves = leavesByWeight(ranges);
  const labelOf = new Map(leaves.map((leaf, i) => [leaf.key, leaf.kind === 'ret' ? `${name}.ret${leaf.value}` : `${name}.blk${i}`]));
  const tree = buildDispatchTree(ranges.map((r) => r.weight));
  const items: AsmItem[] = [label(name), insn(BPF.LD | BPF.W | BPF.ABS, SECCOMP_DATA.NR)];
  items.push(...emitDispatch(tree, ranges.map((r) => r.lo), (i) => labelOf.get(ranges[i]!.leaf.key)!, `${name}.`));
  for (const leaf of leaves) {
    if (leaf.kind === 'ret') items.push(label(labelOf.get(leaf.key)!), insn(BPF.RET | BPF.K, leaf.value));
  }
  leaves.forEach((leaf, i) => {
    if (leaf.kind === 'args') items.push(...emitArgBlock(leaf, labelOf.get(leaf.key)!, `${name}.b${i}.`));
  });
  return items;
}

/** Distinct leaves, heaviest first, so hot blocks sit closest to the tree (fewer trampolines). */
function leavesByWeight(ranges: readonly NumberRange[]): Leaf[] {
  const weight = new Map<string, { leaf: Leaf; weight: number }>();
  for (const r of ranges) {
    const entry = weight.get(r.leaf.key) ?? { leaf: r.leaf, weight: 0 };
    entry.weight += r.weight;
    weight.set(r.leaf.key, entry);
  }
  return [...weight.values()].sort((a, b) => b.weight - a.weight).map((e) => e.leaf);
}
