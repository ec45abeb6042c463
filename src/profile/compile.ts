// compileFilter(): a SeccompProfile -> a classic-BPF seccomp program for one target arch.
// Layout: check seccomp_data.arch first (unknown ABIs get the bad-arch action), then per ABI a
// frequency-weighted search tree over syscall-number ranges that decides every argument-free
// case before any argument is loaded (so the kernel's action cache, Linux >= 5.11, can prove
// those allows constant), then per-syscall argument blocks. Pure: no fs.
//
// Semantics: libseccomp 2.5.4's, as runc and crun load a profile (compile-db.ts): conditions of a
// rule are ANDed; an unconditional rule wins over conditional ones, the more specific of
// overlapping conditional rules wins; no match -> the default action. Comparisons are unsigned
// 64-bit (32-bit ABIs: the low word, values truncated). Syscalls newer than the
// generated table get ERRNO(ENOSYS) when the default is an ERRNO action (libc fallbacks).
import { JailctlError } from '../errors.js';
import { kernelGroupOf, resolveArch, type ArchInfo, type ArchName } from './arch.js';
import { BPF_MAXINSNS, encodeProgram, type Insn } from './bpf.js';
import { assemble } from './bpf-asm.js';
import { actionValue, resolveFilterFlags } from './compile-actions.js';
import { buildRuleDb, type DroppedRule } from './compile-db.js';
import { emitProgram, type Layout, type Section } from './compile-emit.js';
import type { RangeContext } from './compile-ranges.js';
import type { Action, SeccompProfile, SyscallStats } from './model.js';

export interface CompileOptions {
  /** observed calls per syscall name: the dispatch tree puts frequent syscalls near the root */
  stats?: SyscallStats;
  /** action for syscalls of ABIs the filter has no section for (default KILL_PROCESS) */
  badArchAction?: Action;
  /** ERRNO(ENOSYS) for numbers above the table when the default is ERRNO (default true) */
  enosysForNewer?: boolean;
  /**
   * rules for socket and IPC calls also cover socketcall(2)/ipc(2) on the ABIs that multiplex them,
   * as in libseccomp (default true); false: the direct syscalls only
   */
  multiplexers?: boolean;
  /**
   * fast: one search tree per ABI, fewest instructions run; compact: libseccomp's shape with
   * shared tests, the smallest program; default: fast unless it does not fit in 4096
   */
  layout?: Layout;
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
  /** rules libseccomp would not add: same action as the default, or contradicting an earlier rule */
  droppedRules: DroppedRule[];
  /** SECCOMP_FILTER_FLAG_* bits for seccomp(2) */
  flags: number;
  /** the layout the program has (compact when the fast one did not fit) */
  layout: Layout;
}

const KILL_PROCESS: Action = { kind: 'KILL_PROCESS' };

export function compileFilter(profile: SeccompProfile, arch: ArchName | string, options: CompileOptions = {}): CompiledFilter {
  const target = resolveArch(arch);
  const { abis, ignored } = selectAbis(profile, target);
  const db = buildRuleDb(profile, [...abis, ...sameFilterAbis(profile, target, abis)], options.multiplexers ?? true);
  const ctx: RangeContext = {
    profile,
    db,
    stats: options.stats,
    badArch: actionValue(options.badArchAction ?? KILL_PROCESS, target, 'badArchAction'),
    enosysForNewer: options.enosysForNewer ?? true,
  };
  const flags = resolveFilterFlags(profile.flags);
  const { layout, instructions } = chooseLayout(ctx, sectionsOf(abis), options.layout);
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
    unknownSyscalls: db.unknown.filter((u) => abis.some((a) => a.name === u.arch)),
    droppedRules: db.dropped,
    flags,
    layout,
  };
}

/**
 * The fast layout, unless it does not fit in 4096 instructions; the compact layout, libseccomp's
 * shape with shared tests, fits wherever libseccomp's does. Size alone never picks compact: on an
 * argument-heavy profile over three ABIs it is ~8% smaller but runs ~20x the instructions per
 * call (bench: seccomp), and every call of the service pays that.
 */
function chooseLayout(ctx: RangeContext, sections: Section[], wanted: Layout | undefined): { layout: Layout; instructions: Insn[] } {
  if (wanted) return { layout: wanted, instructions: assemble(emitProgram(ctx, sections, wanted)) };
  const fast = assemble(emitProgram(ctx, sections, 'fast'));
  if (fast.length <= BPF_MAXINSNS) return { layout: 'fast', instructions: fast };
  return { layout: 'compact', instructions: assemble(emitProgram(ctx, sections, 'compact')) };
}

/** The target plus the listed ABIs its kernel also runs (i386/x32 on x86_64, arm on aarch64 ...). */
function selectAbis(profile: SeccompProfile, target: ArchInfo): { abis: ArchInfo[]; ignored: ArchName[] } {
  const group = kernelGroupOf(target.name);
  const listed = profile.architectures.map((a) => resolveArch(a).name);
  const abis = group.filter((a) => a === target.name || listed.includes(a)).map((a) => resolveArch(a));
  const ignored = [...new Set(listed.filter((a) => !group.includes(a)))];
  return { abis, ignored };
}

/**
 * Listed ABIs of another kernel family but the target's byte order: libseccomp keeps them in the
 * same filter, so a rule it refuses there is refused everywhere. Decided for, never compiled.
 */
function sameFilterAbis(profile: SeccompProfile, target: ArchInfo, compiled: readonly ArchInfo[]): ArchInfo[] {
  const listed = [...new Set(profile.architectures.map((a) => resolveArch(a)))];
  return listed.filter((a) => a.endian === target.endian && !compiled.includes(a));
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
