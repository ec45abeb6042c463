// buildServiceInstances(): procd instance JSON -> instance spec and respawn policy, or the
// instance's own failure (the others still start), without root.
import t, { type Test } from 'tap';
import { JailctlError } from '../../../src/errors.js';
import { buildRespawnPolicy, buildServiceInstances, isFailed, parseProcdService, resolveSignal, type FailedInstance, type ProcdInstance, type ProcdService, type ServiceInstance } from '../../../src/service/procd.js';
import { FakeHost } from '../../helpers/fake-host.js';

const host = (extra: ConstructorParameters<typeof FakeHost>[0] = {}) => new FakeHost({
  '/etc/seccomp/svc.json': '{}',
  '/etc/capabilities/svc.json': '{}',
  '/etc/passwd': 'root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n',
  '/etc/group': 'root:x:0:\nnogroup:x:65534:\n',
  ...extra,
});

const service = (instances: Record<string, ProcdInstance>): ProcdService => ({ name: 'svc', script: '/etc/init.d/svc', instances, triggers: [] });
const all = (params: ProcdInstance, h = host()) => buildServiceInstances(service({ instance1: params }), h)[0]!;

function one(params: ProcdInstance, h = host()): ServiceInstance {
  const inst = all(params, h);
  if (isFailed(inst)) throw inst.error;
  return inst;
}

function failure(t: Test, params: ProcdInstance, pattern: RegExp): FailedInstance | undefined {
  const inst = all(params);
  if (!isFailed(inst)) {
    t.fail(`expected instance1 to fail with ${pattern}`);
    return undefined;
  }
  t.ok(inst.error instanceof JailctlError, 'a JailctlError');
  t.match(inst.error.message, pattern);
  t.notMatch(inst.error.message, /\n/, 'one line');
  t.match(inst.error.message, /^init script \/etc\/init\.d\/svc: instance "instance1"/, 'names the script and the instance');
  return inst;
}

t.test('an instance keeps the config the script gave, for the next start to compare', async (t) => {
  const params = { command: ['/usr/sbin/daemon', '-f'], data: { a: '1' } };
  const inst = one(params);
  t.same(inst.config, params);
  t.equal(inst.policy.respawn, false);
  t.equal(inst.policy.termTimeoutMs, 5000, "procd's term_timeout default");
});

t.test('respawn: procd defaults, explicit values, retry 0 and negative never give up', async (t) => {
  t.match(one({ command: ['/bin/d'], respawn: [] }).policy, { respawn: true, thresholdMs: 3600_000, timeoutMs: 5000, retry: 5 });
  t.match(one({ command: ['/bin/d'], respawn: ['10', '2', '0'], term_timeout: 9 }).policy, { respawn: true, thresholdMs: 10_000, timeoutMs: 2000, retry: 0, termTimeoutMs: 9000 });
  t.match(one({ command: ['/bin/d'], respawn: ['3600', '5', '-1'] }).policy, { retry: -1 }, 'respawn ... -1: procd reads it unsigned, so it never gives up');
  t.match(one({ command: ['/bin/d'], respawn: ['60'] }).policy, { thresholdMs: 60_000, timeoutMs: 5000, retry: 5 });
  t.throws(() => buildRespawnPolicy('init script x', { respawn: ['soon'] }, ['/bin/d']), /respawn threshold "soon" is not a whole number/);
});

t.test('stdout/stderr send the output to syslog under the program name', async (t) => {
  t.equal(one({ command: ['/usr/sbin/dnsmasq'], stderr: true }).policy.syslogIdent, 'dnsmasq');
  t.equal(one({ command: ['/usr/sbin/dnsmasq'] }).policy.syslogIdent, '');
});

t.test('reload_signal: a number, or a name as the host numbers it', async (t) => {
  t.equal(resolveSignal('HUP'), 1);
  t.equal(resolveSignal('SIGUSR1'), resolveSignal('usr1'));
  t.equal(resolveSignal(15), 15);
  t.equal(resolveSignal('NOPE'), undefined);
  t.equal(resolveSignal(0), undefined);
  t.ok(one({ command: ['/bin/d'], reload_signal: 'HUP' }));
  failure(t, { command: ['/bin/d'], reload_signal: 'NOPE' }, /reload_signal NOPE: no such signal/);
});

t.test('a bad instance fails alone, each failure one line naming the script and instance', async (t) => {
  failure(t, { command: ['/bin/d'], seccomp: '/etc/seccomp/gone.json' }, /procd_set_param seccomp \/etc\/seccomp\/gone\.json: no such file$/);
  failure(t, { command: ['/bin/d'], capabilities: '/etc/capabilities/gone.json', jail: { name: 'x' } }, /capabilities \/etc\/capabilities\/gone\.json: no such file/);
  failure(t, { command: ['/bin/d'], limits: { nofiles: '10' } }, /limits nofiles: unknown resource "nofiles"/);
  failure(t, { command: ['/bin/d'], limits: { nofile: '10 5' } }, /soft limit 10 is above hard limit 5/);
  failure(t, { command: ['/bin/d'], error: ['no', 'interface'] }, /reports an error: no interface/);
  failure(t, { command: ['/bin/d'], extroot: '/mnt' }, /procd_set_param extroot is not supported/);
  failure(t, {}, /no command \(procd_set_param command is missing\)/);
  const mixed = buildServiceInstances(service({ good: { command: ['/bin/a'] }, bad: { seccomp: '/x' } }), host());
  t.same(mixed.map((i) => [i.instance, isFailed(i)]), [['good', false], ['bad', true]]);
  t.same(buildServiceInstances(service({}), host()), [], 'no instance is no error: procd keeps such a service too');
  const traced = buildServiceInstances(service({ i: { command: ['/bin/d'], seccomp: '/etc/seccomp/new.json' } }), host(), { seccompMayBeMissing: true })[0]!;
  t.equal(isFailed(traced) ? undefined : traced.spec.seccomp, '/etc/seccomp/new.json', 'a trace may write a profile that does not exist yet');
});

t.test('settings jailctl does not apply are noted, not dropped silently', async (t) => {
  const inst = one({ command: ['/bin/d'], facility: 'local0', nice: 5, watchdog: ['30'] });
  t.equal(inst.notes.length, 3);
});

t.test('several instances keep their names and order', async (t) => {
  const list = buildServiceInstances(service({ main: { command: ['/bin/a'] }, instance2: { command: ['/bin/b'], jail: { name: 'b b/c', procfs: true } } }), host());
  t.same(list.map((i) => i.instance), ['main', 'instance2']);
  const second = list[1]!;
  t.equal(isFailed(second) ? '' : second.spec.name, 'b_b_c', 'jail names are made valid');
});

t.test('parseProcdService() rejects what is not a service object', async (t) => {
  t.same(parseProcdService('{"name":"x","instances":{}}', '/s'), { name: 'x', script: '/s', instances: {}, triggers: [] });
  t.same(parseProcdService('{"name":"x","instances":{},"triggers":[{"type":"config.change","package":"p","run":["/etc/init.d/x","reload"]}]}', '/s').triggers,
    [{ type: 'config.change', package: 'p', run: ['/etc/init.d/x', 'reload'] }]);
  t.throws(() => parseProcdService('{', '/s'), /init script \/s: the procd shim wrote malformed JSON/);
  t.throws(() => parseProcdService('[]', '/s'), /no service object/);
});
