// buildUnjailedPlan(): only a pid namespace and the service process's own steps are left.
import t from 'tap';
import { buildLaunchPlan } from '../../../src/jail/build-plan.js';
import { normalizeJailSpec } from '../../../src/jail/spec.js';
import { buildUnjailedPlan } from '../../../src/service/unjailed.js';
import { FakeHost } from '../../helpers/fake-host.js';

const host = new FakeHost({
  '/usr/sbin/daemon': { kind: 'file', data: new TextEncoder().encode('static'), mode: 0o755 },
  '/etc/passwd': 'root:x:0:0::/:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n',
  '/etc/group': 'root:x:0:\nnogroup:x:65534:\n',
  '/etc/caps.json': '{"bounding":["CAP_NET_BIND_SERVICE"],"effective":["CAP_NET_BIND_SERVICE"],"permitted":["CAP_NET_BIND_SERVICE"]}',
  '/tmp': { dir: true },
});

const jailed = (raw: Parameters<typeof normalizeJailSpec>[0] = {}) =>
  buildLaunchPlan(normalizeJailSpec({ autoLibs: false, command: ['/usr/sbin/daemon'], proc: true, netns: true, ...raw }, '/'), host, { launcherPid: 1, hostPath: '/usr/sbin' });

t.test('no mounts, no pivot_root, only a pid namespace', async (t) => {
  const plan = buildUnjailedPlan(jailed(), true);
  t.same(plan.namespaces, ['pid']);
  t.match(plan.steps[0], { op: 'clone', namespaces: ['pid'] });
  const ops: string[] = plan.steps.map((s) => s.op);
  for (const op of ['mount', 'bind', 'pivot-root', 'sethostname', 'loopback-up', 'caps']) t.notOk(ops.includes(op), `no ${op}`);
  t.same(ops.slice(ops.indexOf('fork-service')), ['fork-service', 'setgroups', 'setresgid', 'setresuid', 'no-new-privs', 'setsid', 'chdir', 'close-fds', 'execve']);
  t.equal(plan.summary.mounts, 0);
});

t.test('a capabilities file named by the script still applies; so do ids', async (t) => {
  const plan = buildUnjailedPlan(jailed({ caps: '/etc/caps.json', user: 'nobody' }), false);
  const ops = plan.steps.map((s) => s.op);
  t.ok(ops.includes('caps') && ops.includes('keepcaps'));
  t.match(plan.steps.find((s) => s.op === 'setresuid'), { uid: 65534 });
  t.same(plan.summary.capabilities, ['CAP_NET_BIND_SERVICE']);
});
