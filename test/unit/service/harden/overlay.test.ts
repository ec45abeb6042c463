// The hardening overlay (src/service/harden/overlay.ts): its format and how start lays it over
// the script's spec; the --check comparison (check.ts) and procd's lines (procd-out.ts). Pure.
import t from 'tap';
import { buildCheckBaseline } from '../../../../src/service/harden/build.js';
import { checkHardenedRun } from '../../../../src/service/harden/check.js';
import type { Evidence } from '../../../../src/service/harden/evidence.js';
import { applyOverlay, parseOverlay, type OverlayInstance } from '../../../../src/service/harden/overlay.js';
import { procdCapabilities, procdLines } from '../../../../src/service/harden/procd-out.js';
import type { InstanceSpec } from '../../../../src/service/instance-spec.js';
import type { SeccompProfile } from '../../../../src/profile/model.js';

const unjailed: InstanceSpec = { name: 'svc', command: ['/usr/bin/d'], env: { PATH: '/usr/bin' }, rlimits: {}, namespaces: [], noNewPrivs: false, features: ['unjailed'] };
const overlay: OverlayInstance = {
  namespaces: ['mount', 'pid', 'uts', 'ipc'], readOnlyRoot: true, proc: false, sys: false,
  ro: ['/etc/d.conf', '/dev/log'], rw: ['/var/lib/d'], tmpfs: ['/tmp'], seccomp: '/etc/jailctl/svc.seccomp.json',
  capabilities: ['CAP_NET_BIND_SERVICE'], noNewPrivs: true,
};

t.test('an unjailed instance gets the namespaces, a read-only root with the binds, the profile, only those capabilities, no_new_privs', async (t) => {
  const s = applyOverlay(unjailed, overlay, '/etc/jailctl/svc.json');
  t.same(s.namespaces, ['mount', 'pid', 'uts', 'ipc']);
  t.same(s.fs, { readOnly: true, proc: false, sys: false, tmpfs: ['/tmp'], binds: [
    { path: '/var/lib/d', writable: true, reason: 'harden: traced write' },
    { path: '/etc/d.conf', writable: false, reason: 'harden: traced read' },
    { path: '/dev/log', writable: false, reason: 'harden: traced read' },
  ] });
  t.same(s.capabilityNames, ['CAP_NET_BIND_SERVICE']);
  t.equal(s.seccomp, '/etc/jailctl/svc.seccomp.json');
  t.equal(s.noNewPrivs, true);
  t.equal(s.overlay, '/etc/jailctl/svc.json');
  t.same(s.features, ['jail', 'ro-root', 'hardened']);
  t.same(s.env, unjailed.env, 'the environment the script gave stays');
  t.same(unjailed.namespaces, [], 'the script\'s spec is not changed');
});

t.test("the script's own jail stays: its namespaces (net), binds (read-write wins), procfs, capabilities file replaced", async (t) => {
  const own: InstanceSpec = {
    ...unjailed, namespaces: ['mount', 'pid', 'ipc', 'net'], capabilities: '/etc/capabilities/svc.json', features: ['jail', 'rw-root', 'dev', 'proc'],
    fs: { readOnly: false, proc: true, sys: false, binds: [{ path: '/var/lib/d', writable: false, reason: 'procd_add_jail_mount' }, { path: '/etc/x', writable: false, reason: 'procd_add_jail_mount' }] },
  };
  const s = applyOverlay(own, overlay, 'o.json');
  t.same(s.namespaces, ['mount', 'pid', 'uts', 'ipc', 'net']);
  t.equal(s.fs!.readOnly, true);
  t.equal(s.fs!.proc, true);
  t.match(s.fs!.binds, [{ path: '/var/lib/d', writable: true }, { path: '/etc/x', writable: false }, { path: '/etc/d.conf' }, { path: '/dev/log' }]);
  t.equal(s.capabilities, undefined);
  t.same(s.features, ['jail', 'dev', 'proc', 'ro-root', 'hardened']);
  t.equal(own.fs!.binds[0]!.writable, false, "the script's bind objects are not changed");
});

