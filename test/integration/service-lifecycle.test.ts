// As root: procd's lifecycle under `jailctl service` with fixture scripts written here: hooks,
// reload through reload_signal, procd_send_signal from an extra command, start arguments,
// respawn that never gives up, the pidfile, enable/disable, and the truth of every exit status
// and status line (crash loops, a missing command, no instance, dry runs, interrupted starts).
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { isRoot } from '../helpers/jailctl.js';
import { alive, installService, RUNNING_LINE, waitFor, type Installed } from '../helpers/service.js';

if (!isRoot) t.plan(0, 'needs root');

const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []);

function lifecycle(t: Parameters<typeof installService>[0], pidfile?: string): Installed & { log: string; marks: string; conf: string; pidfile: string } {
  const s = installService(t, 'lifecycle');
  const paths = { log: join(s.dir, 'log'), marks: join(s.dir, 'marks'), conf: join(s.dir, 'conf'), pidfile: pidfile ?? join(s.dir, 'pid') };
  writeFileSync(paths.conf, 'one\n');
  s.uci('jclife', `config lifecycle 'main'\n${Object.entries(paths).map(([k, v]) => `\toption ${k} '${v}'\n`).join('')}`);
  return { ...s, ...paths };
}

t.test('hooks: service_started after the set, service_running after every start and respawn, service_stopped', async (t) => {
  const s = lifecycle(t);
  const start = s.run('start');
  t.equal(start.code, 0, start.stderr);
  t.same(lines(s.marks), ['started hook', 'running hook']);
  const pid = Number(readFileSync(s.pidfile, 'utf8'));
  t.equal(s.status().instances[0]!.pid, pid, 'the pidfile holds the service pid');
  process.kill(pid, 'SIGKILL');
  const again = await waitFor('the respawn', () => {
    const i = s.status().instances[0];
    return i?.state === 'running' && i.pid !== pid ? i.pid : undefined;
  });
  await waitFor('the running hook of the respawn', () => (lines(s.marks).length === 3 ? true : undefined));
  t.same(lines(s.marks), ['started hook', 'running hook', 'running hook'], 'procd runs `running` after a respawn too');
  t.equal(readFileSync(s.pidfile, 'utf8'), `${again}\n`, 'the pidfile was rewritten');
  const stop = s.run('stop');
  t.equal(stop.code, 0, stop.stderr);
  t.same(lines(s.marks).at(-1), 'stopped hook');
  t.notOk(existsSync(s.pidfile), 'the pidfile is removed at stop');
  t.same(lines(s.log).at(-1), 'term', 'SIGTERM reached the service');
});

t.test('reload: unchanged, nothing; a changed `file` with reload_signal, a signal and no restart', async (t) => {
  const s = lifecycle(t);
  t.equal(s.run('start').code, 0);
  const pid = s.status().instances[0]!.pid;
  const same = s.run('reload');
  t.equal(same.code, 0, same.stderr);
  t.equal(s.status().instances[0]!.pid, pid);
  t.notOk(lines(s.log).includes('hup'), 'an unchanged instance gets nothing');
  writeFileSync(s.conf, 'two\n');
  t.equal(s.run('reload').code, 0);
  await waitFor('the HUP', () => (lines(s.log).includes('hup') ? true : undefined));
  t.equal(s.status().instances[0]!.pid, pid, 'reload_signal, not a restart');
});

t.test('extra commands: extra_command and EXTRA_COMMANDS, procd_send_signal by name, exit status and output passed through', async (t) => {
  const s = lifecycle(t);
  t.equal(s.run('start').code, 0);
  const ping = s.run('ping');
  t.equal(ping.code, 0, ping.stderr);
  await waitFor('the USR1', () => (lines(s.log).includes('usr1') ? true : undefined));
  const legacy = s.run('legacy', 'a', 'b c');
  t.equal(legacy.code, 7, "the command's own exit status");
  t.equal(legacy.stdout, 'legacy ran with a b c\n');
  const unknown = s.run('frobnicate');
  t.equal(unknown.code, 125);
  t.match(unknown.stderr, /unknown command "frobnicate"; the script knows .*\bping\b.*\blegacy\b/);
  t.equal(s.run('running').code, 0, 'running: service_running');
  const status = s.run('status');
  t.equal(status.code, 0);
  t.match(status.stdout, /^status_service \(exit 0\):\n  lifecycle: all is well$/m, "the script's status_service follows jailctl's status");
});

