// mergeProfiles(): union of what the inputs allow, identical rules once, contradictions
// reported with both places, the strictest default action when they differ.
import t from 'tap';
import { mergeProfiles, type MergeInput } from '../../../src/profile/merge.js';
import { parseProfileOrThrow } from '../../../src/profile/parse.js';

const input = (file: string, obj: unknown): MergeInput => ({ file, parsed: parseProfileOrThrow(JSON.stringify(obj), file) });
const allow = (...names: string[]) => ({ names, action: 'SCMP_ACT_ALLOW' });

t.test('union of allowed syscalls, identical rules kept once, input order', async (t) => {
  const r = mergeProfiles([
    input('a.json', { defaultAction: 'SCMP_ACT_KILL_PROCESS', architectures: ['SCMP_ARCH_X86_64'], syscalls: [allow('read', 'write', 'execve')] }),
    input('b.json', { defaultAction: 'SCMP_ACT_KILL_PROCESS', architectures: ['SCMP_ARCH_X86'], flags: ['SECCOMP_FILTER_FLAG_LOG'], syscalls: [allow('write', 'openat')] }),
  ]);
  t.same(r.conflicts, []);
  t.same(r.notes, []);
  t.same(r.profile.rules.map((x) => x.syscall), ['read', 'write', 'execve', 'openat']);
  t.same(r.profile.defaultAction, { kind: 'KILL_PROCESS' });
  t.same(r.profile.architectures, ['x86_64', 'i386']);
  t.same(r.profile.flags, ['SECCOMP_FILTER_FLAG_LOG']);
});

t.test('legacy and OCI inputs merge; conditional rules behind an equal unconditional one are dropped', async (t) => {
  const r = mergeProfiles([
    input('old.json', { whitelist: ['socket', 'read'] }),
    input('new.json', { defaultAction: 'SCMP_ACT_KILL_THREAD', syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] }] }),
  ]);
  t.same(r.conflicts, []);
  t.same(r.profile.rules.map((x) => `${x.syscall}/${x.args.length}`), ['socket/0', 'read/0']);
  t.same(r.notes, [], 'KILL_THREAD (legacy policy 0) and SCMP_ACT_KILL_THREAD agree');
});

t.test('the same syscall and conditions with different actions: a conflict naming both files', async (t) => {
  const r = mergeProfiles([
    input('a.json', { defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [allow('mkdir')] }),
    input('b.json', { defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [allow('read'), { names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] }),
  ]);
  t.same(r.conflicts, ['b.json: /syscalls/1/names/0: contradictory rules for "mkdir": ERRNO(EPERM) here, ALLOW at a.json /syscalls/0/names/0; the first one wins (as in libseccomp and procd), this one is ignored']);
});

t.test('a rule hidden behind another input\'s unconditional rule with a different action is a conflict', async (t) => {
  const r = mergeProfiles([
    input('a.json', { defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [allow('socket')] }),
    input('b.json', { defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 10, op: 'SCMP_CMP_EQ' }] }] }),
  ]);
  t.same(r.conflicts, ['b.json: /syscalls/0/names/0: rule for "socket" (ERRNO(EPERM) if arg0 == 10) is never used: a.json /syscalls/0/names/0 decides every call (ALLOW), since an unconditional rule wins over conditional ones in any order (libseccomp, so runc and crun); remove it, or give that rule conditions']);
});

t.test('different default actions: the strictest in kernel precedence wins, with a note', async (t) => {
  const r = mergeProfiles([
    input('a.json', { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [allow('read')] }),
    input('b.json', { defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [allow('write')] }),
    input('c.json', { defaultAction: 'SCMP_ACT_LOG' }),
  ]);
  t.same(r.profile.defaultAction, { kind: 'KILL_PROCESS' });
  t.same(r.notes, ['default actions differ (a.json: ERRNO(EPERM), b.json: KILL_PROCESS, c.json: LOG): the merged profile uses the strictest, KILL_PROCESS']);
  const errnos = mergeProfiles([
    input('a.json', { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38 }),
    input('b.json', { defaultAction: 'SCMP_ACT_ERRNO' }),
  ]);
  t.same(errnos.profile.defaultAction, { kind: 'ERRNO', errno: 38 }, 'equal precedence: the first input\'s');
  t.equal(errnos.notes.length, 1);
});
