// What a profile decides, computed without the code generator: the ABI a call belongs to, then the
// rule database (libseccomp's rule trees, compile-db.ts) walked for that syscall, ENOSYS above the
// table for ERRNO defaults, the bad-arch kill for unlisted ABIs. The database itself is checked
// against libseccomp's own trees (rule-db.test.ts); this oracle checks the BPF emitted from it.
import { ARCHES, X32_SYSCALL_BIT, kernelGroupOf, resolveArch, syscallTable, type ArchName } from '../../../src/profile/arch.js';
import { actionValue } from '../../../src/profile/compile-actions.js';
import { buildRuleDb, type RuleDb } from '../../../src/profile/compile-db.js';
import { DecisionPool, evaluate, lowerEntry } from '../../../src/profile/compile-lower.js';
import type { Action, SeccompProfile } from '../../../src/profile/model.js';
import { actionText } from '../../helpers/bpf-run.js';

const ENOSYS = { generic: 38, mips: 89, powerpc: 38 } as const;

/** The ABI a (audit arch, nr) pair belongs to under a filter for `target`, or undefined (bad arch). */
export function abiOf(profile: SeccompProfile, target: ArchName, audit: number, nr: number): ArchName | undefined {
  const abis = compiledAbis(profile, target);
  const x86 = audit === ARCHES.x86_64.auditArch;
  if (x86 && nr === 0xffffffff) return abis.includes('x86_64') ? 'x86_64' : abis.find((a) => a === 'x32');
  if (x86) return abis.find((a) => a === (nr >= X32_SYSCALL_BIT ? 'x32' : 'x86_64'));
  return abis.find((a) => ARCHES[a].auditArch === audit);
}

const compiledAbis = (profile: SeccompProfile, target: ArchName) =>
  kernelGroupOf(target).filter((a) => a === target || profile.architectures.includes(a));

/** Decides calls for one (profile, target), the database built once. */
export class Oracle {
  private readonly db: RuleDb;
  private readonly lowered = new Map<string, ReturnType<typeof lowerEntry>>();

  constructor(private readonly profile: SeccompProfile, private readonly target: ArchName) {
    const abis = compiledAbis(profile, target).map((a) => resolveArch(a));
    const others = [...new Set(profile.architectures)].map((a) => resolveArch(a))
      .filter((a) => a.endian === ARCHES[target].endian && !abis.includes(a));
    this.db = buildRuleDb(profile, [...abis, ...others]);
  }

  decide(audit: number, nr: number, args: readonly bigint[]): string {
    const abi = abiOf(this.profile, this.target, audit, nr);
    if (!abi) return 'KILL_PROCESS';
    const fallback = actionValue(this.profile.defaultAction, ARCHES[abi], 'defaultAction');
    const entry = this.db.tables.get(abi)!.get(nr);
    if (entry) {
      const data = new DataView(new ArrayBuffer(64));
      const le = ARCHES[abi].endian === 'little';
      args.forEach((v, i) => data.setBigUint64(16 + 8 * i, BigInt.asUintN(64, v), le));
      const key = `${abi}/${nr}`;
      if (!this.lowered.has(key)) this.lowered.set(key, lowerEntry(new DecisionPool(), entry, ARCHES[abi], fallback));
      return actionText(evaluate(this.lowered.get(key)!, (o) => data.getUint32(o, le)));
    }
    const table = syscallTable(abi);
    const known = Object.values(table.syscalls).includes(nr);
    if (this.profile.defaultAction.kind === 'ERRNO' && nr > table.newAbove && !known) return `ERRNO(${ENOSYS[ARCHES[abi].errnoFamily]})`;
    return actionText(fallback);
  }
}

export function expectedAction(profile: SeccompProfile, target: ArchName, audit: number, nr: number, args: readonly bigint[]): string {
  return new Oracle(profile, target).decide(audit, nr, args);
}

export function text(action: Action): string {
  if (action.kind === 'ERRNO') return `ERRNO(${action.errno})`;
  if (action.kind === 'TRACE') return `TRACE(${action.data})`;
  if (action.kind === 'TRAP') return 'TRAP(0)';
  if (action.kind === 'NOTIFY') return 'USER_NOTIF';
  return action.kind;
}
