// Status from the launcher's state file and the record: parse, build, format (pure).
import t from 'tap';
import type { ServiceRecord } from '../../../src/service/record.js';
import { buildServiceStatus, describeWaitStatus, formatStatus, formatStatusLine, parseLauncherState, type InstanceFacts } from '../../../src/service/status.js';

const STATE = 'state=running\nlauncher=100\njail=101\nstarted_ms=50000\nrestarts=2\ncrashes=0\nlast_status=9\n';

const record = (mode: ServiceRecord['mode'] = 'supervise'): ServiceRecord => ({
  version: 1, name: 'web', script: '/etc/init.d/web', mode, startedAt: 1_000_000, instances: [{
    instance: 'instance1', launcherPid: 100, stateFile: '/s/web/instance1.state', logFile: '/s/web/instance1.log', termTimeoutMs: 5000,
    namespaces: ['mount', 'pid', 'uts', 'ipc'], features: ['dev', 'ro-root', 'proc'], mounts: 5, user: { uid: 65534, gid: 65534 },
    capabilities: [], seccomp: '/etc/seccomp/web.json', cgroup: [],
  }],
});

const facts = (f: Partial<InstanceFacts>) => new Map([['instance1', { launcherAlive: true, state: parseLauncherState(STATE), jailPid: 101, servicePid: 102, ...f }]]);
const now = { bootMs: 62_400, wallMs: 1_030_000 };

t.test('parseLauncherState() reads native/service.c key=value lines', async (t) => {
  t.same(parseLauncherState(STATE), { state: 'running', launcher: 100, jail: 101, startedMs: 50000, restarts: 2, crashes: 0, lastStatus: 9 });
  t.equal(parseLauncherState('garbage'), undefined);
});

t.test('a running service: the contract first line, then the instance', async (t) => {
  const status = buildServiceStatus('web', record(), facts({}), now);
  t.equal(formatStatusLine(status), 'web: running (pid 102, up 12s, 2 restarts)');
  t.same(formatStatus(status).slice(1), [
    'instance1: running, pid 102 (jail 101, supervisor 100), up 12s, 2 restarts',
    '  jail: namespaces mount,pid,uts,ipc; dev,ro-root,proc; 5 binds; uid 65534 gid 65534',
    '  capabilities: none',
    '  seccomp: on (/etc/seccomp/web.json)',
    '  log: /s/web/instance1.log',
  ]);
});

t.test('no record, or a supervisor gone, is "stopped"; a crash says how it ended', async (t) => {
  t.equal(formatStatusLine(buildServiceStatus('web', undefined, new Map(), now)), 'web: stopped');
  const crashed = buildServiceStatus('web', record(), facts({ launcherAlive: false, state: parseLauncherState(STATE.replace('running', 'crashed').replace('crashes=0', 'crashes=3').replace('last_status=9', 'last_status=256')) }), now);
  t.equal(formatStatusLine(crashed), 'web: stopped');
  t.match(formatStatus(crashed)[1], /^instance1: crashed, 2 restarts, 3 crashes in a row$/);
  t.match(formatStatus(crashed)[2], /last exit: exit 1/);
});

t.test('a trace has no state file: uptime comes from the record', async (t) => {
  const status = buildServiceStatus('web', record('trace'), facts({ state: undefined }), now);
  t.equal(formatStatusLine(status), 'web: running (pid 102, up 30s, 0 restarts)');
  t.equal(status.instances[0]!.state, 'tracing');
});

t.test('describeWaitStatus()', async (t) => {
  t.equal(describeWaitStatus(0), 'exit 0');
  t.equal(describeWaitStatus(127 << 8), 'exit 127');
  t.equal(describeWaitStatus(9, () => 'SIGKILL'), 'signal 9 (SIGKILL)');
});
