// buildServiceInstances(): procd instance JSON -> jail spec and respawn policy, without root.
import t, { type Test } from 'tap';
import { JailctlError } from '../../../src/errors.js';
import { buildRespawnPolicy, buildServiceInstances, parseProcdService, type ProcdInstance, type ProcdService } from '../../../src/service/procd.js';
import { FakeHost } from '../../helpers/fake-host.js';

const host = (extra: ConstructorParameters<typeof FakeHost>[0] = {}) => new FakeHost({
  '/etc/seccomp/svc.json': '{}',
  '/etc/capabilities/svc.json': '{}',
  '/srv/www': { dir: true },
  '/var/run/ubus/ubus.sock': { kind: 'socket' },
  '/dev/log': { kind: 'socket' },
  ...extra,
});

const service = (instances: Record<string, ProcdInstance>): ProcdService => ({ name: 'svc', script: '/etc/init.d/svc', instances });
const one = (params: ProcdInstance, h = host()) => buildServiceInstances(service({ instance1: params }), h)[0]!;

function throwsMessage(t: Test, fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
    t.fail('expected an error');
  } catch (err) {
    t.ok(err instanceof JailctlError, 'a JailctlError');
    t.match((err as Error).message, pattern);
    t.notMatch((err as Error).message, /\n/, 'one line');
  }
}

t.test('an instance without procd_add_jail still gets the default jail', async (t) => {
  const inst = one({ command: ['/usr/sbin/daemon', '-f'] });
  t.same(inst.raw, { name: 'svc', command: ['/usr/sbin/daemon', '-f'], dev: true });
  t.same(inst.features, ['dev', 'ro-root']);
  t.equal(inst.policy.respawn, false);
  t.equal(inst.policy.termTimeoutMs, 5000, "procd's term_timeout default");
  t.same(inst.notes, []);
});

t.test('jailctl_unjailed is the one way to ask for no jail, and excludes a jail', async (t) => {
  const inst = one({ command: ['/bin/d'], jailctl_unjailed: true });
  t.equal(inst.unjailed, true);
  t.same(inst.raw, { name: 'svc', command: ['/bin/d'], autoLibs: false });
  t.same(inst.features, ['unjailed']);
  t.equal(one({ command: ['/bin/d'] }).unjailed, false);
  throwsMessage(t, () => one({ command: ['/bin/d'], jailctl_unjailed: true, jail: { mount: { '/srv/www': '0' } } }), /jailctl_unjailed 1 and a jail .* contradict each other/);
});

t.test('jail flags map onto the spec', async (t) => {
  const inst = one({ command: ['/bin/d'], jail: { name: 'web', procfs: true, sysfs: true, netns: true, userns: true, cgroupsns: true, ronly: true, requirejail: true, log: true, ubus: true, mount: { '/srv/www': '0', '/etc/seccomp/svc.json': '1' } } });
  t.match(inst.raw, { name: 'web', proc: true, sys: true, netns: true, userns: true, cgroupns: true, dev: true });
  t.same(inst.raw.ro, ['/dev/log', '/var/run/ubus/ubus.sock', '/srv/www']);
  t.same(inst.raw.rw, ['/etc/seccomp/svc.json']);
  t.same(inst.features, ['dev', 'ro-root', 'proc', 'sys', 'netns', 'userns', 'cgroupns', 'log', 'ubus']);
});

t.test('sockets and mounts missing on the host are skipped with a note', async (t) => {
  const inst = one({ command: ['/bin/d'], jail: { name: 'x', ubus: true, udebug: true, mount: { '/nope': '0' } } }, new FakeHost({}));
  t.equal(inst.raw.ro, undefined);
  t.equal(inst.notes.length, 3);
  t.match(inst.notes.join('\n'), /ubus\.sock does not exist.*\n.*udebug\.sock.*\n.*procd_add_jail_mount \/nope: no such file/);
});

t.test('respawn: procd defaults, explicit values, and term_timeout', async (t) => {
  t.match(one({ command: ['/bin/d'], respawn: [] }).policy, { respawn: true, thresholdMs: 3600_000, timeoutMs: 5000, retry: 5 });
  t.match(one({ command: ['/bin/d'], respawn: ['10', '2', '0'], term_timeout: 9 }).policy, { respawn: true, thresholdMs: 10_000, timeoutMs: 2000, retry: 0, termTimeoutMs: 9000 });
  t.match(one({ command: ['/bin/d'], respawn: ['60'] }).policy, { thresholdMs: 60_000, timeoutMs: 5000, retry: 5 });
  throwsMessage(t, () => buildRespawnPolicy('init script x', { respawn: ['soon'] }, ['/bin/d']), /respawn threshold "soon" is not a whole number/);
});

