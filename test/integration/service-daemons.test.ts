// As root: Debian's real daemons (dnsmasq, dropbear, mosquitto, rsync) under fixture scripts
// written here with OpenWrt's procd idioms, through start, serve (a real query), status,
// reload, respawn and stop. Each listens on a loopback address of its own and a free port,
// with its files in a temporary folder.
import { existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { isRoot, jailctl } from '../helpers/jailctl.js';
import { dnsQueryA, freePort, loopbackFor, mqttRoundTrip, tcpBanner, tcpConnect, tcpExchange } from '../helpers/protocols.js';
import { alive, FIXTURES, installService, needs, procStatus, RUNNING_LINE, waitFor } from '../helpers/service.js';

if (!isRoot) t.plan(0, 'needs root');

const HOST = loopbackFor();
const ns = (pid: number, kind: string): string => readlinkSync(`/proc/${pid}/ns/${kind}`);
const pidOf = (s: ReturnType<typeof installService>) => waitFor('the service', () => s.status().instances.find((i) => i.state === 'running')?.pid ?? undefined);

t.test('dnsmasq: jailed as ujail would (mount, pid, ipc), answers; reload sends SIGHUP; respawn rewrites the pidfile', { skip: needs('/usr/sbin/dnsmasq', 'dnsmasq-base') }, async (t) => {
  const port = await freePort(HOST);
  const s = installService(t, 'dnsmasq-like');
  const run = join(s.dir, 'run');
  const hosts = join(s.dir, 'hosts');
  writeFileSync(hosts, '192.0.2.1 host1.jailctl.test\n');
  s.uci('jcdns', `config dnsmasq 'main'\n\toption listen '${HOST}'\n\toption port '${port}'\n\toption rundir '${run}'\n\toption hosts '${hosts}'\n\toption respawn_timeout '0'\n`);
  const start = s.run('start');
  t.equal(start.code, 0, start.stderr);
  t.match(start.stdout, RUNNING_LINE(s.name));
  const pid = await pidOf(s);
  t.same(await dnsQueryA(HOST, port, 'host1.jailctl.test'), ['192.0.2.1'], 'dnsmasq answers from its hosts file');
  for (const kind of ['mnt', 'pid', 'ipc']) t.not(ns(pid, kind), ns(process.pid, kind), `own ${kind} namespace`);
  for (const kind of ['net', 'uts']) t.equal(ns(pid, kind), ns(process.pid, kind), `the host's ${kind} namespace`);
  t.match(procStatus(pid), /^Uid:\s+\d+/m);
  t.equal(readFileSync(join(run, 'dnsmasq.main.procd.pid'), 'utf8'), `${pid}\n`, "procd's pidfile holds the host pid");
  t.equal(readFileSync(join(run, 'dnsmasq.main.pid'), 'utf8').trim(), '2', "dnsmasq's own pidfile holds its pid in the jail's pid namespace, as under ujail");

  writeFileSync(hosts, '192.0.2.2 host1.jailctl.test\n');
  const reload = s.run('reload');
  t.equal(reload.code, 0, reload.stderr);
  const answer = await waitForAsync(() => dnsQueryA(HOST, port, 'host1.jailctl.test'), (a) => JSON.stringify(a) === '["192.0.2.2"]');
  t.same(answer, ['192.0.2.2'], 'reload_service sent SIGHUP: dnsmasq reread its hosts file');
  t.equal(s.status().instances[0]!.pid, pid, 'the same process: SIGHUP, not a restart');

  process.kill(pid, 'SIGKILL');
  const respawned = await waitFor('the respawn', () => {
    const i = s.status().instances[0];
    return i?.state === 'running' && i.restarts === 1 && i.pid !== pid ? i.pid : undefined;
  });
  t.equal(readFileSync(join(run, 'dnsmasq.main.procd.pid'), 'utf8'), `${respawned}\n`, 'the pidfile is rewritten on respawn');
  t.same(await waitForAsync(() => dnsQueryA(HOST, port, 'host1.jailctl.test'), (a) => Array.isArray(a)), ['192.0.2.2'], 'it answers again');

  const stop = s.run('stop');
  t.equal(stop.code, 0, stop.stderr);
  t.notOk(alive(respawned), 'gone');
  t.notOk(existsSync(join(run, 'dnsmasq.main.procd.pid')), 'procd removes the pidfile of a stopped instance');
});

t.test('dropbear: keys made by start_service (not by a dry run), banner, killclients, boot', { skip: needs('/usr/sbin/dropbear', 'dropbear-bin') }, async (t) => {
  const port = await freePort(HOST);
  const s = installService(t, 'dropbear-like');
  const keys = join(s.dir, 'keys');
  const run = join(s.dir, 'run');
  s.uci('jcssh', `config dropbear 'main'\n\toption listen '${HOST}'\n\toption Port '${port}'\n\toption keydir '${keys}'\n\toption rundir '${run}'\n`);
  const dry = s.run('start', '--dry-run');
  t.equal(dry.code, 0, dry.stderr);
  t.match(JSON.parse(dry.stdout), [{ summary: { command: ['/usr/sbin/dropbear', '-F', '-P', `${run}/dropbear-like.main.pid`, '-p', `${HOST}:${port}`, '-r', `${keys}/dropbear_ed25519_host_key`] } }],
    'start_service ran (it found the key it had just made) ...');
  t.notOk(existsSync(keys), '... in a throwaway view: no host key and no folder on the host');

  const start = s.run('start');
  t.equal(start.code, 0, start.stderr);
  t.ok(existsSync(join(keys, 'dropbear_ed25519_host_key')), 'the real start made the host key');
  const pid = await pidOf(s);
  t.equal(ns(pid, 'pid'), ns(process.pid, 'pid'), 'no jail: the host pid namespace');
  t.match(await tcpBanner(HOST, port), /^SSH-2\.0-dropbear/);
  t.equal(readFileSync(join(run, 'dropbear-like.main.pid'), 'utf8').trim(), String(pid), "dropbear's own pidfile holds the pid the host sees");

  const client = await tcpConnect(HOST, port);
  await waitFor('the connection child', () => (readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim() || undefined));
  const kill = s.run('killclients');
  t.equal(kill.code, 0, kill.stderr);
  t.match(kill.stdout, /Killing \d+\.\.\./, "the extra command's output reaches the terminal");
  await client.closed;
  t.pass('the client connection was killed');
  t.ok(alive(pid), 'the server was not: its pidfile protected it');

  const boot = s.run('boot');
  t.equal(boot.code, 0, boot.stderr);
  const booted = await pidOf(s);
  t.not(booted, pid, 'boot sets BOOT, which changes the instance (env): procd restarts it');
  t.match(readFileSync(`/proc/${booted}/environ`, 'utf8'), /BOOTED=1/);
  t.match(await tcpBanner(HOST, port), /^SSH-2\.0-dropbear/);
  t.equal(s.run('stop').code, 0);
  t.notOk(alive(booted));
});

t.test('mosquitto: a bare command on procd\'s PATH; reload restarts only when the config changed; reload-config', { skip: needs('/usr/sbin/mosquitto', 'mosquitto') }, async (t) => {
  const port = await freePort(HOST);
  const s = installService(t, 'mosquitto-like');
  const rundir = join(s.dir, 'run');
  const uci = (extra = '') => `config mosquitto 'main'\n\toption listen '${HOST}'\n\toption port '${port}'\n\toption rundir '${rundir}'\n${extra}`;
  s.uci('jcmqtt', uci());
  const start = s.run('start');
  t.equal(start.code, 0, start.stderr);
  t.match(start.stderr, /Generating mosquitto config file in /, "the script's own output is shown as it is");
  const pid = await pidOf(s);
  t.equal(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0], 'mosquitto', 'argv[0] as the script gave it');
  t.equal(await mqttRoundTrip(HOST, port, `jc/${process.pid}`, 'hello'), 'hello', 'a subscriber gets what a publisher sent');

  t.equal(s.run('reload').code, 0);
  t.equal(s.status().instances[0]!.pid, pid, 'reload with the same config: procd leaves the instance alone');

  s.uci('jcmqtt', uci("\toption max_connections '20'\n"));
  t.equal(s.run('reload').code, 0);
  const changed = await pidOf(s);
  t.not(changed, pid, 'the generated config changed (procd_set_param file): restarted');
  t.equal(await mqttRoundTrip(HOST, port, `jc/${process.pid}`, 'again'), 'again');

  const reloadConfig = () => jailctl(['service', 'reload-config', '--initd', s.initd, '--state', s.state, '--config', s.config]);
  t.match(reloadConfig().stdout, /^reload-config: no package changed$/m, 'the first run only records the packages');
  t.equal(s.status().instances[0]!.pid, changed);
  s.uci('jcmqtt', uci("\toption max_connections '30'\n"));
  const rc = reloadConfig();
  t.equal(rc.code, 0, rc.stderr);
  t.match(rc.stdout, /^reload-config: changed: jcmqtt$/m);
  const triggered = await pidOf(s);
  t.not(triggered, changed, 'procd_add_reload_trigger jcmqtt reloaded it, and the new config restarted it');
  t.equal(await mqttRoundTrip(HOST, port, `jc/${process.pid}`, 'third'), 'third');
  t.equal(s.run('stop').code, 0);
});

