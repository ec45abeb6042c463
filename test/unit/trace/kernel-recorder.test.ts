// The in-kernel recorder's plan as data (src/trace/kernel-recorder.ts): what it records of each
// call, which calls still stop, where the registers are, how big its ring is, and the op the
// launcher reads.
import t from 'tap';
import { ARCHES, resolveSyscall } from '../../../src/profile/arch.js';
import { decodeProgram } from '../../../src/profile/bpf.js';
import { runFilter } from '../../helpers/bpf-run.js';
import { encodeLaunchPlan } from '../../../src/native/plan-codec.js';
import { COUNTER_NRS, EXIT_REGISTERS, NO_ARG, recordSpec, recorderStops, ringBytes, SPEC_ENTRY_BYTES } from '../../../src/trace/kernel-recorder.js';
import { buildCountingFilter, buildTraceCaptures, buildTracedPlan } from '../../../src/trace/trace-plan.js';
import { buildBarePlan } from '../../../src/trace/bare-plan.js';
import type { LaunchPlan } from '../../../src/jail/plan.js';

const nr = (name: string): number => resolveSyscall('x86_64', name)!;
const specOf = (spec: Uint8Array, call: string): number[] => {
  const view = new DataView(spec.buffer, spec.byteOffset + nr(call) * SPEC_ENTRY_BYTES, SPEC_ENTRY_BYTES);
  return [0, 1, 2, 3].map((i) => view.getUint32(4 * i, true));
};
const [di, si, dx, r10] = EXIT_REGISTERS.x86_64!.args;

t.test('the spec: kind and register offsets of every call the trace captures, execve left to stop', async (t) => {
  const spec = recordSpec('x86_64', buildTraceCaptures('x86_64'), EXIT_REGISTERS.x86_64!);
  t.equal(spec.length, COUNTER_NRS * SPEC_ENTRY_BYTES);
  t.same(specOf(spec, 'openat'), [1, si, di, dx], 'openat: a path (arg 1), its dirfd (arg 0), its flags (arg 2)');
  t.same(specOf(spec, 'open'), [1, di, NO_ARG, si], 'open: a path with no dirfd');
  t.same(specOf(spec, 'renameat2'), [1, r10, dx, NO_ARG], 'renameat2: the new name (arg 3), and its directory (arg 2)');
  t.same(specOf(spec, 'socket'), [2, di, NO_ARG, si], 'socket: the family, and the type');
  t.same(specOf(spec, 'connect'), [3, si, dx, NO_ARG], 'connect: the address, its length');
  t.same(specOf(spec, 'execve'), [0, 0, 0, 0], 'execve stops for the tracer');
  t.same(specOf(spec, 'execveat'), [0, 0, 0, 0], 'execveat too');
  t.same(specOf(spec, 'read'), [0, 0, 0, 0], 'calls without captured arguments are only counted');
  const i386Only = recordSpec('x86_64', buildTraceCaptures('x86_64').filter((c) => c.auditArch !== ARCHES.x86_64.auditArch), EXIT_REGISTERS.x86_64!);
  t.ok(i386Only.every((b) => b === 0), "other ABIs' captures are not the kernel's to record (they stop)");
  const aarch64 = recordSpec('aarch64', buildTraceCaptures('aarch64'), EXIT_REGISTERS.aarch64!);
  const openat = resolveSyscall('aarch64', 'openat')! * SPEC_ENTRY_BYTES;
  t.same([0, 1, 2, 3].map((i) => new DataView(aarch64.buffer).getUint32(openat + 4 * i, true)), [1, 8, 272, 16], "aarch64: the dirfd from orig_x0, since x0 holds the result at the call's exit");
});

t.test('with the recorder the filter stops on execve, other ABIs and numbers past the table only', async (t) => {
  const filter = decodeProgram(buildCountingFilter('x86_64', { recorder: true }), 'little');
  const action = (arch: number, n: number): string => runFilter(filter, { arch, nr: n }).action;
  t.same(recorderStops('x86_64').sort(), [nr('execve'), nr('execveat')].sort());
  t.equal(action(ARCHES.x86_64.auditArch, nr('execve')), 'TRACE(0)');
  t.equal(action(ARCHES.x86_64.auditArch, nr('openat')), 'ALLOW', 'a path call no longer stops');
  t.equal(action(ARCHES.x86_64.auditArch, nr('connect')), 'ALLOW');
  t.equal(action(ARCHES.i386.auditArch, resolveSyscall('i386', 'open')!), 'TRACE(0)', 'i386 stops');
  t.equal(action(ARCHES.x86_64.auditArch, COUNTER_NRS), 'TRACE(0)');
});

t.test('register layouts: six arguments and the number, within struct pt_regs', async (t) => {
  for (const [arch, layout] of Object.entries(EXIT_REGISTERS)) {
    t.equal(layout!.args.length, 6, `${arch}: six arguments`);
    t.equal(new Set([...layout!.args, layout!.nr]).size, 7, `${arch}: all in different registers`);
    t.ok([...layout!.args, layout!.nr].every((o) => o >= 0 && o % 8 === 0 && o < 512), `${arch}: word offsets inside pt_regs`);
  }
});

t.test('the ring: a power of two between 256 KiB and 1 MiB, a 256th of the memory', async (t) => {
  t.equal(ringBytes(16 * 2 ** 30), 2 ** 20, 'a big machine: 1 MiB');
  t.equal(ringBytes(128 * 2 ** 20), 512 * 1024, 'a 128 MiB router: 512 KiB');
  t.equal(ringBytes(32 * 2 ** 20), 256 * 1024, 'at least 256 KiB');
  t.equal(ringBytes(200 * 2 ** 20), 512 * 1024, 'rounded down to a power of two');
});

t.test('a counted trace carries the recorder where the layout is known, unless turned off', async (t) => {
  const bare = (): LaunchPlan => buildBarePlan({ executable: '/bin/true', argv: ['true'], env: [], uid: 0, gid: 0, noNewPrivs: false });
  const counterOf = (plan: LaunchPlan) => plan.steps.find((s) => s.op === 'trace-counter');
  const step = counterOf(buildTracedPlan(bare(), 'x86_64', 4, { counter: true }));
  t.ok(step?.op === 'trace-counter' && step.recorder !== undefined, 'x86_64: recorded');
  if (step?.op === 'trace-counter' && step.recorder !== undefined) {
    t.equal(step.recorder.probeNr, nr('faccessat'), "the launcher's check call is faccessat");
    t.equal(step.recorder.nrOffset, EXIT_REGISTERS.x86_64!.nr);
    t.same(specOf(step.recorder.spec, 'faccessat'), [1, si, di, dx], "the check call is one the spec records, as the launcher expects (dirfd, path, mode)");
  }
  const off = counterOf(buildTracedPlan(bare(), 'x86_64', 4, { counter: true, recorder: false }));
  t.ok(off?.op === 'trace-counter' && off.recorder === undefined, 'recorder: false keeps the counter alone');
  const unknown = counterOf(buildTracedPlan(bare(), 'ppc64le', 4, { counter: true }));
  t.ok(unknown?.op === 'trace-counter' && unknown.recorder === undefined, 'a host whose register layout is not known: the counter alone');
  const plan = buildTracedPlan(bare(), 'x86_64', 4, { counter: true });
  t.ok(encodeLaunchPlan(plan).length > encodeLaunchPlan(buildTracedPlan(bare(), 'x86_64', 4, { counter: true, recorder: false })).length + COUNTER_NRS * SPEC_ENTRY_BYTES, 'the spec and the second filter travel in the plan');
});
