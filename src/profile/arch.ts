// The one table of architectures jailctl compiles seccomp filters for: audit arch, endianness,
// word size, errno family, syscall table, libseccomp/OCI name, and Node's process.arch mapping.
// Pure: no fs. Syscall numbers live in the generated ./syscalls/ tables.
import { JailctlError } from '../errors.js';
import type { ErrnoFamily } from './errno.js';
import { NODE_ARCHES } from './host-arch.js';
import { SYSCALL_TABLES, type SyscallTable, type SyscallTableName } from './syscalls/index.js';

// kept apart so that planners needing only the host's arch name do not load every syscall table
export { archFromNode } from './host-arch.js';

export type { ArchName } from './host-arch.js';
import type { ArchName } from './host-arch.js';

/**
 * Arches one kernel runs side by side (a 64-bit kernel and its compat ABIs). A filter can only
 * ever see syscalls of its own group, so sections for other groups are never compiled.
 */
export type KernelGroup = 'x86' | 'arm' | 'mips-be' | 'mips-le' | 'ppc-be' | 'ppc-le' | 'riscv';

export interface ArchInfo {
  readonly name: ArchName;
  /** libseccomp / OCI runtime-spec name (SCMP_ARCH_X86_64 ...) */
  readonly scmpName: string;
  /** AUDIT_ARCH_* value the kernel puts in seccomp_data.arch (x32 shares x86_64's) */
  readonly auditArch: number;
  readonly endian: 'little' | 'big';
  /** width of syscall arguments in seccomp_data: 32-bit ABIs compare the low word only */
  readonly bits: 32 | 64;
  readonly errnoFamily: ErrnoFamily;
  readonly table: SyscallTableName;
  readonly group: KernelGroup;
}

/** __X32_SYSCALL_BIT: x32 syscalls arrive with AUDIT_ARCH_X86_64 and this bit set in nr. */
export const X32_SYSCALL_BIT = 0x40000000;

const arch = (
  name: ArchName, scmp: string, auditArch: number, endian: 'little' | 'big', bits: 32 | 64,
  errnoFamily: ErrnoFamily, table: SyscallTableName, group: KernelGroup,
): ArchInfo => ({ name, scmpName: `SCMP_ARCH_${scmp}`, auditArch, endian, bits, errnoFamily, table, group });

// AUDIT_ARCH_* = EM_* | __AUDIT_ARCH_64BIT (0x80000000) | __AUDIT_ARCH_LE (0x40000000)
// | __AUDIT_ARCH_CONVENTION_MIPS64_N32 (0x20000000), include/uapi/linux/audit.h.
// x32 and n32 are 32-bit ABIs in 64-bit registers: long and pointers are 32 bits, and the high
// word of an int argument is not defined, so (like libseccomp) only the low word is compared.
export const ARCHES: Readonly<Record<ArchName, ArchInfo>> = {
  x86_64: arch('x86_64', 'X86_64', 0xc000003e, 'little', 64, 'generic', 'x86_64', 'x86'),
  i386: arch('i386', 'X86', 0x40000003, 'little', 32, 'generic', 'i386', 'x86'),
  x32: arch('x32', 'X32', 0xc000003e, 'little', 32, 'generic', 'x32', 'x86'),
  aarch64: arch('aarch64', 'AARCH64', 0xc00000b7, 'little', 64, 'generic', 'aarch64', 'arm'),
  arm: arch('arm', 'ARM', 0x40000028, 'little', 32, 'generic', 'arm', 'arm'),
  mips: arch('mips', 'MIPS', 0x00000008, 'big', 32, 'mips', 'mips', 'mips-be'),
  mipsel: arch('mipsel', 'MIPSEL', 0x40000008, 'little', 32, 'mips', 'mips', 'mips-le'),
  mips64: arch('mips64', 'MIPS64', 0x80000008, 'big', 64, 'mips', 'mips64', 'mips-be'),
  mips64el: arch('mips64el', 'MIPSEL64', 0xc0000008, 'little', 64, 'mips', 'mips64', 'mips-le'),
  mips64n32: arch('mips64n32', 'MIPS64N32', 0xa0000008, 'big', 32, 'mips', 'mips64n32', 'mips-be'),
  mipsel64n32: arch('mipsel64n32', 'MIPSEL64N32', 0xe0000008, 'little', 32, 'mips', 'mips64n32', 'mips-le'),
  riscv64: arch('riscv64', 'RISCV64', 0xc00000f3, 'little', 64, 'generic', 'riscv64', 'riscv'),
  powerpc: arch('powerpc', 'PPC', 0x00000014, 'big', 32, 'powerpc', 'powerpc', 'ppc-be'),
  ppc64: arch('ppc64', 'PPC64', 0x80000015, 'big', 64, 'powerpc', 'ppc64le', 'ppc-be'),
  ppc64le: arch('ppc64le', 'PPC64LE', 0xc0000015, 'little', 64, 'powerpc', 'ppc64le', 'ppc-le'),
};

export const ARCH_NAMES = Object.keys(ARCHES) as ArchName[];

/** Look an arch up by our name, its SCMP_ARCH_* name, or a Node process.arch name. */
export function resolveArch(name: string): ArchInfo {
  const found = findArch(name);
  if (found) return found;
  throw new JailctlError('ARCH_UNKNOWN', `unknown architecture "${name}"`, {
    hint: `use one of: ${ARCH_NAMES.join(', ')} (or its SCMP_ARCH_* name)`,
  });
}

function findArch(name: string): ArchInfo | undefined {
  if (Object.hasOwn(ARCHES, name)) return ARCHES[name as ArchName];
  const upper = name.toUpperCase();
  const byScmp = ARCH_NAMES.find((a) => ARCHES[a].scmpName === upper || ARCHES[a].scmpName === `SCMP_ARCH_${upper}`);
  if (byScmp) return ARCHES[byScmp];
  const byNode = NODE_ARCHES[name];
  return byNode ? ARCHES[byNode] : undefined;
}

/** The generated syscall table of an arch. */
export function syscallTable(name: ArchName): SyscallTable {
  return SYSCALL_TABLES[ARCHES[name].table];
}

/** The syscall number of a kernel syscall name on an arch, or undefined if it has none there. */
export function resolveSyscall(name: ArchName, syscall: string): number | undefined {
  const nr = syscallTable(name).syscalls[syscall];
  return nr !== undefined && Object.hasOwn(syscallTable(name).syscalls, syscall) ? nr : undefined;
}

const reverse = new Map<SyscallTableName, Map<number, string>>();

/** The kernel name of a syscall number on an arch, or undefined if the table has none. */
export function syscallName(name: ArchName, nr: number): string | undefined {
  const table = ARCHES[name].table;
  let map = reverse.get(table);
  if (!map) {
    map = new Map(Object.entries(SYSCALL_TABLES[table].syscalls).map(([n, v]) => [v, n]));
    reverse.set(table, map);
  }
  return map.get(nr);
}

/** The arches one kernel of `name`'s group can run, `name` first. */
export function kernelGroupOf(name: ArchName): ArchName[] {
  const group = ARCHES[name].group;
  return [name, ...ARCH_NAMES.filter((a) => a !== name && ARCHES[a].group === group)];
}
