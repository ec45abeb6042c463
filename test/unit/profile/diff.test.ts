// diffProfiles(): meaning, not text: default action, architectures, flags, and per syscall
// added (+), removed (-) and changed (~) rules.
import t from 'tap';
import { diffProfiles } from '../../../src/profile/diff.js';
import { parseProfileOrThrow } from '../../../src/profile/parse.js';

const side = (label: string, obj: unknown) => ({ label, profile: parseProfileOrThrow(JSON.stringify(obj), label).profile });

t.test('the same meaning in other words: no differences', async (t) => {
  const a = side('a.json', { whitelist: ['write', 'read'] });
  const b = side('b.json', { defaultAction: 'SCMP_ACT_KILL', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }, { names: ['write'], action: 'SCMP_ACT_ALLOW' }] });
  t.same(diffProfiles(a, b), []);
  const c = side('c.json', { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['x'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] });
  const d = side('d.json', { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, syscalls: [{ names: ['x'], action: 'SCMP_ACT_ERRNO' }] });
  t.same(diffProfiles(c, d), [], 'ERRNO without errnoRet is errno 1');
});

t.test('default action, architectures, flags, added, removed and changed syscalls', async (t) => {
  const a = side('old.json', {
    defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X32'],
    syscalls: [
      { names: ['read', 'write', 'rmdir', 'mkdir'], action: 'SCMP_ACT_ALLOW' },
      { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }] },
    ],
  });
  const b = side('new.json', {
    defaultAction: 'SCMP_ACT_KILL_PROCESS', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'], flags: ['SECCOMP_FILTER_FLAG_LOG'],
    syscalls: [
      { names: ['write', 'read', 'openat'], action: 'SCMP_ACT_ALLOW' },
      { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
      { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }, { index: 0, value: 10, op: 'SCMP_CMP_EQ' }] },
    ],
  });
  t.same(diffProfiles(a, b), [
    '--- old.json',
    '+++ new.json',
    'default action: ERRNO(EPERM) -> KILL_PROCESS',
    'architectures: +i386 -x32',
    'flags: +SECCOMP_FILTER_FLAG_LOG',
    '~ mkdir: ALLOW -> ERRNO(13)',
    '+ openat: ALLOW',
    '- rmdir: ALLOW',
    '~ socket: ALLOW if arg0 == 2; otherwise the default -> ALLOW if arg0 == 2; ALLOW if arg0 == 10; otherwise the default',
  ]);
});