t.test('start with arguments adds an instance (procd "add"); start without keeps what runs', async (t) => {
  const s = lifecycle(t);
  t.equal(s.run('start').code, 0);
  const main = s.status().instances[0]!.pid;
  const add = s.run('start', 'extra1');
  t.equal(add.code, 0, add.stderr);
  t.same(s.status().instances.map((i) => [i.instance, i.state]), [['main', 'running'], ['extra1', 'running']]);
  t.equal(s.status().instances[0]!.pid, main, 'main was left alone');
  const again = s.run('start');
  t.equal(again.code, 0);
  t.same(s.status().instances.map((i) => i.instance), ['main'], 'a plain start sets the service: extra1 is stopped');
  t.equal(s.status().instances[0]!.pid, main);
});

t.test('respawn ... -1 never gives up; start and status say "respawning", exit 1', async (t) => {
  const s = installService(t, 'forever-crash');
  const start = s.run('start');
  t.equal(start.code, 1, 'not running when start returned');
  t.match(start.stdout, new RegExp(`^${s.name}: respawning \\(instance1: `), 'it never stayed up: start says so whatever the moment shows');
  const late = await waitFor('more crashes than procd\'s default retry', () => {
    const i = s.status().instances[0];
    return i !== undefined && i.restarts > 6 ? i : undefined;
  }, 20_000);
  t.not(late.state, 'crashed', 'never gave up');
  const status = s.run('status');
  t.equal(status.code, status.stdout.startsWith(`${s.name}: running`) ? 0 : 1, 'the exit status matches the line');
});

t.test('a missing command fails only its instance: degraded, the other runs, exit 1', async (t) => {
  const s = installService(t, 'degraded');
  const start = s.run('start');
  t.equal(start.code, 1);
  t.match(start.stderr, /^jailctl: init script .*: instance "missing": command not found: \/usr\/sbin\/jailctl-test-no-such-daemon$/m);
  t.match(start.stdout, new RegExp(`^${s.name}: degraded \\(1 of 2 instances running; missing: could not start: .*command not found`));
  const st = s.status();
  t.match(st.instances, [{ instance: 'good', state: 'running' }, { instance: 'missing', state: 'failed', failure: /command not found/ }]);
  t.ok(alive(st.instances[0]!.pid));
  t.equal(s.run('status').code, 1);
});

t.test("a script that opens no instance: its own message, then the truth, exit 1", async (t) => {
  const s = installService(t, 'noinstance');
  const start = s.run('start');
  t.equal(start.code, 1);
  t.match(start.stderr, /^noinstance: no configuration found, nothing to start$/m, "the script's message as it wrote it");
  t.equal(start.stdout, `${s.name}: stopped (start_service opened no instance)\n`);
  t.equal(s.run('status').code, 3);
});

t.test('a script that exits 0 in start_service asked procd nothing: what runs keeps running', async (t) => {
  const s = installService(t, 'early-exit', { jctest: "config x 'main'\n\toption enabled 1\n" });
  t.equal(s.run('start').code, 0);
  const pid = s.status().instances[0]!.pid;
  s.uci('jctest', "config x 'main'\n\toption enabled 0\n");
  const again = s.run('start');
  t.equal(again.code, 0, again.stderr);
  t.match(again.stderr, /^early-exit: disabled$/m);
  t.match(again.stdout, new RegExp(`^${s.name}: running .*\\(the script exited before it sent its instances: nothing changed\\)$`, 'm'));
  t.equal(s.status().instances[0]!.pid, pid, 'as under procd, the running instance is left alone');
  t.equal(s.run('stop').code, 0);
  const stopped = s.run('start');
  t.equal(stopped.code, 1);
  t.equal(stopped.stdout, `${s.name}: stopped (the script exited before it sent its instances: nothing changed)\n`);
});

