// The semantic checks (src/profile/check.ts, formats.ts): each finding as the one line the user
// sees, naming the file, the JSON path, the bad value and what is accepted. What runc, crun or
// procd accept is a warning (accepted-profiles.test.ts has one test per acceptance rule); here
// the errors, and the warnings' exact wording.
import t from 'tap';
import { ARCH_NAMES, resolveSyscall, syscallTable } from '../../../src/profile/arch.js';
import { parseProfile, type ParseOptions } from '../../../src/profile/parse.js';

const ALLOW_EXEC = { names: ['execve', 'exit_group'], action: 'SCMP_ACT_ALLOW' };

/** The error lines of an OCI profile checked for `arch`. */
function problems(obj: Record<string, unknown>, arch = 'x86_64', options: ParseOptions = {}): string[] {
  return parseProfile(JSON.stringify(obj), 'p.json', { arch, ...options }).problems;
}
function warnings(obj: Record<string, unknown>, arch = 'x86_64', options: ParseOptions = {}): string[] {
  return parseProfile(JSON.stringify(obj), 'p.json', { arch, ...options }).warnings;
}
const withRules = (...syscalls: unknown[]) => ({ defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [ALLOW_EXEC, ...syscalls] });

t.test('a good profile has no problems and no warnings', async (t) => {
  const good = withRules({ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' });
  t.same(problems(good), []);
  t.same(warnings(good), []);
  t.same(problems(good, 'x86_64', { strict: true }), []);
});

t.test('unknown syscall name: skipped with a warning naming the nearest real name', async (t) => {
  t.same(warnings(withRules({ names: ['read', 'opne'], action: 'SCMP_ACT_ALLOW' })), [
    'p.json: /syscalls/1/names/1: "opne" is not a syscall on x86_64 or any other architecture (did you mean "open"?): skipped, as runc and procd do',
  ]);
  t.same(warnings(withRules({ names: ['xyzzyplugh'], action: 'SCMP_ACT_ALLOW' })), [
    'p.json: /syscalls/1/names/0: "xyzzyplugh" is not a syscall on x86_64 or any other architecture: skipped, as runc and procd do; use the kernel name (such as "newfstatat" or "rt_sigaction")',
  ]);
  t.match(warnings(withRules({ names: ['RT_SIGACTION'], action: 'SCMP_ACT_ALLOW' })), [/did you mean "rt_sigaction"\?/], 'names are case-sensitive');
  t.same(problems(withRules({ names: ['opne'], action: 'SCMP_ACT_ALLOW' }), 'x86_64', { strict: true }), [
    'p.json: /syscalls/1/names/0: "opne" is not a syscall on x86_64 or any other architecture (did you mean "open"?): skipped, as runc and procd do',
  ], '--strict: the same line is an error');
});

t.test('a syscall of other arches only: skipped there, with how to declare them', async (t) => {
  t.same(warnings(withRules({ names: ['fstat64'], action: 'SCMP_ACT_ALLOW' })), [
    'p.json: /syscalls/1/names/0: "fstat64" is not a syscall on x86_64 (did you mean "fstat"?): skipped there, as runc and procd do; it is one on i386, arm, mips, mipsel, powerpc (list those in "architectures" if the profile is meant for them)',
  ]);
  t.match(warnings(withRules({ names: ['open'], action: 'SCMP_ACT_ALLOW' }), 'aarch64'), [/"open" is not a syscall on aarch64 .*it is one on x86_64/]);
  const shared = { ...withRules({ names: ['open', 'fstat64'], action: 'SCMP_ACT_ALLOW' }), architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_ARM'] };
  for (const arch of ['x86_64', 'aarch64', 'mips']) t.same(warnings(shared, arch), [], `listed arches make their names expected on ${arch}`);
  const compat = { ...withRules({ names: ['fstat64'], action: 'SCMP_ACT_ALLOW' }), architectures: ['SCMP_ARCH_X86'] };
  t.same(warnings(compat, 'x86_64'), [], 'an i386 name is fine when the filter has an i386 section');
});

t.test('errnoRet: ignored on a non-errno action; 4095 and up clamped; beyond 16 bits refused', async (t) => {
  t.same(warnings(withRules({ names: ['read'], action: 'SCMP_ACT_ALLOW', errnoRet: 38 })), [
    'p.json: /syscalls/1/errnoRet: 38 is ignored: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not SCMP_ACT_ALLOW (runc ignores it too); remove it or change the action',
  ]);
  t.same(warnings({ ...withRules(), defaultErrnoRet: 1 }), [
    'p.json: /defaultErrnoRet: 1 is ignored: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not SCMP_ACT_KILL_PROCESS (runc ignores it too); remove it or change the action',
  ]);
  t.same(warnings(withRules({ names: ['read'], action: 'SCMP_ACT_ERRNO', errnoRet: 5000 })), [
    'p.json: /syscalls/1/errnoRet: 5000 is not an errno: the kernel returns 4095 for it (procd and jailctl pass it on), runc and crun refuse it (libseccomp takes at most 4094); write a real errno',
  ]);
  t.same(problems(withRules({ names: ['read'], action: 'SCMP_ACT_ERRNO', errnoRet: 70000 })), [
    'p.json: /syscalls/1/errnoRet: 70000 is not an errno: accepted 0-4095 (1 is EPERM, 38 ENOSYS on x86 and arm)',
  ]);
  t.same(problems(withRules({ names: ['read'], action: 'SCMP_ACT_TRACE', errnoRet: 70000 })), [
    'p.json: /syscalls/1/errnoRet: 70000 does not fit the 16 bits a tracer receives: accepted 0-65535',
  ]);
});

t.test('argument index above 5 and values beyond 64 bits are errors; valueTwo without MASKED_EQ is ignored', async (t) => {
  t.same(problems(withRules({ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] })), [
    'p.json: /syscalls/1/args/0/index: 6 is not an argument index: accepted 0-5 (syscalls have six arguments, counted from 0)',
  ]);
  t.same(warnings(withRules({ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, valueTwo: 3, op: 'SCMP_CMP_GT' }] })), [
    'p.json: /syscalls/1/args/0/valueTwo: 3 is ignored: only SCMP_CMP_MASKED_EQ uses valueTwo, not SCMP_CMP_GT (runc ignores it too); remove it, or use SCMP_CMP_MASKED_EQ to test (arg & value) == valueTwo',
  ]);
  const text = '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":18446744073709551616,"op":"SCMP_CMP_EQ"}]}]}';
  t.same(parseProfile(text, 'p.json', { arch: 'x86_64' }).problems, [
    'p.json: /syscalls/0/args/0/value: 18446744073709551616 does not fit in 64 bits: accepted 0-18446744073709551615',
  ]);
});

