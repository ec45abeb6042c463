// Bind steps: directories are bound with their submounts and every one of them made read-only
// (--ro) or left as the host has them (--rw), always nosuid,nodev; files keep the single remount.
import t from 'tap';
import { buildLaunchPlan } from '../../../src/jail/build-plan.js';
import type { PlanStep } from '../../../src/jail/plan.js';
import { normalizeJailSpec, type RawJailSpec } from '../../../src/jail/spec.js';
import { FakeHost } from '../../helpers/fake-host.js';

const host = () => new FakeHost({
  '/usr/bin/tool': { kind: 'file', data: new TextEncoder().encode('x'), mode: 0o755 },
  '/tmp': { dir: true },
  '/srv/www/index.html': 'hi',
  '/var/lib/app/db': 'db',
  '/etc/hosts': 'hosts',
});
const plan = (raw: RawJailSpec) =>
  buildLaunchPlan(normalizeJailSpec({ autoLibs: false, command: ['/usr/bin/tool'], ...raw }, '/work'), host(), { launcherPid: 1, hostPath: '/usr/bin' }).steps;
const at = (steps: PlanStep[], op: PlanStep['op'], target: string) => steps.filter((s) => s.op === op && 'target' in s && s.target === target);

t.test('--ro DIR: a recursive bind, then every mount in it read-only,nosuid,nodev', async (t) => {
  const steps = plan({ ro: ['/srv/www'] });
  t.match(at(steps, 'bind', '/newroot/srv/www'), [{ source: '/oldroot/srv/www', recursive: true }]);
  t.match(at(steps, 'setattr', '/newroot/srv/www'), [{ set: ['MOUNT_ATTR_RDONLY', 'MOUNT_ATTR_NOSUID', 'MOUNT_ATTR_NODEV'], clear: [], recursive: true, hint: /mount_setattr.*5\.12/ }]);
  t.same(at(steps, 'remount', '/newroot/srv/www'), [], 'no remount that would reach only the top mount');
});

t.test('--rw DIR: recursive, nosuid,nodev everywhere, and nothing made writable that the host has read-only', async (t) => {
  const steps = plan({ rw: ['/var/lib/app'] });
  t.match(at(steps, 'bind', '/newroot/var/lib/app'), [{ recursive: true }]);
  t.match(at(steps, 'setattr', '/newroot/var/lib/app'), [{ set: ['MOUNT_ATTR_NOSUID', 'MOUNT_ATTR_NODEV'], clear: [], recursive: true }]);
});

t.test('a file bind stays a single bind and remount (a file has no submounts)', async (t) => {
  const steps = plan({ ro: ['/etc/hosts'] });
  t.match(at(steps, 'bind', '/newroot/etc/hosts'), [{ recursive: false }]);
  t.match(at(steps, 'remount', '/newroot/etc/hosts'), [{ flags: ['MS_REMOUNT', 'MS_BIND', 'MS_RDONLY', 'MS_NOSUID', 'MS_NODEV'] }]);
  t.same(at(steps, 'setattr', '/newroot/etc/hosts'), []);
});

t.test('a --rw inside a --ro directory is bound after the read-only pass, so it stays writable', async (t) => {
  const steps = plan({ ro: ['/var/lib'], rw: ['/var/lib/app'] });
  const roPass = steps.findIndex((s) => s.op === 'setattr' && s.target === '/newroot/var/lib');
  const rwBind = steps.findIndex((s) => s.op === 'bind' && s.target === '/newroot/var/lib/app');
  t.ok(roPass >= 0 && roPass < rwBind);
});
