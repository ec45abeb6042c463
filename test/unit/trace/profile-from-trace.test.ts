import t from 'tap';
import { ARCHES, resolveSyscall } from '../../../src/profile/arch.js';
import { compileFilter } from '../../../src/profile/compile.js';
import { parseProfile, parseProfileOrThrow } from '../../../src/profile/parse.js';
import { serializeOci } from '../../../src/profile/serialize.js';
import { parseStats } from '../../../src/profile/stats.js';
import { aggregateTrace } from '../../../src/trace/aggregate.js';
import {
  addCounts, buildProfileFromCounts, buildTraceStats, mergeTraceStats, mergeTracedProfile, parseDefaultAction, totalCounts,
} from '../../../src/trace/profile-from-trace.js';
import { runFilter } from '../../helpers/bpf-run.js';
import { count, O, path } from '../../helpers/trace-records.js';

const names = (p: ReturnType<typeof buildProfileFromCounts>) => p.rules.map((r) => r.syscall);

t.test('buildProfileFromCounts()', async (t) => {
  t.test('one allow rule, most frequent first, then what ending and signals need', async (t) => {
    const profile = buildProfileFromCounts({ x86_64: { read: 10, write: 30, openat: 10, exit_group: 1 } }, 'x86_64');
    t.same(names(profile), ['write', 'openat', 'read', 'exit_group', 'rt_sigreturn', 'restart_syscall', 'exit'], 'ties by name; sigreturn is not an x86_64 syscall');
    t.same(profile.defaultAction, { kind: 'KILL_PROCESS' });
    t.same(profile.architectures, ['x86_64']);
    t.ok(profile.rules.every((r) => r.action.kind === 'ALLOW' && r.args.length === 0));
    t.same(JSON.parse(serializeOci(profile)).syscalls.length, 1, 'one syscalls[] entry');
  });

  t.test('a tree that started threads gets futex even when no thread ever had to wait', async (t) => {
    const counts = { x86_64: { clone3: 2, read: 3 } };
    t.notOk(names(buildProfileFromCounts(counts, 'x86_64')).includes('futex'), 'no threads, no futex');
    t.same(names(buildProfileFromCounts(counts, 'x86_64', { threaded: true })).slice(-1), ['futex'], 'futex_time64 is no x86_64 call');
    const i386 = names(buildProfileFromCounts({ x86_64: { read: 1 }, i386: { clone: 1 } }, 'x86_64', { threaded: true }));
    t.ok(i386.includes('futex') && i386.includes('futex_time64'), 'a 32-bit ABI has futex_time64 too');
    t.notOk(names(buildProfileFromCounts(counts, 'x86_64', { threaded: true, always: false })).includes('futex'), 'a learned fragment lists only what was learned');
  });

  t.test('every ABI the tree used is listed; sigreturn where an ABI has it', async (t) => {
    const profile = buildProfileFromCounts({ x86_64: { read: 3, execve: 1 }, i386: { socketcall: 5, read: 4 } }, 'x86_64');
    t.same(profile.architectures, ['x86_64', 'i386']);
    t.same(names(profile).slice(0, 2), ['read', 'socketcall'], 'counts summed over ABIs');
    t.ok(names(profile).includes('sigreturn'));
    const text = serializeOci(profile);
    t.match(JSON.parse(text), { architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'] });
    const { problems } = parseProfile(text, 'traced.json', { arch: 'x86_64' });
    t.same(problems, [], 'passes `profile check` for the host');
  });

  t.test('the profile compiles and allows exactly the traced calls', async (t) => {
    const profile = buildProfileFromCounts({ x86_64: { read: 3, write: 2, execve: 1, exit_group: 1 } }, 'x86_64');
    const filter = compileFilter(parseProfileOrThrow(serializeOci(profile), 'p.json', { arch: 'x86_64' }).profile, 'x86_64');
    t.equal(runFilter(filter.instructions, { arch: ARCHES.x86_64.auditArch, nr: resolveSyscall('x86_64', 'read')! }).action, 'ALLOW');
    t.equal(runFilter(filter.instructions, { arch: ARCHES.x86_64.auditArch, nr: resolveSyscall('x86_64', 'getcpu')! }).action, 'KILL_PROCESS');
  });

  t.test('a chosen default action; a learned fragment without the extras', async (t) => {
    const profile = buildProfileFromCounts({ x86_64: { getcpu: 2 } }, 'x86_64', { defaultAction: { kind: 'ERRNO', errno: 38, errnoName: 'ENOSYS' }, always: false });
    t.same(names(profile), ['getcpu']);
    t.match(JSON.parse(serializeOci(profile)), { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38 });
  });
});

t.test('parseDefaultAction()', async (t) => {
  t.same(parseDefaultAction('kill-process', 'x86_64'), { kind: 'KILL_PROCESS' });
  t.same(parseDefaultAction('SCMP_ACT_KILL_THREAD', 'x86_64'), { kind: 'KILL_THREAD' });
  t.same(parseDefaultAction('kill', 'x86_64'), { kind: 'KILL_THREAD' }, 'SCMP_ACT_KILL kills the thread, as OCI says');
  t.same(parseDefaultAction('errno', 'x86_64'), { kind: 'ERRNO', errno: 1, errnoName: 'EPERM' });
  t.same(parseDefaultAction('errno:ENOSYS', 'x86_64'), { kind: 'ERRNO', errno: 38, errnoName: 'ENOSYS' });
  t.same(parseDefaultAction('errno:ENOSYS', 'mips'), { kind: 'ERRNO', errno: 89, errnoName: 'ENOSYS' }, 'the host family numbers it');
  t.same(parseDefaultAction('SCMP_ACT_ERRNO:38', 'x86_64'), { kind: 'ERRNO', errno: 38 });
  t.same(parseDefaultAction('trace:7', 'x86_64'), { kind: 'TRACE', data: 7 });
  t.same(parseDefaultAction('log', 'x86_64'), { kind: 'LOG' });
  t.throws(() => parseDefaultAction('allow', 'x86_64'), /cannot default to ALLOW/);
  t.throws(() => parseDefaultAction('notify', 'x86_64'), /notify listener/);
  t.throws(() => parseDefaultAction('kil-process', 'x86_64'), /--default-action kil-process: unknown action/);
  t.throws(() => parseDefaultAction('errno:EWHAT', 'x86_64'), /"EWHAT" is not an errno name/);
  t.throws(() => parseDefaultAction('trap:3', 'x86_64'), /trap takes no value/);
  t.throws(() => parseDefaultAction('trace:70000', 'x86_64'), /0 to 65535/);
});

t.test('stats', async (t) => {
  const result = aggregateTrace([count('read', 4), count('socketcall', 1, 'i386'), path('openat', '/etc/hosts', { ret: 3, flags: O.RDONLY })], 'x86_64');
  const stats = buildTraceStats(result);
  t.match(stats, { arch: 'x86_64', counts: { read: 4 }, countsByArch: { i386: { socketcall: 1 } }, files: [{ path: '/etc/hosts' }], sockets: [] });
  t.same(parseStats(JSON.stringify(stats), 's.json'), JSON.parse(JSON.stringify(stats)), 'what `profile compile --stats` reads');

  t.test('merging adds the counts and lists files once', async (t) => {
    const later = buildTraceStats(aggregateTrace([count('read', 1), count('write', 2), path('openat', '/etc/hosts', { ret: 3 }), path('openat', '/etc/passwd', { ret: 3 })], 'x86_64'));
    const merged = mergeTraceStats(stats, later);
    t.same(merged.counts, { read: 5, write: 2 });
    t.same(merged.countsByArch, { i386: { socketcall: 1 } });
    t.same((merged.files as { path: string }[]).map((f) => f.path), ['/etc/hosts', '/etc/passwd']);
    t.throws(() => mergeTraceStats({ ...stats, arch: 'aarch64' }, later), /cannot merge a x86_64 trace into stats of aarch64/);
  });

  t.test('counts per ABI add up; totals sum the ABIs', async (t) => {
    const sum = addCounts({ x86_64: { read: 1 } }, { x86_64: { read: 2 }, i386: { read: 3 } });
    t.same(sum, { x86_64: { read: 3 }, i386: { read: 3 } });
    t.same([...totalCounts(sum)], [['read', 6]]);
  });
});

t.test('mergeTracedProfile()', async (t) => {
  const existingText = JSON.stringify({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['close', 'read'], action: 'SCMP_ACT_ALLOW' },
      { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
      { names: ['ptrace'], action: 'SCMP_ACT_KILL_PROCESS' },
    ],
  });
  const existing = { file: 'old.json', parsed: parseProfileOrThrow(existingText, 'old.json') };

  t.test('union of both, ordered by the summed counts, the existing default kept', async (t) => {
    const traced = buildProfileFromCounts({ x86_64: { write: 9, read: 1 } }, 'x86_64', { defaultAction: existing.parsed.profile.defaultAction, always: false });
    const { profile, notes } = mergeTracedProfile(existing, traced, new Map([['write', 9], ['read', 20], ['close', 3]]));
    t.same(notes, []);
    t.same(profile.rules.map((r) => r.syscall), ['read', 'write', 'close', 'socket', 'ptrace']);
    t.match(profile.defaultAction, { kind: 'ERRNO' });
    t.match(profile.rules.find((r) => r.syscall === 'socket'), { args: [{ index: 0, op: 'EQ', value: 1n }] }, 'conditions survive');
  });

  t.test('a call the profile refuses and the trace saw is a conflict, not a silent allow', async (t) => {
    const traced = buildProfileFromCounts({ x86_64: { ptrace: 1 } }, 'x86_64', { always: false });
    t.throws(() => mergeTracedProfile(existing, traced, new Map()), /cannot merge the trace into old\.json:\n.*ptrace/);
  });

  t.test('differing defaults: the strictest wins, with a note', async (t) => {
    const traced = buildProfileFromCounts({ x86_64: { read: 1 } }, 'x86_64', { always: false });
    const { profile, notes } = mergeTracedProfile(existing, traced, new Map());
    t.same(profile.defaultAction, { kind: 'KILL_PROCESS' });
    t.match(notes[0], /default actions differ/);
  });
});
