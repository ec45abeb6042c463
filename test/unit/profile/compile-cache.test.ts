// The kernel's seccomp action cache (Linux >= 5.11) emulates each filter at attach time with
// only nr and arch known and caches the syscalls that reach RET_ALLOW. Every decision that does
// not depend on arguments must be reachable that way, so every argument-free allow is cached.
import t from 'tap';
import { ARCHES, ARCH_NAMES, kernelGroupOf, syscallTable, type ArchName } from '../../../src/profile/arch.js';
import { SECCOMP_RET } from '../../../src/profile/bpf.js';
import { compileFilter } from '../../../src/profile/compile.js';
import { actionValue } from '../../../src/profile/compile-actions.js';
import { buildRuleDb } from '../../../src/profile/compile-db.js';
import { DecisionPool, lowerEntry } from '../../../src/profile/compile-lower.js';
import type { SeccompProfile } from '../../../src/profile/model.js';
import { argRules, denyList, errnoAllowList, killAllowList, manyArgRules } from '../../fixtures/seccomp/profiles.js';
import { emulateConstant, runFilter } from '../../helpers/bpf-run.js';

/** Numbers whose outcome depends on arguments (socketcall/ipc too, for socket and IPC rules). */
function withArgs(profile: SeccompProfile, arch: ArchName): Set<number> {
  const abi = ARCHES[arch];
  const table = buildRuleDb(profile, [abi]).tables.get(arch)!;
  const pool = new DecisionPool();
  const fallback = actionValue(profile.defaultAction, abi, 'defaultAction');
  return new Set([...table].filter(([, entry]) => lowerEntry(pool, entry, abi, fallback).kind === 'test').map(([nr]) => nr));
}

/** Per ABI of the filter: numbers decided without arguments whose emulation is not constant. */
function uncached(profile: SeccompProfile, target: ArchName): string[] {
  const filter = compileFilter(profile, target);
  const bad: string[] = [];
  for (const abi of filter.abis) {
    const audit = ARCHES[abi].auditArch;
    const argNrs = withArgs(profile, abi);
    const table = syscallTable(abi);
    for (const nr of [...Object.values(table.syscalls), table.newAbove + 1]) {
      if (argNrs.has(nr)) continue;
      const real = runFilter(filter.instructions, { nr, arch: audit }, ARCHES[target].endian);
      const emulated = emulateConstant(filter.instructions, nr, audit);
      if (real.loadedArgs || emulated !== real.value) bad.push(`${target}/${abi} nr ${nr}: ${real.action}, emulated ${emulated}`);
    }
  }
  return bad.slice(0, 5);
}

t.test('every argument-free decision is made from arch and nr alone', async (t) => {
  const profiles = { killAllowList, errnoAllowList, argRules, denyList: () => denyList(['i386', 'x32', 'arm', 'mips', 'mips64n32']), many: () => manyArgRules(320) };
  for (const arch of ARCH_NAMES) {
    for (const [name, make] of Object.entries(profiles)) t.same(uncached(make(), arch), [], `${arch}: ${name}`);
  }
});

t.test('argument-free allows are cached, argument-checked ones are not', async (t) => {
  const f = compileFilter(argRules(), 'x86_64');
  const audit = ARCHES.x86_64.auditArch;
  t.equal(emulateConstant(f.instructions, 0, audit), SECCOMP_RET.ALLOW, 'read');
  t.equal(emulateConstant(f.instructions, 41, audit), undefined, 'socket checks its arguments');
  t.equal(emulateConstant(f.instructions, 41, ARCHES.arm.auditArch), SECCOMP_RET.KILL_PROCESS, 'foreign arch: constant kill');
  t.ok(kernelGroupOf('x86_64').includes('x32'));
});
