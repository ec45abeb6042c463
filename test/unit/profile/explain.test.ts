// explainProfile(): the table (syscall, action, conditions, calls), default action,
// architectures, flags, program size, and notes on what surprises people.
import t from 'tap';
import { explainProfile, formatTable } from '../../../src/profile/explain.js';
import { parseProfileOrThrow } from '../../../src/profile/parse.js';

const parsed = (obj: unknown) => parseProfileOrThrow(JSON.stringify(obj), 'p.json');

const PROFILE = {
  defaultAction: 'SCMP_ACT_KILL',
  architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_S390X'],
  flags: ['SECCOMP_FILTER_FLAG_LOG'],
  syscalls: [
    { names: ['read', 'write', 'execve', 'fstat64'], action: 'SCMP_ACT_ALLOW' },
    { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 1, value: 0x80000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
    { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
  ],
};

t.test('the table, the header lines and the notes', async (t) => {
  const text = explainProfile(parsed(PROFILE), { label: 'p.json', arch: 'x86_64' });
  t.equal(text, [
    'profile: p.json (OCI runtime-spec, 6 rules)',
    'default action: KILL_THREAD (SCMP_ACT_KILL) for every syscall no rule matches',
    'architectures: x86_64, i386 (compiled; calls of any other ABI kill the process); aarch64 (listed; a kernel for x86_64 never runs it); SCMP_ARCH_S390X (not supported by jailctl, ignored)',
    'flags: SECCOMP_FILTER_FLAG_LOG',
    text.split('\n')[4],
    '',
    'SYSCALL  ACTION            CONDITIONS',
    'read     ALLOW             -',
    'write    ALLOW             -',
    'execve   ALLOW             -',
    'fstat64  ALLOW             -',
    'socket   ALLOW             arg0 == 1 && arg1 & 0x80000 == 0',
    'mkdir    ERRNO(38 ENOSYS)  -',
    '',
    'notes:',
    '  - SCMP_ACT_KILL is SCMP_ACT_KILL_THREAD: it kills only the calling thread and can leave a multithreaded service half alive; SCMP_ACT_KILL_PROCESS kills the whole process',
    '  - not syscalls on x86_64 (left out of its filter): fstat64',
    '',
  ].join('\n'));
  t.match(text.split('\n')[4], /^program: \d+ BPF instructions for x86_64$/);
});

t.test('errno numbers are named for the target arch', async (t) => {
  t.match(explainProfile(parsed(PROFILE), { label: 'p.json', arch: 'mips' }), /mkdir +ERRNO\(38 EL2NSYNC\)/);
});

t.test('with stats: a CALLS column, most called first, and called syscalls the profile lacks', async (t) => {
  const text = explainProfile(parsed({ whitelist: ['read', 'write', 'execve'], policy: 0 }), {
    label: 'l.json', arch: 'x86_64', stats: { write: 7, read: 120, getuid: 5, close: 0 },
  });
  const lines = text.split('\n');
  t.equal(lines[0], 'profile: l.json (procd legacy, 3 rules)');
  t.equal(lines[1], 'default action: KILL_THREAD (policy 0) for every syscall no rule matches');
  t.same(lines.slice(6, 10), [
    'SYSCALL  ACTION  CONDITIONS  CALLS',
    'read     ALLOW   -             120',
    'write    ALLOW   -               7',
    'execve   ALLOW   -               0',
  ]);
  t.match(text, /legacy policy 0 is SECCOMP_RET_KILL, which kills only the calling thread/);
  t.match(text, /called but not in the profile \(they get KILL_THREAD\): getuid \(5\)\n/);
});

t.test('TRACE defaults say what happens without a tracer; a program too large says so', async (t) => {
  t.match(explainProfile(parsed({ whitelist: ['execve'], policy: 5 }), { label: 'l.json', arch: 'aarch64' }), /TRACE hands the call to a ptrace tracer; without one the kernel fails it with ENOSYS/);
});

t.test('formatTable(): padded columns, numbers right-aligned, no trailing blanks', async (t) => {
  t.same(formatTable([['A', 'BB', 'CALLS'], ['xyz', '-', '5'], ['q', 'long', '1234']]), ['A    BB    CALLS', 'xyz  -         5', 'q    long   1234']);
});
