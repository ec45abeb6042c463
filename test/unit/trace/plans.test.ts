import t from 'tap';
import type { LaunchPlan } from '../../../src/jail/plan.js';
import { encodeLaunchPlan } from '../../../src/native/plan-codec.js';
import { ARCHES, resolveSyscall } from '../../../src/profile/arch.js';
import { compileFilter } from '../../../src/profile/compile.js';
import type { SeccompProfile } from '../../../src/profile/model.js';
import { buildBarePlan } from '../../../src/trace/bare-plan.js';
import { buildLearningPlan, LEARN_ACTION, LEARN_TRACE_DATA, withLearningDefault } from '../../../src/trace/learn-plan.js';
import { buildTracedPlan } from '../../../src/trace/trace-plan.js';
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
