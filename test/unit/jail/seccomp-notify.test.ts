// buildRunFilter(): which calls notify the jail's pid 1, what pid 1 answers, and the checks jailctl
// puts in front of the profile (handshake, no listener of the service's own). Programs are run
// through the test BPF interpreter.
import t from 'tap';
import { ARCHES, ARCH_NAMES, resolveSyscall, syscallTable, type ArchName } from '../../../src/profile/arch.js';
import { decodeProgram } from '../../../src/profile/bpf.js';
import type { SeccompProfile } from '../../../src/profile/model.js';
import { allowsExecve, buildRunFilter, handshakeNumber, listenerFlags } from '../../../src/jail/seccomp-notify.js';
import { runFilter } from '../../helpers/bpf-run.js';
import { ALLOW, KILL_PROCESS, cond, errno, profileOf, rule } from '../../fixtures/seccomp/profiles.js';

const X86 = ARCHES.x86_64.auditArch;
const I386 = ARCHES.i386.auditArch;
const nr = (name: string, arch: ArchName = 'x86_64') => resolveSyscall(arch, name)!;

function run(filter: Uint8Array, name: string | number, args: bigint[] = [], arch: ArchName = 'x86_64'): string {
  const n = typeof name === 'number' ? name : nr(name, arch);
  return runFilter(decodeProgram(filter, ARCHES[arch].endian), { nr: n, arch: ARCHES[arch].auditArch, args }, ARCHES[arch].endian).action;
}

const basics = ['read', 'write', 'exit_group', 'mmap', 'brk'].map((n) => rule(n, ALLOW));
const killList = (extra = [rule('execve', ALLOW)]): SeccompProfile => profileOf(KILL_PROCESS, [...basics, ...extra]);

t.test('a profile that allows execve and kills nothing is installed as it is: no listener', async (t) => {
  const errnoList = profileOf(errno(1), [...basics, rule('execve', ALLOW)]);
  const f = buildRunFilter(errnoList, 'x86_64');
  t.equal(f.listener, undefined);
  t.equal(f.notify, undefined);
  t.equal(run(f.filter, 'getpid'), 'ERRNO(1)');
  t.equal(f.flags & 8, 0, 'no NEW_LISTENER');
});

t.test('named refusals: KILL_PROCESS notifies, pid 1 evaluates the kill; ERRNO rules stay the kernel\'s', async (t) => {
  const profile = killList([rule('execve', ALLOW), rule('mkdir', errno(13))]);
  const f = buildRunFilter(profile, 'x86_64');
  t.ok(f.listener);
  t.equal(run(f.filter, 'sethostname'), 'USER_NOTIF', 'the default kill notifies');
  t.equal(run(f.filter, 'read'), 'ALLOW');
  t.equal(run(f.filter, 'execve'), 'ALLOW', 'an allowed execve never stops');
  t.equal(run(f.filter, 'mkdir'), 'ERRNO(13)');
  t.equal(run(f.notify!.answer, 'sethostname'), 'KILL_PROCESS', 'pid 1 answers: kill');
  t.equal(run(f.notify!.answer, 'read'), 'ALLOW');
  t.same(f.notify!.execGates, [], 'no execve to let through');
  t.equal(run(f.filter, 'getpid', [], 'i386'), 'USER_NOTIF', 'an ABI the profile does not list is named too');
  t.equal(run(f.notify!.answer, 'getpid', [], 'i386'), 'KILL_PROCESS');
  t.equal(buildRunFilter(profile, 'x86_64', { nameRefusals: false }).listener, undefined, 'unnamed: the kernel kills');
});

t.test('a profile without execve: execve always notifies, pid 1 lets the service\'s own first one through and answers the rest from the profile', async (t) => {
  for (const profile of [killList([]), profileOf(errno(1), basics)]) {
    const f = buildRunFilter(profile, 'x86_64');
    t.equal(run(f.filter, 'execve'), 'USER_NOTIF');
    t.same(f.notify!.execGates, [{ auditArch: X86, nr: nr('execve') }], 'only the native execve jailctl itself makes');
    t.equal(run(f.notify!.answer, 'execve'), profile.defaultAction.kind === 'ERRNO' ? 'ERRNO(1)' : 'KILL_PROCESS');
  }
  const errnoOnly = buildRunFilter(profileOf(errno(1), basics), 'x86_64');
  t.equal(run(errnoOnly.filter, 'getpid'), 'ERRNO(1)', 'nothing but execve notifies without kills');
});

t.test('conditions on execve: gated, and pid 1 answers each call as the profile\'s own program does', async (t) => {
  const AT_EMPTY_PATH = 0x1000n;
  const profile = killList([rule('execve', ALLOW), rule('execveat', errno(1), cond(4, 'MASKED_EQ', AT_EMPTY_PATH, AT_EMPTY_PATH)), rule('execveat', ALLOW)]);
  t.ok(allowsExecve(profile), 'execve itself is allowed');
  const conditional = killList([rule('execve', ALLOW, cond(2, 'NE', 0n))]);
  t.notOk(allowsExecve(conditional));
  const f = buildRunFilter(conditional, 'x86_64');
  t.equal(run(f.filter, 'execve', [1n, 2n, 3n]), 'USER_NOTIF');
  t.equal(run(f.notify!.answer, 'execve', [1n, 2n, 3n]), 'ALLOW', 'continued: the registers decide, as in the kernel');
  t.equal(run(f.notify!.answer, 'execve', [1n, 2n, 0n]), 'KILL_PROCESS');
});

