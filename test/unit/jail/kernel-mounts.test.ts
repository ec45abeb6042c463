// /proc and /sys of the jail: what is read-only, what is masked, and how (plan level).
import t from 'tap';
import { buildLaunchPlan } from '../../../src/jail/build-plan.js';
import { PROC_POLICY, SYS_POLICY } from '../../../src/jail/kernel-mounts.js';
import type { PlanStep } from '../../../src/jail/plan.js';
import { normalizeJailSpec, type RawJailSpec } from '../../../src/jail/spec.js';
import { FakeHost } from '../../helpers/fake-host.js';

const host = () => new FakeHost({ '/usr/bin/tool': { kind: 'file', data: new TextEncoder().encode('x'), mode: 0o755 }, '/tmp': { dir: true }, '/srv/www/index.html': 'hi' });
const plan = (raw: RawJailSpec) =>
  buildLaunchPlan(normalizeJailSpec({ autoLibs: false, command: ['/usr/bin/tool'], ...raw }, '/work'), host(), { launcherPid: 1, hostPath: '/usr/bin' }).steps;

type Bind = Extract<PlanStep, { op: 'bind' }>;
const binds = (steps: PlanStep[]) => steps.filter((s): s is Bind => s.op === 'bind');
const maskedAt = (steps: PlanStep[], kind: 'dir' | 'file') => binds(steps).filter((s) => s.source === `/masks/${kind}`).map((s) => s.target.replace(/^\/newroot/, ''));
const readOnlyAt = (steps: PlanStep[]) => steps.flatMap((s) => (s.op === 'remount' && s.flags.includes('MS_RDONLY') ? [s.target.replace(/^\/newroot/, '')] : []));

// runc's defaults (the OCI runtime spec's usual masked and read-only paths)
const OCI_READ_ONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];
const OCI_MASKED = ['/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi'];

t.test('--proc covers at least the OCI defaults: read-only or masked (stricter)', async (t) => {
  const steps = plan({ proc: true });
  const hidden = [...maskedAt(steps, 'dir'), ...maskedAt(steps, 'file')];
  const readOnly = readOnlyAt(steps);
  for (const path of OCI_READ_ONLY) t.ok(readOnly.includes(path) || hidden.includes(path), `${path} read-only or masked`);
  for (const path of OCI_MASKED) t.ok(hidden.includes(path), `${path} masked`);
  for (const path of ['/proc/kpageflags', '/proc/kpagecount', '/proc/kpagecgroup', '/proc/kallsyms', '/proc/kmsg', '/proc/1']) t.ok(hidden.includes(path), `${path} masked too`);
});

t.test('every mask is optional (a kernel without the file skips it) and of the right kind', async (t) => {
  const steps = plan({ proc: true, sys: true });
  t.same(maskedAt(steps, 'dir').sort(), [...PROC_POLICY.maskDirs, ...SYS_POLICY.maskDirs].sort());
  t.same(maskedAt(steps, 'file').sort(), [...PROC_POLICY.maskFiles, ...SYS_POLICY.maskFiles].sort());
  for (const s of binds(steps).filter((b) => b.source.startsWith('/masks/'))) t.equal(s.optional, true, s.target);
  for (const path of PROC_POLICY.readOnly) t.ok(readOnlyAt(steps).includes(path), `${path} read-only`);
});

t.test('the mask sources are made read-only in the staging root before the first mask, and only when masks exist', async (t) => {
  const steps = plan({ proc: true });
  const ready = steps.findIndex((s) => s.op === 'remount' && s.target === '/masks');
  const firstMask = steps.findIndex((s) => s.op === 'bind' && s.source.startsWith('/masks/'));
  t.ok(ready > 0 && ready < firstMask, 'read-only before use');
  t.match(steps[ready], { flags: ['MS_REMOUNT', 'MS_BIND', 'MS_RDONLY', 'MS_NOSUID', 'MS_NODEV', 'MS_NOEXEC'] });
  t.ok(steps.some((s) => s.op === 'mkfile' && s.path === '/masks/file') && steps.some((s) => s.op === 'mkdir' && s.path === '/masks/dir'));
  t.notOk(plan({}).some((s) => 'path' in s && String(s.path).startsWith('/masks')), 'a jail without /proc or /sys makes none');
  const pivot = steps.findIndex((s) => s.op === 'umount' && s.target === '/oldroot');
  t.ok(binds(steps).every((b) => steps.indexOf(b) < pivot), 'every mask is in place before the host root goes');
});

t.test('/sys: fresh and read-only; in a user namespace without a network namespace, the host /sys read-only all the way down', async (t) => {
  const fresh = plan({ sys: true });
  t.ok(fresh.some((s) => s.op === 'mount' && s.fstype === 'sysfs' && s.flags.includes('MS_RDONLY')));
  const bound = plan({ sys: true, userns: true });
  const bind = binds(bound).find((s) => s.target === '/newroot/sys');
  t.match(bind, { source: '/oldroot/sys', recursive: true }, 'the cgroup mounts below come along...');
  t.match(bound.find((s) => s.op === 'setattr' && s.target === '/newroot/sys'), { recursive: true, set: ['MOUNT_ATTR_RDONLY', 'MOUNT_ATTR_NOSUID', 'MOUNT_ATTR_NODEV', 'MOUNT_ATTR_NOEXEC'], clear: [] }, '...read-only, every one');
  for (const path of SYS_POLICY.maskDirs) t.ok(maskedAt(bound, 'dir').includes(path), path);
});

t.test('a directory bind holding the host /proc or /sys masks them, unless the jail mounts its own', async (t) => {
  t.same(maskedAt(plan({ ro: ['/'] }), 'dir'), ['/proc', '/sys']);
  t.same(maskedAt(plan({ ro: ['/:/host'] }), 'dir'), ['/host/proc', '/host/sys']);
  t.notOk(maskedAt(plan({ ro: ['/'], proc: true, sys: true }), 'dir').some((p) => p === '/proc' || p === '/sys'));
  t.same(maskedAt(plan({ ro: ['/srv'] }), 'dir'), [], 'nothing for a bind that holds neither');
});