t.test('a pidfile that cannot be written is logged, as procd does; start does not fail for it', async (t) => {
  const s = lifecycle(t, '/nonexistent/jailctl-test/life.pid');
  const start = s.run('start');
  t.equal(start.code, 0, start.stderr);
  t.match(start.stdout, RUNNING_LINE(s.name));
  await waitFor('the log line', () => (s.run('logs').stdout.includes('cannot write the pidfile /nonexistent/jailctl-test/life.pid') ? true : undefined));
  t.pass('the log says why there is no pidfile');
});

t.test('--dry-run runs start_service in a throwaway view: the plan shows what it did, the host shows nothing', async (t) => {
  const s = installService(t, 'sidefx');
  const made = join(s.dir, 'made');
  const owned = join(s.dir, 'owned');
  writeFileSync(owned, 'x');
  s.uci('jcfx', `config sidefx 'main'\n\toption dir '${made}'\n\toption owned '${owned}'\n`);
  const dry = s.run('start', '--dry-run');
  t.equal(dry.code, 0, dry.stderr);
  t.match(JSON.parse(dry.stdout), [{ summary: { command: ['/bin/sleep', '4242'] } }], 'the file it wrote was there for it to read');
  t.notOk(existsSync(made), 'no folder on the host');
  t.equal(statSync(owned).uid, 0, 'no chown on the host');
  t.notOk(existsSync(join(s.state, s.name)), 'no state');
  const real = s.run('start');
  t.equal(real.code, 0, real.stderr);
  t.equal(readFileSync(join(made, 'seconds'), 'utf8'), '4242\n', 'a real start does it for real');
  t.equal(statSync(owned).uid, 65534);
});

t.test('enable, enabled, disable: S??NAME and K??NAME links in --rcd', async (t) => {
  const s = lifecycle(t);
  t.equal(s.run('enabled').code, 1);
  t.equal(s.run('enable').code, 0);
  t.equal(readlinkSync(join(s.rcd, `S50${s.name}`)), `../initd/${s.name}`);
  t.equal(readlinkSync(join(s.rcd, `K10${s.name}`)), `../initd/${s.name}`);
  t.equal(s.run('enabled').code, 0);
  t.equal(s.run('disable').code, 0);
  t.notOk(existsSync(join(s.rcd, `S50${s.name}`)));
  t.equal(s.run('enabled').code, 1);
});

t.test('an interrupted start starts nothing; stop finds a supervisor its record lost', async (t) => {
  const slow = installService(t, 'slowstart');
  const starting = slow.spawn('start');
  // once the script runs (its shell is jailctl's child), a signal finds jailctl's handler
  await waitFor('start_service to run', () => (readFileSync(`/proc/${starting.child.pid}/task/${starting.child.pid}/children`, 'utf8').trim() || undefined));
  starting.child.kill('SIGINT');
  const r = await starting.done;
  t.equal(r.code, 130, '128 + SIGINT');
  t.match(r.stderr, /interrupted by SIGINT/);
  t.equal(slow.status().state, 'stopped', 'nothing was started behind its back');

  const s = lifecycle(t);
  t.equal(s.run('start').code, 0);
  const { launcherPid, pid } = s.status().instances[0]!;
  rmSync(join(s.state, s.name, 'service.json'));
  const stop = s.run('stop');
  t.equal(stop.code, 0, stop.stderr);
  t.equal(stop.stdout, `${s.name}: stopped\n`, 'it was running, and stop says so');
  t.notOk(alive(launcherPid), 'the supervisor no record named is gone (not only its pid 1, which bears the same tag)');
  t.notOk(alive(pid), 'and its service');
  t.notOk(readdirSync('/proc').some((p) => /^\d+$/.test(p) && existsSync(`/proc/${p}/cmdline`) && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(`jailctl-service=${join(s.state, s.name)}/`)), 'no supervisor of it respawned anything');
});