t.test('pid 1 answers only ALLOW, ERRNO or KILL_PROCESS: LOG continues, TRACE is ENOSYS, TRAP and KILL_THREAD kill', async (t) => {
  const profile = profileOf(KILL_PROCESS, [...basics, rule('getpid', { kind: 'LOG' }), rule('getppid', { kind: 'TRACE', data: 7 }), rule('gettid', { kind: 'TRAP' }), rule('uname', { kind: 'KILL_THREAD' })]);
  const answer = buildRunFilter(profile, 'x86_64').notify!.answer;
  t.same(['getpid', 'getppid', 'gettid', 'uname'].map((n) => run(answer, n)), ['ALLOW', 'ERRNO(38)', 'KILL_PROCESS', 'KILL_PROCESS']);
});

t.test('the handshake: an unused number of the native ABI notifies, on every architecture', async (t) => {
  for (const arch of ARCH_NAMES) {
    const f = buildRunFilter(killList(), arch);
    const h = f.notify!.handshake;
    t.equal(h.nr, handshakeNumber(arch));
    t.notOk(Object.values(syscallTable(arch).syscalls).includes(h.nr), `${arch}: ${h.nr} is no syscall`);
    t.equal(run(f.filter, h.nr, [], arch), 'USER_NOTIF', arch);
    t.equal(f.listener!.handshakeNr, h.nr);
  }
});

t.test('the service may not get a listener of its own, on any ABI; other seccomp calls are the profile\'s', async (t) => {
  const profile = killList([rule('execve', ALLOW), rule('seccomp', ALLOW)]);
  const f = buildRunFilter(profile, 'x86_64');
  const SET_MODE_FILTER = 1n;
  t.equal(run(f.filter, 'seccomp', [SET_MODE_FILTER, 8n, 0n]), 'ERRNO(1)', 'NEW_LISTENER');
  t.equal(run(f.filter, 'seccomp', [SET_MODE_FILTER, 8n | 1n | (1n << 40n), 0n]), 'ERRNO(1)', 'with TSYNC and high bits');
  t.equal(run(f.filter, 'seccomp', [SET_MODE_FILTER | (1n << 32n), 8n, 0n]), 'ERRNO(1)', 'a high word on the op is ignored like the kernel does');
  t.equal(run(f.filter, 'seccomp', [SET_MODE_FILTER, 1n, 0n]), 'ALLOW', 'TSYNC alone is the profile\'s business');
  t.equal(run(f.filter, 'seccomp', [1n, 8n], 'i386'), 'ERRNO(1)', 'i386 compat');
  t.equal(run(f.filter, 0x40000000 + nr('seccomp', 'x86_64'), [1n, 8n], 'x86_64'), 'ERRNO(1)', 'x32 (same audit arch, x32 bit)');
  for (const arch of ['aarch64', 'mips', 'mips64el', 'powerpc'] as ArchName[]) {
    t.equal(run(buildRunFilter(killList(), arch).filter, 'seccomp', [1n, 8n], arch), 'ERRNO(1)', arch);
  }
});

t.test('listener flags: NEW_LISTENER, and TSYNC_ESRCH beside TSYNC', async (t) => {
  t.equal(listenerFlags(0), 8);
  t.equal(listenerFlags(1), 1 | 8 | 16);
  const withTsync = buildRunFilter({ ...killList(), flags: ['SECCOMP_FILTER_FLAG_TSYNC'] }, 'x86_64');
  t.equal(withTsync.flags, 1 | 8 | 16);
});

t.test('names cover every ABI of the host kernel, the others labelled', async (t) => {
  const names = buildRunFilter(killList(), 'x86_64').notify!.names;
  t.ok(names.some((n) => n.auditArch === X86 && n.nr === nr('sethostname') && n.name === 'sethostname'));
  t.ok(names.some((n) => n.auditArch === I386 && n.nr === nr('socketcall', 'i386') && n.name === 'socketcall (i386)'));
  t.ok(names.some((n) => n.auditArch === X86 && n.nr === nr('read', 'x32') && n.name === 'read (x32)'));
});

t.test('pid 1 answers exactly as the installed filter decides, even where reducing actions would change libseccomp\'s precedence', async (t) => {
  // libseccomp refuses the LOG rule (it contradicts the longer ALLOW rule on a shared test); reduced
  // to ALLOW it would be taken and would allow mkdir(1, 5): pid 1 must still kill it
  const profile = killList([rule('execve', ALLOW), rule('mkdir', ALLOW, cond(0, 'EQ', 1n), cond(1, 'EQ', 2n)), rule('mkdir', { kind: 'LOG' }, cond(0, 'EQ', 1n))]);
  const f = buildRunFilter(profile, 'x86_64');
  t.equal(run(f.filter, 'mkdir', [1n, 5n]), 'USER_NOTIF', 'the default kill notifies');
  t.equal(run(f.notify!.answer, 'mkdir', [1n, 5n]), 'KILL_PROCESS', 'pid 1 kills it, as the profile says');
  t.equal(run(f.notify!.answer, 'mkdir', [1n, 2n]), 'ALLOW');
});
