// rc.common's commands through the shim, as action logs (no root: nothing is carried out):
// procd_kill and procd_send_signal (names too), hooks, triggers, procd_running from the
// snapshot, jail mounts ignored without a jail, extra commands; and the log's parser.
import { writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { parseActionLog } from '../../../../src/service/script/actions.js';
import { runInitScript, type ScriptRun } from '../../../../src/service/script/evaluate.js';
import { chooseShell } from '../../../../src/service/script/shell.js';
import { REPO } from '../../../helpers/jailctl.js';

const FIXTURES = join(REPO, 'test', 'fixtures', 'initd');
/** ash numbers a signal name as procd.sh's $(kill -l NAME) does; dash cannot, and the name is kept */
const numbered = (name: string, number: number): number | string => (chooseShell().ash ? number : name);

function script(t: Test, body: string): string {
  const file = join(t.testdir({}), 'svc');
  writeFileSync(file, `#!/bin/sh /etc/rc.common\nUSE_PROCD=1\n${body}\n`);
  return file;
}

const run = (path: string, action: string, extra: Partial<ScriptRun> = {}) =>
  runInitScript({ script: path, name: 'svc', configDir: '/nonexistent', action, ...extra });

t.test('start: the service set, with its triggers, then the service_started hook', async (t) => {
  const path = script(t, `start_service() {
	procd_open_instance
	procd_set_param command /bin/true
	procd_set_param reload_signal HUP
	procd_close_instance
}
service_triggers() { procd_add_reload_trigger pkg1 pkg2; procd_add_config_trigger config.change pkg3 /etc/init.d/svc restart; procd_add_interface_trigger interface.* lan /etc/init.d/svc reload; }
service_started() { :; }`);
  const r = run(path, 'start');
  t.same(r.actions.map((a) => a.op), ['set', 'hook']);
  const set = r.actions[0]!;
  if (set.op !== 'set') throw new Error('not a set');
  t.equal(set.method, 'set');
  t.same(set.service.instances['instance1'], { command: ['/bin/true'], reload_signal: numbered('HUP', 1) }, 'numbered by the shell as procd.sh does, else kept as a name');
  t.same(set.service.triggers, [
    { type: 'config.change', package: 'pkg1', run: ['/etc/init.d/svc', 'reload'] },
    { type: 'config.change', package: 'pkg2', run: ['/etc/init.d/svc', 'reload'] },
    { type: 'config.change', package: 'pkg3', run: ['/etc/init.d/svc', 'restart'] },
  ], 'config triggers recorded, interface triggers ignored');
  t.same(r.actions[1], { op: 'hook', name: 'service_started' });
  t.same(r.description.hooks, ['service_started']);
  const add = run(path, 'start', { args: ['x'] });
  t.match(add.actions[0], { op: 'set', method: 'add' }, 'start with arguments adds instances, as rc_procd does');
});

t.test('stop: stop_service runs, then procd_kill of the service, then service_stopped', async (t) => {
  const mark = join(t.testdir({}), 'mark');
  const path = script(t, `stop_service() { echo "stop_service $1" >"${mark}"; }\nservice_stopped() { :; }`);
  const r = run(path, 'stop', { args: ['one'] });
  t.same(r.actions, [{ op: 'kill', service: 'svc', instance: 'one' }, { op: 'hook', name: 'service_stopped' }]);
  const restart = run(path, 'restart');
  t.same(restart.actions.map((a) => a.op), ['kill', 'hook', 'set'], 'restart is stop, then start, in one run');
});

t.test('reload: reload_service when defined (its signals by name or number), else start', async (t) => {
  const own = script(t, `start_service() { procd_open_instance; procd_set_param command /bin/true; procd_close_instance; }
reload_service() { rc_procd start_service "$@"; procd_send_signal svc; procd_send_signal svc one USR1; procd_send_signal other '*' 9; procd_send_signal svc x 'bad name'; }`);
  const r = run(own, 'reload');
  t.same(r.actions.map((a) => a.op === 'signal' ? [a.op, a.service, a.instance, a.signal] : [a.op]), [
    ['set'], ['signal', 'svc', undefined, 1], ['signal', 'svc', 'one', numbered('USR1', constants.signals.SIGUSR1)], ['signal', 'other', undefined, 9],
  ], 'SIGHUP by default, "*" is every instance, an impossible name sends nothing');
  const plain = script(t, 'start_service() { procd_open_instance; procd_set_param command /bin/true; procd_close_instance; }');
  t.same(run(plain, 'reload').actions.map((a) => a.op), ['set'], 'no reload_service: rc.common starts again');
});

t.test('procd_running and the default status answer from the snapshot', async (t) => {
  const path = script(t, `check() { procd_running svc "$1" && echo yes || echo no; }
extra_command check "x"`);
  const snapshot = 'svc main running\nsvc other stopped\nelse main running\n';
  const r = (args: string[]) => run(path, 'check', { args, running: snapshot }).output;
  t.same(r(['main']), ['yes']);
  t.same(r(['other']), ['no']);
  t.same(r([]), ['yes'], 'any instance');
  t.same(run(path, 'check', { args: ['main'], running: '' }).output, ['no']);
  const status = run(path, 'status', { running: snapshot });
  t.same([status.output, status.status], [['running (1/2)'], 0], "procd.sh's _procd_status words");
  const none = run(path, 'status', { running: '' });
  t.same([none.output, none.status], [['inactive'], 3]);
  t.equal(run(path, 'running', { running: snapshot }).status, 0, 'running: service_running, by default procd_running');
});

t.test('jail mounts without procd_add_jail are ignored with a note, as procd.sh drops them', async (t) => {
  const path = script(t, `start_service() {
	procd_open_instance
	procd_set_param command /bin/true
	procd_add_jail_mount /etc/hosts
	procd_add_jail x log
	procd_add_jail_mount_rw /tmp
	procd_close_instance
}`);
  const r = run(path, 'start');
  const set = r.actions[0]!;
  t.same(set.op === 'set' ? set.service.instances['instance1']!.jail : undefined, { name: 'x', log: true, mount: { '/tmp': '1' } }, 'only the mount after procd_add_jail');
  t.match(r.output.join('\n'), /procd_add_jail_mount \/etc\/hosts: ignored without procd_add_jail, as procd does/);
});

t.test('extra commands: extra_command, EXTRA_COMMANDS, their status; enable links in the rc.d folder', async (t) => {
  const rcd = t.testdir({});
  const lifecycle = join(FIXTURES, 'lifecycle');
  const legacy = runInitScript({ script: lifecycle, name: 'life', configDir: '/nonexistent', action: 'legacy', args: ['a'] });
  t.same([legacy.output, legacy.status], [['legacy ran with a'], 7]);
  const d = runInitScript({ script: lifecycle, name: 'life', configDir: '/nonexistent', action: '_describe' }).description;
  t.match(d, { start: '50', stop: '10', hooks: ['service_running', 'service_started', 'service_stopped', 'status_service'] });
  for (const c of ['start', 'stop', 'reload', 'enable', 'running', 'status', 'ping', 'legacy', 'boot']) t.ok(d.commands.includes(c), c);
  const enable = runInitScript({ script: lifecycle, name: 'life', configDir: '/nonexistent', action: 'enable', rcd: { dir: rcd, link: '../init.d' } });
  t.equal(enable.status, 0);
  t.equal(runInitScript({ script: lifecycle, name: 'life', configDir: '/nonexistent', action: 'enabled', rcd: { dir: rcd, link: '../init.d' } }).status, 0);
  t.throws(() => runInitScript({ script: lifecycle, name: 'life', configDir: '/nonexistent', action: 'nope' }), /unknown command "nope" \(the script knows: .*ping/);
});

t.test('parseActionLog() refuses what the shim never writes', async (t) => {
  t.same(parseActionLog('{"op":"kill","service":"x"}\n\n{"op":"describe","hooks":["h"],"commands":["a","a"],"start":"1","stop":""}\n', '/s'),
    { actions: [{ op: 'kill', service: 'x' }], description: { hooks: ['h'], commands: ['a'], start: '1', stop: '' } });
  t.throws(() => parseActionLog('{', '/s'), /init script \/s: the procd shim wrote a bad action log: malformed JSON/);
  t.throws(() => parseActionLog('{"op":"launch"}', '/s'), /unknown action "launch"/);
  t.throws(() => parseActionLog('{"op":"signal","service":"x"}', '/s'), /signal: no signal/);
});
