// Syscall counts from the tracer -> the profile `service NAME trace` writes (pure): OCI JSON,
// defaultAction kill-process, one allow rule with the names most frequent first, the ABIs seen
// besides the host's listed in architectures. TODO(#5): replace with src/trace's
// profile-from-trace once `jailctl trace` lands it.
import { ARCHES, kernelGroupOf, resolveSyscall, syscallName, X32_SYSCALL_BIT, type ArchName } from '../../profile/arch.js';
import type { SeccompProfile } from '../../profile/model.js';

export interface SyscallCount {
  auditArch: number;
  nr: number;
  count: number;
}

/** Needed by every process on its way out or back from a signal handler, even if the trace missed them. */
const ALWAYS = ['rt_sigreturn', 'sigreturn', 'exit_group', 'exit', 'restart_syscall'];

/** The ABI of a traced call: the host's group, x32 told apart by its syscall bit. */
function abiOf(hostArch: ArchName, auditArch: number, nr: number): ArchName | undefined {
  const group = kernelGroupOf(hostArch);
  if (nr >= X32_SYSCALL_BIT && group.includes('x32') && auditArch === ARCHES.x32.auditArch) return 'x32';
  return group.find((a) => ARCHES[a].auditArch === auditArch && a !== 'x32');
}

function nameOf(abi: ArchName, nr: number): string | undefined {
  return syscallName(abi, nr) ?? (abi === 'x32' ? syscallName(abi, nr & ~X32_SYSCALL_BIT) : undefined);
}

/** Builds the profile; unknown numbers are returned so the caller can warn about them. */
export function buildTracedProfile(counts: readonly SyscallCount[], hostArch: ArchName): { profile: SeccompProfile; unknown: string[] } {
  const totals = new Map<string, number>();
  const abis = new Set<ArchName>();
  const unknown: string[] = [];
  for (const { auditArch, nr, count } of counts) {
    const abi = abiOf(hostArch, auditArch, nr);
    const name = abi === undefined ? undefined : nameOf(abi, nr);
    if (abi === undefined || name === undefined) {
      unknown.push(`${abi ?? `audit arch 0x${auditArch.toString(16)}`} syscall ${nr}`);
      continue;
    }
    abis.add(abi);
    totals.set(name, (totals.get(name) ?? 0) + count);
  }
  const names = [...totals.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([n]) => n);
  const present = (name: string): boolean => [hostArch, ...abis].some((abi) => resolveSyscall(abi, name) !== undefined);
  for (const name of ALWAYS) if (!names.includes(name) && present(name)) names.push(name);
  return {
    profile: {
      defaultAction: { kind: 'KILL_PROCESS' },
      architectures: [...abis].filter((a) => a !== hostArch).sort(),
      flags: [],
      rules: names.map((syscall) => ({ syscall, action: { kind: 'ALLOW' }, args: [] })),
    },
    unknown,
  };
}

