import t from 'tap';
import type { LaunchPlan } from '../../../src/jail/plan.js';
import { encodeLaunchPlan } from '../../../src/native/plan-codec.js';
import { ARCHES, resolveSyscall } from '../../../src/profile/arch.js';
import { decodeProgram } from '../../../src/profile/bpf.js';
import { compileFilter } from '../../../src/profile/compile.js';
import type { SeccompProfile } from '../../../src/profile/model.js';
import { buildBarePlan } from '../../../src/trace/bare-plan.js';
import { buildLearningPlan, LEARN_ACTION, LEARN_TRACE_DATA, withLearningDefault } from '../../../src/trace/learn-plan.js';
import { buildCountingFilter, buildTraceCaptures, buildTracedPlan, COUNTER_NRS } from '../../../src/trace/trace-plan.js';
import { runFilter } from '../../helpers/bpf-run.js';

const ops = (plan: LaunchPlan) => plan.steps.map((s) => `${s.phase}:${s.op}`);
const bare = (noNewPrivs: boolean) => buildBarePlan({ executable: '/usr/bin/env', argv: ['env', '-i'], env: ['HOME=/root'], uid: 1000, gid: 1000, noNewPrivs });

t.test('buildBarePlan(): no namespaces, the caller\'s environment, exec statuses like env(1)', async (t) => {
  const plan = bare(false);
  t.same(ops(plan), ['config:clone', 'config:forward-signals', 'jail:fork-service', 'service:close-fds', 'service:execve']);
  t.match(plan.steps[0], { op: 'clone', namespaces: [] });
  t.match(plan.steps.at(-1), { op: 'execve', path: '/usr/bin/env', argv: ['env', '-i'], env: ['HOME=/root'], exitIfMissing: 127, exitIfDenied: 126 });
  t.match(plan, { name: 'env', namespaces: [], summary: { command: ['env', '-i'], user: { uid: 1000, gid: 1000 }, seccomp: null } });
  t.same(ops(bare(true)).slice(3), ['service:close-fds', 'service:no-new-privs', 'service:execve'], 'without root the tracing filter needs no_new_privs');
});

t.test('a bare plan traced: pid 1 traces, the program stops for it and loads the one-instruction filter right before execve', async (t) => {
  const traced = buildTracedPlan(bare(true), 'x86_64', 4);
  t.same(ops(traced), ['config:trace', 'config:clone', 'config:forward-signals', 'jail:fork-service', 'service:close-fds', 'service:no-new-privs', 'service:trace-me', 'service:seccomp', 'service:execve']);
  t.ok(encodeLaunchPlan(traced).length > 0, 'the launcher can read it');
});

const profile: SeccompProfile = {
  defaultAction: { kind: 'ERRNO', errno: 1, errnoName: 'EPERM' },
  architectures: [],
  flags: [],
  rules: [
    { syscall: 'read', action: { kind: 'ALLOW' }, args: [] },
    { syscall: 'execve', action: { kind: 'ALLOW' }, args: [] },
    { syscall: 'ptrace', action: { kind: 'KILL_PROCESS' }, args: [] },
  ],
};

t.test('learning: only calls outside the profile stop for the tracer', async (t) => {
  const learning = withLearningDefault(profile);
  t.same(learning.defaultAction, LEARN_ACTION);
  const filter = compileFilter(learning, 'x86_64', { badArchAction: LEARN_ACTION });
  const run = (name: string, arch = ARCHES.x86_64.auditArch, abi: 'x86_64' | 'i386' = 'x86_64') => runFilter(filter.instructions, { arch, nr: resolveSyscall(abi, name)! }).action;
  t.equal(run('read'), 'ALLOW');
  t.equal(run('getcpu'), `TRACE(${LEARN_TRACE_DATA})`, 'the default: learned');
  t.equal(run('ptrace'), 'KILL_PROCESS', 'an explicit refusal stays one');
  t.equal(run('read', ARCHES.i386.auditArch, 'i386'), `TRACE(${LEARN_TRACE_DATA})`, 'another ABI is learned too');
});

t.test('buildLearningPlan(): the tracer, and trace-me before the filter', async (t) => {
  const plan: LaunchPlan = {
    ...bare(false),
    steps: [
      ...bare(false).steps.slice(0, 4),
      { phase: 'service', op: 'seccomp', filter: new Uint8Array(8), flags: 0, profile: 'p.json', describe: 'load' },
      bare(false).steps[4]!,
    ],
  };
  const learning = buildLearningPlan(plan, 4);
  t.same(ops(learning), ['config:trace', 'config:clone', 'config:forward-signals', 'jail:fork-service', 'service:close-fds', 'service:trace-me', 'service:seccomp', 'service:execve']);
  t.match(learning.steps[0], { op: 'trace', fd: 4, captures: [] });
  t.throws(() => buildLearningPlan(bare(false), 4), /--learn needs a seccomp profile/);
  t.throws(() => buildLearningPlan(learning, 4), /already traced/);
});

t.test('the counting filter: only recorded calls and what the in-kernel counter cannot count stop', async (t) => {
  const filter = decodeProgram(buildCountingFilter('x86_64'), 'little');
  const run = (name: string, abi: 'x86_64' | 'i386' | 'x32' = 'x86_64') => runFilter(filter, { arch: ARCHES[abi].auditArch, nr: resolveSyscall(abi, name)! }).action;
  for (const name of ['openat', 'execve', 'newfstatat', 'socket', 'connect', 'bind', 'chdir', 'unlink']) t.equal(run(name), 'TRACE(0)', `${name}: its arguments are recorded`);
  for (const name of ['read', 'write', 'getppid', 'futex', 'mmap', 'close', 'clone3']) t.equal(run(name), 'ALLOW', `${name}: counted in the kernel`);
  t.equal(run('read', 'i386'), 'TRACE(0)', 'another ABI stops (the counter counts the host ABI only)');
  t.equal(run('read', 'x32'), 'TRACE(0)', "x32's numbers are past the counter's table");
  t.equal(runFilter(filter, { arch: ARCHES.x86_64.auditArch, nr: COUNTER_NRS }).action, 'TRACE(0)', 'a number past the table stops');
  t.equal(runFilter(filter, { arch: ARCHES.x86_64.auditArch, nr: COUNTER_NRS - 1 }).action, 'ALLOW');
  const captured = buildTraceCaptures('x86_64').filter((c) => c.auditArch === ARCHES.x86_64.auditArch);
  for (const c of captured) t.equal(runFilter(filter, { arch: c.auditArch, nr: c.nr }).action, 'TRACE(0)', `captured nr ${c.nr} stops`);
});

t.test('the counter is a config step of a bare trace only, where asked for and where numbers start at 0', async (t) => {
  const ops = (plan: LaunchPlan): string[] => plan.steps.map((s) => s.op);
  t.notOk(ops(buildTracedPlan(bare(false), 'x86_64', 4)).includes('trace-counter'), 'not unless asked for');
  const counted = buildTracedPlan(bare(false), 'x86_64', 4, { counter: true });
  t.same(ops(counted).slice(0, 2), ['trace', 'trace-counter']);
  t.match(counted.steps[1], { op: 'trace-counter', auditArch: ARCHES.x86_64.auditArch });
  t.ok(ops(counted).includes('seccomp'), 'the filter that stops on every call stays: it is what runs where the kernel refuses the counter');
  t.notOk(ops(buildTracedPlan(bare(false), 'mipsel', 4, { counter: true })).includes('trace-counter'), "MIPS numbers start at 4000: past the counter's table");
  t.ok(encodeLaunchPlan(counted).length > 0, 'the launcher can read it');
});