t.test('rsync: procd_add_jail only to drop privileges: no namespace, nobody, the capabilities file, no_new_privs', { skip: needs('/usr/bin/rsync', 'rsync') }, async (t) => {
  const port = await freePort(HOST);
  const s = installService(t, 'rsyncd-like');
  const share = join(s.dir, 'share');
  mkdirSync(share);
  writeFileSync(join(share, 'file'), 'hi\n');
  writeFileSync(join(s.dir, 'rsyncd.conf'), `use chroot = no\n[pub]\n\tpath = ${share}\n\tread only = yes\n`, { mode: 0o644 });
  s.uci('jcrsync', `config rsyncd 'main'\n\toption conf '${join(s.dir, 'rsyncd.conf')}'\n\toption listen '${HOST}'\n\toption port '${port}'\n\toption caps '${join(FIXTURES, 'caps', 'net-bind.json')}'\n`);
  const start = s.run('start');
  t.equal(start.code, 0, start.stderr);
  const pid = await pidOf(s);
  for (const kind of ['mnt', 'pid', 'ipc', 'net']) t.equal(ns(pid, kind), ns(process.pid, kind), `no ${kind} namespace: ujail makes none for a name alone`);
  const status = procStatus(pid);
  t.match(status, /^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
  t.match(status, /^CapEff:\s+0000000000000400$/m, 'CAP_NET_BIND_SERVICE from the capabilities file, across the uid switch');
  t.match(status, /^CapBnd:\s+0000000000000400$/m);
  t.match(status, /^NoNewPrivs:\s+1$/m);
  t.match(await tcpBanner(HOST, port), /^@RSYNCD: \d+/);
  t.match(await tcpExchange(HOST, port, '@RSYNCD: 31.0\n\n', /@RSYNCD: EXIT/), /^pub\s/m, 'it lists its module');
  t.equal(s.run('stop').code, 0);
  t.notOk(alive(pid));
});

/** Polls an async probe until `done` holds for its value (or 5 s pass). */
async function waitForAsync<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const until = Date.now() + 5000;
  for (;;) {
    const value = await probe().catch((err: Error) => err as unknown as T);
    if (done(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}
