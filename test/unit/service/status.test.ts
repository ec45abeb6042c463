// Status from the launcher's state file and the record: parse, build, format, exit code (pure).
// "running" only when every instance runs; anything less is said, and exits non-zero.
import t from 'tap';
import type { InstanceRecord, ServiceRecord } from '../../../src/service/record.js';
import { buildServiceStatus, describeWaitStatus, formatFlappingLine, formatStatus, formatStatusLine, parseLauncherState, statusExitCode, type InstanceFacts } from '../../../src/service/status.js';

const STATE = 'state=running\nlauncher=100\njail=101\nservice=102\nstarted_ms=50000\nrestarts=2\ncrashes=0\nlast_status=9\n';
const state = (edit: (s: string) => string = (s) => s) => parseLauncherState(edit(STATE));

const instance = (name: string, extra: Partial<InstanceRecord> = {}): InstanceRecord => ({
  instance: name, launcherPid: 100, config: {}, fileHashes: {}, stateFile: `/s/web/${name}.state`, logFile: `/s/web/${name}.log`, termTimeoutMs: 5000,
  namespaces: ['mount', 'pid', 'ipc'], features: ['jail', 'ro-root', 'dev', 'proc'], mounts: 5, user: { uid: 65534, gid: 65534 },
  capabilities: [], seccomp: '/etc/seccomp/web.json', cgroup: [], ...extra,
});

const record = (mode: ServiceRecord['mode'] = 'supervise', instances = [instance('instance1')]): ServiceRecord => ({
  version: 1, name: 'web', script: '/etc/init.d/web', mode, startedAt: 1_000_000, instances, description: { hooks: [], commands: [], start: '', stop: '' }, triggers: [],
});

const up: InstanceFacts = { launcherAlive: true, state: state(), jailPid: 101, servicePid: 102 };
const facts = (f: Partial<InstanceFacts>, name = 'instance1') => new Map([[name, { ...up, ...f }]]);
const now = { bootMs: 62_400, wallMs: 1_030_000 };

t.test('parseLauncherState() reads native/service.c key=value lines', async (t) => {
  t.same(state(), { state: 'running', launcher: 100, jail: 101, service: 102, startedMs: 50000, restarts: 2, crashes: 0, lastStatus: 9 });
  t.equal(parseLauncherState('garbage'), undefined);
});

t.test('a running service: the contract first line, then the instance; exit 0', async (t) => {
  const status = buildServiceStatus('web', record(), facts({}), now);
  t.equal(formatStatusLine(status), 'web: running (pid 102, up 12s, 2 restarts)');
  t.equal(statusExitCode(status), 0);
  t.same(formatStatus(status).slice(1), [
    'instance1: running, pid 102 (jail 101, supervisor 100), up 12s, 2 restarts',
    '  jail: namespaces mount,pid,ipc; jail,ro-root,dev,proc; 5 binds; uid 65534 gid 65534',
    '  capabilities: none',
    '  seccomp: on (/etc/seccomp/web.json)',
    '  log: /s/web/instance1.log',
  ]);
  const unjailed = buildServiceStatus('web', record('supervise', [instance('instance1', { namespaces: [], features: ['unjailed'] })]), facts({}), now);
  t.match(formatStatus(unjailed)[2], /^  jail: no namespaces; unjailed;/);
});

t.test('a respawning instance is not running: the line says so and status exits 1', async (t) => {
  const status = buildServiceStatus('web', record(), facts({ state: state((s) => s.replace('state=running', 'state=respawning').replace('last_status=9', 'last_status=256')) }), now);
  t.equal(status.state, 'respawning');
  t.equal(formatStatusLine(status), 'web: respawning (instance1: respawning after exit 1, 2 restarts)');
  t.equal(statusExitCode(status), 1);
});

t.test("start's line for an instance that never stayed up, whatever this moment shows", async (t) => {
  const status = buildServiceStatus('web', record(), facts({}), now);
  t.equal(formatFlappingLine('web', status.instances[0]!, 300), 'web: respawning (instance1: does not stay up 300 ms, 2 restarts)');
});

t.test('one instance of two down: degraded, exit 1', async (t) => {
  const two = record('supervise', [instance('alpha'), instance('beta', { launcherPid: 200 })]);
  const f = new Map([['alpha', up], ['beta', { ...up, state: state((s) => s.replace('state=running', 'state=respawning').replace('last_status=9', 'last_status=9')) }]]);
  const status = buildServiceStatus('web', two, f, now);
  t.equal(formatStatusLine(status), 'web: degraded (1 of 2 instances running; beta: respawning after signal 9, 2 restarts)');
  t.equal(statusExitCode(status), 1);
});

t.test('an instance that could not start is "failed" with its reason; gave up is "failed" too', async (t) => {
  const failed = buildServiceStatus('web', record('supervise', [instance('instance1', { launcherPid: 0, failure: 'command not found: /usr/sbin/x' })]), facts({ launcherAlive: false, state: undefined }), now);
  t.equal(formatStatusLine(failed), 'web: failed (instance1: could not start: command not found: /usr/sbin/x)');
  t.equal(formatStatus(failed)[1], 'instance1: failed, could not start: command not found: /usr/sbin/x');
  t.equal(statusExitCode(failed), 1);
  const crashed = buildServiceStatus('web', record(), facts({ launcherAlive: false, state: state((s) => s.replace('running', 'crashed').replace('crashes=0', 'crashes=3').replace('last_status=9', 'last_status=256')) }), now);
  t.equal(formatStatusLine(crashed), 'web: failed (instance1: gave up after 3 crashes in a row, last exit 1)');
  t.match(formatStatus(crashed)[1], /^instance1: crashed, 2 restarts, 3 crashes in a row$/);
  t.match(formatStatus(crashed)[2], /last exit: exit 1/);
});

t.test('stopped: no record, a one-shot that exited 0, or nothing left; exit 3', async (t) => {
  const none = buildServiceStatus('web', undefined, new Map(), now);
  t.equal(formatStatusLine(none), 'web: stopped');
  t.equal(statusExitCode(none), 3);
  const done = buildServiceStatus('web', record(), facts({ launcherAlive: false, state: state((s) => s.replace('running', 'stopped').replace('last_status=9', 'last_status=0')) }), now);
  t.equal(done.instances[0]!.state, 'exited');
  t.equal(formatStatusLine(done), 'web: stopped');
  const failedOneShot = buildServiceStatus('web', record(), facts({ launcherAlive: false, state: state((s) => s.replace('running', 'stopped').replace('last_status=9', 'last_status=512')) }), now);
  t.equal(formatStatusLine(failedOneShot), 'web: failed (instance1: exited (exit 2))');
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
