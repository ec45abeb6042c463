// The profile semantics written as plainly as possible, as a test oracle for compiled filters:
// first matching rule in profile order, ANDed unsigned 64-bit conditions (low word on 32-bit
// ABIs), ENOSYS above the table for ERRNO defaults, bad-arch kill for unlisted ABIs.
import { ARCHES, X32_SYSCALL_BIT, kernelGroupOf, resolveSyscall, syscallTable, type ArchName } from '../../../src/profile/arch.js';
import type { Action, ArgCond, SeccompProfile } from '../../../src/profile/model.js';
import { holds } from '../../helpers/libseccomp-compare.js';

const ENOSYS = { generic: 38, mips: 89, powerpc: 38 } as const;

/** The ABI a (audit arch, nr) pair belongs to under a filter for `target`, or undefined (bad arch). */
export function abiOf(profile: SeccompProfile, target: ArchName, audit: number, nr: number): ArchName | undefined {
  const abis = kernelGroupOf(target).filter((a) => a === target || profile.architectures.includes(a));
  const x86 = audit === ARCHES.x86_64.auditArch;
  if (x86 && nr === 0xffffffff) return abis.includes('x86_64') ? 'x86_64' : abis.find((a) => a === 'x32');
  if (x86) return abis.find((a) => a === (nr >= X32_SYSCALL_BIT ? 'x32' : 'x86_64'));
  return abis.find((a) => ARCHES[a].auditArch === audit);
}

export function expectedAction(profile: SeccompProfile, target: ArchName, audit: number, nr: number, args: readonly bigint[]): string {
  const abi = abiOf(profile, target, audit, nr);
  if (!abi) return 'KILL_PROCESS';
  for (const rule of profile.rules) {
    if (resolveSyscall(abi, rule.syscall) !== nr) continue;
    if (rule.args.every((c) => holdsOn(abi, c, args[c.index] ?? 0n))) return text(rule.action);
  }
  const table = syscallTable(abi);
  const known = Object.values(table.syscalls).includes(nr);
  if (profile.defaultAction.kind === 'ERRNO' && nr > table.newAbove && !known) return `ERRNO(${ENOSYS[ARCHES[abi].errnoFamily]})`;
  return text(profile.defaultAction);
}

/** On 32-bit ABIs the kernel hands the filter 32-bit arguments: compare them zero-extended. */
function holdsOn(abi: ArchName, c: ArgCond, arg: bigint): boolean {
  if (ARCHES[abi].bits === 64) return holds(c, arg);
  const lo = arg & 0xffffffffn;
  const narrow = (v: bigint) => (v >> 32n === 0xffffffffn && (v & 0x80000000n) !== 0n ? v & 0xffffffffn : v);
  if (c.op === 'MASKED_EQ') return (lo & c.value) === narrow(c.valueTwo ?? 0n);
  return holds({ ...c, value: narrow(c.value) }, lo);
}

export function text(action: Action): string {
  if (action.kind === 'ERRNO') return `ERRNO(${action.errno})`;
  if (action.kind === 'TRACE') return `TRACE(${action.data})`;
  if (action.kind === 'TRAP') return 'TRAP(0)';
  if (action.kind === 'NOTIFY') return 'USER_NOTIF';
  return action.kind;
}