t.test('duplicate, contradictory and never-used rules: warnings saying which rule decides', async (t) => {
  t.same(warnings(withRules({ names: ['read', 'write', 'read'], action: 'SCMP_ACT_ALLOW' })), [
    'p.json: /syscalls/1/names/2: duplicate rule for "read" (ALLOW): /syscalls/1/names/0 says the same; kept once',
  ]);
  t.same(warnings(withRules({ names: ['write'], action: 'SCMP_ACT_ALLOW' }, { names: ['write'], action: 'SCMP_ACT_ERRNO' })), [
    'p.json: /syscalls/2/names/0: contradictory rules for "write": ERRNO(EPERM) here, ALLOW at /syscalls/1/names/0; the first one wins (as in libseccomp and procd), this one is ignored',
  ]);
  const cond = [{ index: 0, value: 10, op: 'SCMP_CMP_EQ' }];
  t.same(warnings(withRules({ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: cond }, { names: ['socket'], action: 'SCMP_ACT_KILL_PROCESS', args: cond })), [
    'p.json: /syscalls/2/names/0: contradictory rules for "socket": KILL_PROCESS if arg0 == 10 here, ALLOW if arg0 == 10 at /syscalls/1/names/0; the first one wins (as in libseccomp and procd), this one is ignored',
  ]);
  t.same(warnings(withRules({ names: ['socket'], action: 'SCMP_ACT_ALLOW' }, { names: ['socket'], action: 'SCMP_ACT_ERRNO', args: cond })), [
    'p.json: /syscalls/2/names/0: rule for "socket" (ERRNO(EPERM) if arg0 == 10) is never used: /syscalls/1/names/0 decides every call (ALLOW), since an unconditional rule wins over conditional ones in any order (libseccomp, so runc and crun); remove it, or give that rule conditions',
  ]);
  t.same(warnings(withRules({ names: ['socket'], action: 'SCMP_ACT_ERRNO', args: cond }, { names: ['socket'], action: 'SCMP_ACT_ALLOW' })), [
    'p.json: /syscalls/1/names/0: rule for "socket" (ERRNO(EPERM) if arg0 == 10) is never used: /syscalls/2/names/0 decides every call (ALLOW), since an unconditional rule wins over conditional ones in any order (libseccomp, so runc and crun); remove it, or give that rule conditions',
  ], 'before the unconditional rule too: libseccomp lets it win whatever the order');
  t.same(warnings(withRules({ names: ['socket'], action: 'SCMP_ACT_ERRNO', args: cond }, { names: ['socket'], action: 'SCMP_ACT_KILL_PROCESS' })), [],
    'an unconditional rule with the default action decides nothing (runc leaves it out): the conditional rule is used');
  t.same(warnings(withRules({ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 1, value: 2, op: 'SCMP_CMP_EQ' }] },
    { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 2, op: 'SCMP_CMP_EQ' }, { index: 0, value: 1, op: 'SCMP_CMP_EQ' }] })).length, 1,
  'the same conditions in another order are a duplicate');
});

