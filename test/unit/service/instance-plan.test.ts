// planInstance(): an InstanceSpec as the launcher's steps, without root: no namespace and the
// service dying with its reaper when there is no jail; ujail's namespaces, a writable root and
// /dev, capabilities and no_new_privs only when asked when there is one.
import t from 'tap';
import type { PlanStep } from '../../../src/jail/plan.js';
import { planInstance } from '../../../src/service/instance-plan.js';
import { buildInstanceSpec } from '../../../src/service/instance-spec.js';
import type { ProcdInstance } from '../../../src/service/procd.js';
import { FakeHost } from '../../helpers/fake-host.js';

const host = () => new FakeHost({
  '/usr/sbin/d': { kind: 'file', data: new TextEncoder().encode('#!/bin/sh\n'), mode: 0o755 },
  '/bin/sh': { kind: 'file', data: new TextEncoder().encode('static'), mode: 0o755 },
  '/usr/bin/sleep': { kind: 'file', data: new TextEncoder().encode('static'), mode: 0o755 },
  '/etc/passwd': 'root:x:0:0::/root:/bin/sh\nweb:x:1001:1002::/srv:/bin/false\n',
  '/etc/group': 'root:x:0:\nweb:x:1002:\nlog:x:1003:web\n',
  '/etc/capabilities/d.json': JSON.stringify({ bounding: ['CAP_NET_BIND_SERVICE'], permitted: ['CAP_NET_BIND_SERVICE'], effective: ['CAP_NET_BIND_SERVICE'] }),
  '/srv/www': { dir: true },
  '/tmp': { dir: true },
});

function plan(params: ProcdInstance, h = host()) {
  const spec = buildInstanceSpec('d', 'init script d: instance "i"', { command: ['/usr/sbin/d', '-f'], ...params }, h, []);
  return planInstance(spec, h, { launcherPid: 1, hostPath: '/usr/bin' });
}

const ops = (steps: PlanStep[], phase: PlanStep['phase']) => steps.filter((s) => s.phase === phase).map((s) => s.op);