t.test('parseOverlay names the file and field at fault', async (t) => {
  const good = { version: 1, service: 'svc', instances: { i: overlay } };
  t.same(parseOverlay(JSON.stringify(good), 'o.json').instances['i'], overlay);
  const bad = (mutate: (o: Record<string, unknown>) => void): string => { const o = JSON.parse(JSON.stringify(good)); mutate(o.instances.i); return JSON.stringify(o); };
  t.throws(() => parseOverlay('{', 'o.json'), /^o\.json: invalid JSON/);
  t.throws(() => parseOverlay(bad((i) => { i['capabilities'] = ['CAP_NET_BIND_SERVICE', 'CAP_FLY']; }), 'o.json'), /o\.json: instances\.i\.capabilities\[1\]: unknown capability "CAP_FLY"/);
  t.throws(() => parseOverlay(bad((i) => { i['ro'] = ['etc/x']; }), 'o.json'), /instances\.i\.ro: expected a list of absolute paths/);
  t.throws(() => parseOverlay(bad((i) => { i['namespaces'] = ['time']; }), 'o.json'), /instances\.i\.namespaces/);
  t.throws(() => parseOverlay(bad((i) => { delete i['readOnlyRoot']; }), 'o.json'), /instances\.i\.readOnlyRoot: expected true or false/);
  t.throws(() => parseOverlay(JSON.stringify({ ...good, version: 2 }), 'o.json'), /version: expected 1/);
});

const ids = { uid: 0, gid: 0 };
const file = (path: string, ok: boolean, errno?: string): Evidence => ({ kind: 'file', syscall: 'openat', path, uses: ['read'], mode: 0, ids, ok, ...(errno ? { errno } : {}) });
const profile: SeccompProfile = { defaultAction: { kind: 'KILL_PROCESS' }, architectures: [], flags: [], rules: ['read', 'openat'].map((syscall) => ({ syscall, action: { kind: 'ALLOW' }, args: [] })) };

t.test('--check reports what failed hardened and only succeeded traced; calls the profile kills; SIGSYS', async (t) => {
  const baseline = buildCheckBaseline([file('/etc/a', true), file('/etc/b', true), file('/etc/b', false, 'ENOENT'), file('/etc/c', true)]);
  const lines = checkHardenedRun({
    baseline,
    evidence: [file('/etc/a', false, 'EACCES'), file('/etc/b', false, 'ENOENT'), file('/etc/c', false, 'EAGAIN'), file('/etc/new', false, 'ENOENT'), { kind: 'setid', syscall: 'setuid', ids, to: [65534], ok: false, errno: 'EPERM' }],
    syscalls: ['read', 'openat', 'chroot'],
    profile,
  });
  t.same(lines, ['openat /etc/a: EACCES (the traced run: ok)', 'chroot(): not in the profile: killed (SIGSYS)'],
    '/etc/b failed traced too, EAGAIN is not a refusal, /etc/new and setuid were never traced');
  t.same(checkHardenedRun({ baseline, evidence: [file('/etc/a', true)], syscalls: ['read'], profile }), [], 'nothing');
  t.same(checkHardenedRun({ baseline, evidence: [], syscalls: [], profile, signal: 31 }), ['the service was killed by SIGSYS']);
});

t.test("procd's files and lines", async (t) => {
  t.same(JSON.parse(procdCapabilities(['CAP_NET_BIND_SERVICE'])), { bounding: ['CAP_NET_BIND_SERVICE'], effective: ['CAP_NET_BIND_SERVICE'], permitted: ['CAP_NET_BIND_SERVICE'], inheritable: ['CAP_NET_BIND_SERVICE'], ambient: ['CAP_NET_BIND_SERVICE'] });
  const { lines, notes } = procdLines('svc', unjailed, overlay, { seccomp: '/etc/seccomp/svc.json', capabilities: '/etc/capabilities/svc.json' });
  t.same(lines, [
    'procd_add_jail svc ronly log',
    'procd_add_jail_mount /etc/d.conf',
    'procd_add_jail_mount_rw /var/lib/d /tmp',
    'procd_set_param capabilities /etc/capabilities/svc.json',
    'procd_set_param seccomp /etc/seccomp/svc.json',
    'procd_set_param no_new_privs 1',
  ]);
  t.match(notes, [/\/tmp: a tmpfs of its own under jailctl; ujail has no tmpfs mount/, /UTS namespace/]);
});