t.test('execve refused: a warning for check and compile (procd loads the filter after execve), an error for run', async (t) => {
  const noExec = { defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] };
  t.same(problems(noExec), []);
  t.same(warnings(noExec), [
    "p.json: /syscalls: execve is not allowed (it gets the default action SCMP_ACT_KILL_PROCESS): runtimes that load the filter before execve (runc, crun) cannot start the program; procd loads it after the service's execve, jailctl run answers that execve itself; add \"execve\" to an SCMP_ACT_ALLOW rule",
  ]);
  t.same(problems(noExec, 'x86_64', { forRun: true }), [
    'p.json: /syscalls: execve is not allowed (it gets the default action SCMP_ACT_KILL_PROCESS): jailctl installs the filter just before execve, so the service could never start; add "execve" to an SCMP_ACT_ALLOW rule',
  ]);
  t.same(problems({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['execve'], action: 'SCMP_ACT_KILL' }] }, 'x86_64', { forRun: true }), [
    'p.json: /syscalls/0/names/0: execve gets SCMP_ACT_KILL here: jailctl installs the filter just before execve, so the service could never start; allow it (SCMP_ACT_ALLOW)',
  ]);
  t.same(problems({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['execve'], action: 'SCMP_ACT_ERRNO', args: [{ index: 2, value: 0, op: 'SCMP_CMP_NE' }] }] }, 'x86_64', { forRun: true }), [
    'p.json: /syscalls/0/names/0: execve can be refused by this rule (ERRNO(EPERM) if arg2 != 0): jailctl installs the filter just before execve, so the service could never start if its arguments (pointers) match; allow execve without conditions',
  ]);
  t.same(parseProfile(JSON.stringify({ whitelist: ['read'] }), 'l.json', { arch: 'mips', forRun: true }).problems, [
    'l.json: /whitelist: execve is not allowed (it gets the default action policy 0): jailctl installs the filter just before execve, so the service could never start; add "execve" to the whitelist',
  ]);
  t.same(problems({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] }, 'x86_64', { forRun: true }), [], 'a deny-list allows execve by default');
  t.same(problems({ defaultAction: 'SCMP_ACT_LOG' }, 'x86_64', { forRun: true }), [], 'LOG lets it run');
  t.same([...problems(noExec, 'x86_64', { forRun: true, execveAnswered: true }), ...warnings(noExec, 'x86_64', { forRun: true, execveAnswered: true })], [], 'a runtime that answers the first execve itself needs no execve rule');
});

t.test('SCMP_ACT_NOTIFY: compiled for check and compile, refused by run; a notify default refused everywhere', async (t) => {
  t.same(problems({ defaultAction: 'SCMP_ACT_NOTIFY', syscalls: [ALLOW_EXEC] }), [
    'p.json: /defaultAction: SCMP_ACT_NOTIFY as the default action: runc refuses it, and every call would wait for a listener; use SCMP_ACT_ERRNO (errnoRet 38 is ENOSYS on x86 and arm)',
  ]);
  const notify = { ...withRules({ names: ['ioctl', 'fcntl'], action: 'SCMP_ACT_NOTIFY' }), listenerPath: '/run/agent.sock' };
  t.same(problems(notify), []);
  t.same(warnings(notify), [
    'p.json: /syscalls/1/names/0: SCMP_ACT_NOTIFY: compiled as SECCOMP_RET_USER_NOTIF; a runtime with a listener (runc with listenerPath) answers it, jailctl run refuses it (no listener)',
    'p.json: /syscalls/1/names/1: SCMP_ACT_NOTIFY: compiled as SECCOMP_RET_USER_NOTIF; a runtime with a listener (runc with listenerPath) answers it, jailctl run refuses it (no listener)',
  ]);
  t.same(problems(notify, 'x86_64', { forRun: true }), [
    'p.json: /syscalls/1/names/0: SCMP_ACT_NOTIFY: jailctl run has no seccomp notify listener, so the call would fail with ENOSYS: use SCMP_ACT_ERRNO (errnoRet 38 is ENOSYS on x86 and arm)',
    'p.json: /syscalls/1/names/1: SCMP_ACT_NOTIFY: jailctl run has no seccomp notify listener, so the call would fail with ENOSYS: use SCMP_ACT_ERRNO (errnoRet 38 is ENOSYS on x86 and arm)',
  ]);
  t.same(warnings({ ...withRules(), listenerPath: '/run/seccomp.sock', listenerMetadata: 'x' }), [
    'p.json: /listenerPath: "/run/seccomp.sock" is ignored: no rule is SCMP_ACT_NOTIFY, so there is nothing to listen to',
  ]);
});