t.test('no jail: the host\'s namespaces, nothing mounted, ids and capabilities untouched', async (t) => {
  const p = plan({});
  t.same(p.namespaces, []);
  t.match(p.steps[0], { op: 'clone', namespaces: [] });
  t.same(ops(p.steps, 'jail'), ['fork-service']);
  t.same(ops(p.steps, 'service'), ['parent-death-signal', 'setsid', 'chdir', 'close-fds', 'execve'],
    'no id switch, no capability step, no no_new_privs; the service dies with its reaper');
  t.match(p.steps.at(-1), { op: 'execve', path: '/usr/sbin/d', argv: ['/usr/sbin/d', '-f'], env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'] });
  t.match(p.summary, { mounts: 0, user: { uid: 0, gid: 0 }, capabilities: [/^all \d+ \(root, no capabilities file\)$/] });
});

t.test('a bare command is looked up on procd\'s PATH', async (t) => {
  const p = plan({ command: ['sleep', '5'] });
  t.match(p.steps.at(-1), { op: 'execve', path: '/usr/bin/sleep', argv: ['sleep', '5'] });
});

t.test('a user: initgroups, setgid, setuid, and the kernel drops root\'s capabilities', async (t) => {
  const p = plan({ user: 'web' });
  t.same(ops(p.steps, 'service').slice(0, 4), ['setgroups', 'setresgid', 'setresuid', 'parent-death-signal'], 'the death signal after the id switch, which clears it');
  t.match(p.steps.find((s) => s.op === 'setgroups'), { gids: [1002, 1003] });
  t.match(p.summary.user, { uid: 1001, gid: 1002 });
  t.same(p.summary.capabilities, []);
  const groupOnly = plan({ group: 'log' });
  t.same(ops(groupOnly.steps, 'service').slice(0, 2), ['setresgid', 'parent-death-signal'], 'a group alone: setgid only, as procd');
});

t.test('capabilities in a jail: kept across the uid switch, omitted sets left as they are', async (t) => {
  const p = plan({ user: 'web', capabilities: '/etc/capabilities/d.json', no_new_privs: true, jail: { name: 'd', mount: {} } });
  t.same(p.namespaces, [], 'procd_add_jail NAME alone makes no namespace');
  t.same(ops(p.steps, 'service').slice(0, 7), ['setgroups', 'setresgid', 'keepcaps', 'setresuid', 'caps', 'no-new-privs', 'parent-death-signal']);
  t.match(p.steps.find((s) => s.op === 'caps'), { bounding: 1n << 10n, permitted: 1n << 10n, effective: 1n << 10n, inheritable: -1n, ambient: -1n, securebits: null });
  t.same(p.summary.capabilities, ['CAP_NET_BIND_SERVICE']);
});

t.test('a mount namespace: ujail\'s namespaces, a writable root and /dev, no hostname', async (t) => {
  const p = plan({ jail: { name: 'd', procfs: true, mount: { '/srv/www': '1' } } });
  t.same(p.namespaces, ['mount', 'pid', 'ipc']);
  t.notOk(p.steps.some((s) => s.op === 'sethostname'), 'no UTS namespace, so no hostname');
  t.notOk(p.steps.some((s) => s.op === 'remount' && s.target === '/newroot'), 'the root stays writable without ronly');
  t.notOk(p.steps.some((s) => s.op === 'remount' && s.target === '/newroot/dev'), "ujail's /dev stays writable");
  t.ok(p.steps.some((s) => s.op === 'mount' && s.target === '/newroot/proc'));
  t.ok(p.steps.some((s) => s.op === 'setattr' && s.target === '/newroot/srv/www' && s.recursive && !s.set.includes('MOUNT_ATTR_RDONLY')), 'procd_add_jail_mount_rw: every mount below it as the host has it');
  t.notOk(ops(p.steps, 'service').includes('parent-death-signal'), 'pid 1 of a pid namespace takes the service along');
  t.match(p.steps.at(-1), { op: 'execve', env: ['container=ujail'] });
  const ro = plan({ jail: { name: 'd', ronly: true } });
  t.ok(ro.steps.some((s) => s.op === 'remount' && s.target === '/newroot' && s.flags.includes('MS_RDONLY')), 'ronly: the root is read-only');
});

t.test('netns and userns as ujail: lo up, root mapped', async (t) => {
  const p = plan({ jail: { name: 'd', netns: true, userns: true } });
  t.same(p.namespaces, ['pid', 'ipc', 'net', 'user']);
  t.ok(p.steps.some((s) => s.op === 'loopback-up'));
  t.ok(p.steps.some((s) => s.op === 'write-child-file' && s.file === 'uid_map'));
});

t.test('a missing command fails planning (its instance, not the service)', async (t) => {
  t.throws(() => plan({ command: ['/usr/sbin/nothere'] }), { code: 'COMMAND_NOT_FOUND', message: /command not found: \/usr\/sbin\/nothere/ });
});

t.test('a seccomp profile: pid 1 answers its notifications as under `jailctl run`, jailed or not', async (t) => {
  const notify = { handshake: { auditArch: 1, nr: 2 }, execGates: [{ auditArch: 1, nr: 59 }], answer: new Uint8Array(8), names: [] };
  const seccomp = { filter: new Uint8Array(8), profile: '/etc/seccomp/d.json', listener: { handshakeNr: 2 }, notify };
  for (const jail of [undefined, { name: 'd', procfs: true }]) {
    const hh = host().add('/etc/seccomp/d.json', '{}');
    const spec = buildInstanceSpec('d', 'init script d: instance "i"', { command: ['/usr/sbin/d'], seccomp: '/etc/seccomp/d.json', ...(jail ? { jail } : {}) }, hh, []);
    const p = planInstance(spec, hh, { launcherPid: 1, hostPath: '/usr/bin', seccomp });
    const what = jail ? 'jailed' : 'no jail';
    t.match(p.steps.find((s) => s.op === 'seccomp-notify'), { phase: 'config', handshake: { nr: 2 }, execGates: [{ nr: 59 }] }, `${what}: pid 1 answers`);
    const proc = p.steps.findIndex((s) => s.op === 'open-proc');
    t.ok(proc > 0 && proc < p.steps.findIndex((s) => s.op === 'fork-service'), `${what}: a /proc kept to name refused calls`);
    if (jail) t.ok(proc < p.steps.findIndex((s) => s.op === 'pivot-root'), 'made before pivot_root');
    t.notOk(p.steps.some((s) => s.op === 'keyring'), `${what}: no keyring of jailctl's own: the script did not ask`);
    t.match(p.steps.slice(-2), [{ op: 'seccomp', listener: { handshakeNr: 2 } }, { op: 'execve' }], `${what}: the listener filter is the last step before execve`);
    t.ok(ops(p.steps, 'service').includes('no-new-privs'), `${what}: no_new_privs, as procd's loader sets it`);
  }
});
