// The generated syscall tables against libseccomp 2.5.4 (scripts/gen-syscalls.mjs builds them from
// it): every name libseccomp knows has its number, and no ABI lists a name libseccomp places only
// on other ABIs (x32 has no map_shadow_stack: a rule for it is skipped there, as under runc).
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { ARCHES, ARCH_NAMES, syscallTable } from '../../../src/profile/arch.js';
import { hasLibseccomp } from '../../helpers/libseccomp.js';

if (!hasLibseccomp) t.plan(0, 'needs /usr/bin/python3 with python3-seccomp');

const PYTHON = `
import json, sys, seccomp
out = {}
for arch, names in json.load(sys.stdin).items():
    a = getattr(seccomp.Arch, arch)
    out[arch] = {n: seccomp.resolve_syscall(a, n) for n in names}
json.dump(out, sys.stdout)
`;

t.test('every table agrees with libseccomp where libseccomp knows the name', async (t) => {
  const request = Object.fromEntries(ARCH_NAMES.map((a) => [ARCHES[a].scmpName.replace('SCMP_ARCH_', ''), Object.keys(syscallTable(a).syscalls)]));
  const r = spawnSync('/usr/bin/python3', ['-c', PYTHON], { input: JSON.stringify(request), encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  const theirs = JSON.parse(r.stdout) as Record<string, Record<string, number>>;
  const bad: string[] = [];
  for (const arch of ARCH_NAMES) {
    const lib = theirs[ARCHES[arch].scmpName.replace('SCMP_ARCH_', '')]!;
    for (const [name, nr] of Object.entries(syscallTable(arch).syscalls)) {
      const known = lib[name]!;
      if (known === -1) continue; // newer than libseccomp 2.5.4: from the kernel's tables
      // by name libseccomp gives socketcall(2)/ipc(2) for socket and IPC calls where they multiplex
      if (known === syscallTable(arch).syscalls.socketcall || known === syscallTable(arch).syscalls.ipc) continue;
      if (known !== nr) bad.push(`${arch} ${name}: ours ${nr}, libseccomp ${known}${known < 0 ? ' (not on this ABI)' : ''}`);
    }
  }
  t.same(bad, []);
  t.notOk(Object.hasOwn(syscallTable('x32').syscalls, 'map_shadow_stack'), 'x32 has no map_shadow_stack');
  t.ok(Object.hasOwn(syscallTable('x86_64').syscalls, 'map_shadow_stack'), 'x86_64 has it');
});