t.test('architectures: unknown names with a suggestion, OCI arches jailctl does not build ignored', async (t) => {
  const [line] = problems({ ...withRules(), architectures: ['SCMP_ARCH_AMD64'] });
  t.match(line, /^p\.json: \/architectures\/0: "SCMP_ARCH_AMD64" is not an architecture \(did you mean "SCMP_ARCH_X86_64"\?\): accepted SCMP_ARCH_X86_64, SCMP_ARCH_X86, .*SCMP_ARCH_PPC64LE, or another OCI name \(SCMP_ARCH_LOONGARCH64, .*: ignored\)$/);
  t.match(problems({ ...withRules(), architectures: ['SCMP_ARCH_AARCH46'] }), [/did you mean "SCMP_ARCH_AARCH64"\?/]);
  const r = parseProfile(JSON.stringify({ ...withRules(), architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_S390X'] }), 'p.json', { arch: 'x86_64' });
  t.same(r.problems, []);
  t.same(r.parsed!.ignoredArchitectures, ['SCMP_ARCH_S390X']);
  t.same(r.parsed!.profile.architectures, ['x86_64']);
});

t.test('a program over the kernel\'s 4096 instructions: the compiler\'s message', async (t) => {
  const names = Object.keys(syscallTable('x86_64').syscalls).filter((n) => n !== 'execve');
  // distinct conditions per syscall, so no two argument blocks can be shared
  const values = Array.from({ length: 12 }, (_, k) => k + 1);
  const syscalls = [ALLOW_EXEC, ...names.flatMap((name, i) => values.map((k) => ({ names: [name], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: i * 100 + k, op: 'SCMP_CMP_EQ' }] })))];
  const lines = problems({ defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls });
  t.equal(lines.length, 1);
  t.match(lines[0], /^p\.json: \(top level\): seccomp filter for x86_64 needs \d+ BPF instructions; the kernel accepts at most 4096 \(/);
});

t.test('every finding at once: errors and warnings apart', async (t) => {
  const profile = {
    defaultAction: 'SCMP_ACT_NOTIFY',
    architectures: ['SCMP_ARCH_NOPE'],
    syscalls: [{ names: ['raed', 'read', 'read'], action: 'SCMP_ACT_ALLOW', errnoRet: 1, args: [{ index: 9, value: 0, op: 'SCMP_CMP_EQ' }] }],
  };
  const errors = problems(profile);
  t.equal(errors.length, 3, errors.join('\n'));
  for (const pattern of [/architectures\/0/, /args\/0\/index/, /\/defaultAction: SCMP_ACT_NOTIFY/]) t.ok(errors.some((l) => pattern.test(l)), String(pattern));
  const warned = warnings(profile);
  for (const pattern of [/errnoRet/, /"raed"/, /duplicate rule for "read"/, /execve is not allowed/]) t.ok(warned.some((l) => pattern.test(l)), String(pattern));
  t.equal(problems(profile, 'x86_64', { strict: true }).length, errors.length + warned.length, '--strict: every warning is an error too');
});

t.test('the checks run for every supported arch', async (t) => {
  for (const arch of ARCH_NAMES) {
    const names = ['read', 'execve', 'exit_group'].filter((n) => resolveSyscall(arch, n) !== undefined);
    const profile = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names, action: 'SCMP_ACT_ALLOW' }] };
    t.same([...problems(profile, arch), ...warnings(profile, arch)], [], arch);
  }
});