t.test('stdout/stderr send the output to syslog under the program name', async (t) => {
  t.equal(one({ command: ['/usr/sbin/dnsmasq'], stderr: true }).policy.syslogIdent, 'dnsmasq');
  t.equal(one({ command: ['/usr/sbin/dnsmasq'] }).policy.syslogIdent, '');
});

t.test('env, user, group, seccomp, capabilities and limits', async (t) => {
  const inst = one({
    command: ['/bin/d'], env: { A: '1' }, user: 'nobody', group: 'nogroup', seccomp: '/etc/seccomp/svc.json',
    capabilities: '/etc/capabilities/svc.json', limits: { nofile: '1024 4096', core: 'unlimited', stack: '8192' }, pidfile: '/var/run/d.pid',
  });
  t.match(inst.raw, { env: { A: '1' }, user: 'nobody', group: 'nogroup', seccomp: '/etc/seccomp/svc.json', caps: '/etc/capabilities/svc.json' });
  t.same(inst.raw.rlimits, { nofile: '1024:4096', core: 'unlimited', stack: '8192' });
  t.equal(inst.pidfile, '/var/run/d.pid');
});

t.test('a missing seccomp or capabilities file is one line naming the script', async (t) => {
  throwsMessage(t, () => one({ command: ['/bin/d'], seccomp: '/etc/seccomp/gone.json' }), /^init script \/etc\/init\.d\/svc: instance "instance1": procd_set_param seccomp \/etc\/seccomp\/gone\.json: no such file$/);
  throwsMessage(t, () => one({ command: ['/bin/d'], capabilities: '/etc/capabilities/gone.json' }), /init script \/etc\/init\.d\/svc: .*capabilities \/etc\/capabilities\/gone\.json: no such file/);
  const traced = buildServiceInstances(service({ i: { command: ['/bin/d'], seccomp: '/etc/seccomp/new.json' } }), host(), { seccompMayBeMissing: true })[0]!;
  t.equal(traced.raw.seccomp, '/etc/seccomp/new.json', 'a trace may write a profile that does not exist yet');
});

t.test('bad limits, errors reported by the script and unsupported params are refused', async (t) => {
  throwsMessage(t, () => one({ command: ['/bin/d'], limits: { nofiles: '10' } }), /limits nofiles: unknown resource "nofiles"/);
  throwsMessage(t, () => one({ command: ['/bin/d'], limits: { nofile: '10 5' } }), /soft limit 10 is above hard limit 5/);
  throwsMessage(t, () => one({ command: ['/bin/d'], error: ['no', 'interface'] }), /instance "instance1" reports an error: no interface/);
  throwsMessage(t, () => one({ command: ['/bin/d'], extroot: '/mnt' }), /procd_set_param extroot is not supported/);
  throwsMessage(t, () => one({}), /no command \(procd_set_param command is missing\)/);
  throwsMessage(t, () => buildServiceInstances(service({}), host()), /start_service opened no instance/);
});

t.test('settings jailctl cannot honour are noted, not dropped silently', async (t) => {
  const inst = one({ command: ['/bin/d'], no_new_privs: false, facility: 'local0', nice: 5, watchdog: ['30'] });
  t.equal(inst.notes.length, 4);
});

t.test('several instances keep their names and order', async (t) => {
  const all = buildServiceInstances(service({ main: { command: ['/bin/a'] }, instance2: { command: ['/bin/b'], jail: { name: 'b b/c' } } }), host());
  t.same(all.map((i) => i.instance), ['main', 'instance2']);
  t.equal(all[1]!.raw.name, 'b_b_c', 'jail names are made valid');
});

t.test('parseProcdService() rejects what is not a service object', async (t) => {
  t.same(parseProcdService('{"name":"x","instances":{}}', '/s'), { name: 'x', script: '/s', instances: {} });
  throwsMessage(t, () => parseProcdService('{', '/s'), /init script \/s: the procd shim wrote malformed JSON/);
  throwsMessage(t, () => parseProcdService('[]', '/s'), /no service object/);
});
