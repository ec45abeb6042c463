// As root: the shipped init.d/failsafe-listener, unchanged, runs the failsafe daemon jailed under
// the shipped profiles/failsafe-listener.json. A full trigger from outside sets the flag, and the
// reboot request reaches the script's reboot instance (here a harmless command). The jail is
// what the script says: the static daemon and no Node.js, seccomp, no_new_privs, CAP_NET_RAW only
// with raw frames, the configured uid, only the declared files; no key material outlives its use;
// stop leaves nothing behind.
import { createHmac, randomBytes } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { FLAG_PATTERN } from '../../src/failsafe/flag.js';
import { tempDir, writeConfig } from '../helpers/failsafe.js';
import { isRoot, jailctl, REPO } from '../helpers/jailctl.js';
import { scanMemory } from '../helpers/memory-scan.js';

if (!isRoot) t.plan(0, 'needs root');

const CAP_NET_RAW = (1n << 13n).toString(16).padStart(16, '0');
const NO_CAPS = '0'.repeat(16);
// random, unlike the helpers' 00 01 02 ... key, whose bytes occur in memory by themselves
const K = randomBytes(32);
const KEY_HEX = K.toString('hex');
const derived = (label: string) => createHmac('sha256', K).update(label).digest();
const NEEDLES = {
  'K': K, 'K as hex': Buffer.from(KEY_HEX, 'latin1'), 'K as UTF-16 hex': Buffer.from(KEY_HEX, 'utf16le'),
  'K_c2d': derived('owfs1 c2d'), 'K_d2c': derived('owfs1 d2c'),
};

function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => {
    const { port } = socket.address();
    socket.close(() => resolve(port));
  }));
}

async function waitUntil(test: () => boolean, ms = 5_000): Promise<boolean> {
  for (const start = Date.now(); !test(); await new Promise((r) => setTimeout(r, 50))) if (Date.now() - start > ms) return false;
  return true;
}

interface Options {
  /** UCI option user; the default (root) when undefined */
  user?: string;
  /** list ifname 'lo': raw frames on, so the jail keeps CAP_NET_RAW */
  raw: boolean;
}

async function setup(t: Test, options: Options) {
  const dir = tempDir('jailctl-failsafe-jailed-');
  const name = `failsafe-listener-${process.pid}`;
  for (const sub of ['initd', 'state', 'config']) mkdirSync(join(dir, sub));
  copyFileSync(join(REPO, 'init.d', 'failsafe-listener'), join(dir, 'initd', name));
  const port = await freeUdpPort();
  const paths = { flag: join(dir, 'flag'), fifo: join(dir, 'run', 'reboot'), rebooted: join(dir, 'rebooted') };
  const lines = [
    options.raw ? `option udp_port '${port}'\n\tlist ifname 'lo'` : `option udp_port '127.0.0.1:${port}'`,
    `option flag '${paths.flag}'`, `option reboot_cmd ': > ${paths.rebooted}'`, `option reboot_fifo '${paths.fifo}'`,
    ...(options.user === undefined ? [] : [`option user '${options.user}'`]),
  ];
  const config = writeConfig(join(dir, 'config'), lines.map((l) => `\t${l}\n`).join(''), KEY_HEX);
  // an unprivileged listener must be able to read the key file (see the script's header)
  if (options.user !== undefined) chmodSync(config, 0o644);
  const run = (action: string, ...extra: string[]) => jailctl(['service', name, action, '--initd', join(dir, 'initd'), '--state', join(dir, 'state'), '--config', join(dir, 'config'), ...extra]);
  t.teardown(() => void run('stop'));
  return { dir, port, config, run, ...paths };
}

interface InstanceStatus { instance: string; pid: number; jailPid: number; launcherPid: number; restarts: number; crashes: number; seccomp: { enabled: boolean; profile: string } }

/** Alive: a zombie is gone already, only its parent (here the host's pid 1) has not reaped it. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Every non-directory the jail's root holds, as paths inside the jail. */
function jailFiles(pid: number): string[] {
  const root = `/proc/${pid}/root`;
  const walk = (dir: string): string[] => readdirSync(join(root, dir)).flatMap((entry) => {
    const path = `${dir === '/' ? '' : dir}/${entry}`;
    return lstatSync(join(root, path)).isDirectory() ? walk(path) : [path];
  });
  return walk('/');
}

/** What the script declares, and jailctl's minimal /dev. */
function declared(file: string, allowed: Set<string>): boolean {
  return allowed.has(file) || /^\/dev\//.test(file);
}

const DAEMON = join(REPO, 'build', 'Release', 'jailctl-failsafe');

async function checkJailedRun(t: Test, options: Options, trigger: (port: number) => string[]): Promise<void> {
  const s = await setup(t, options);
  const start = s.run('start');
  t.equal(start.code, 0, start.stderr);
  const status = JSON.parse(s.run('status', '--json').stdout) as { instances: InstanceStatus[] };
  const listener = status.instances.find((i) => i.instance === 'listener')!;
  t.match(listener.seccomp, { enabled: true, profile: join(REPO, 'profiles', 'failsafe-listener.json') });

  const proc = readFileSync(`/proc/${listener.pid}/status`, 'utf8');
  const field = (name: string) => new RegExp(`^${name}:\\s+(.*)$`, 'm').exec(proc)?.[1];
  t.equal(field('Seccomp'), '2', 'seccomp filter mode');
  t.equal(field('NoNewPrivs'), '1');
  const caps = options.raw ? CAP_NET_RAW : NO_CAPS;
  for (const set of ['CapEff', 'CapPrm', 'CapBnd', 'CapAmb']) t.equal(field(set), caps, `${set}: ${options.raw ? 'CAP_NET_RAW only' : 'none'}`);
  const uid = options.user === undefined ? '0' : String(statSync(`/proc/${listener.pid}`).uid);
  t.equal(field('Uid'), `${uid}\t${uid}\t${uid}\t${uid}`, `runs as ${options.user ?? 'root'}`);
  if (options.user !== undefined) t.not(uid, '0');

  t.equal(realpathSync(`/proc/${listener.pid}/exe`), DAEMON, 'the jailed process is the C daemon');
  const allowed = new Set([DAEMON, s.config, s.flag, s.fifo,
    '/etc/resolv.conf', '/etc/nsswitch.conf', // ujail's defaults
    ...(options.user === undefined ? [] : ['/etc/passwd', '/etc/group'])]);
  const files = jailFiles(listener.pid);
  t.same(files.filter((f) => !declared(f, allowed)), [], 'the jail holds only the declared files');
  for (const file of [s.config, s.flag, s.fifo, DAEMON]) t.ok(files.includes(file), `${file} is there`);
  for (const hidden of ['/etc/shadow', '/etc/hostname', '/bin/sh', realpathSync(process.execPath), '/etc/ld.so.cache', join(REPO, 'dist'), join(REPO, 'src')]) t.notOk(existsSync(`/proc/${listener.pid}/root${hidden}`), `${hidden} is not`);
  const rss = Number(/^VmRSS:\s+(\d+) kB$/m.exec(proc)?.[1]);
  t.ok(rss > 0 && rss <= 1024, `resident memory at most 1 MB: ${rss} kB`);
  if (options.user === undefined) t.notOk(files.includes('/etc/passwd'), "the host's /etc/passwd is not visible");

  const before = scanMemory(listener.pid, NEEDLES);
  t.same(before, { ...before, 'K': 0, 'K as hex': 0, 'K as UTF-16 hex': 0 }, 'K is zeroed after deriving and was never a string');
  t.ok(before['K_c2d']! > 0, 'the scan does find key material: K_c2d is there before the trigger');

  const r = jailctl(['failsafe', 'trigger', ...trigger(s.port), '--key', KEY_HEX, '--timeout', '300']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /acknowledged the failsafe reboot/);
  t.same(readFileSync(s.flag), FLAG_PATTERN, 'flag set');
  t.ok(await waitUntil(() => existsSync(s.rebooted)), 'the reboot instance ran reboot_cmd');
  t.match(s.run('logs').stdout, /reboot requested through .*run\/reboot[\s\S]*the listener asks for a reboot/);
  t.same(scanMemory(listener.pid, NEEDLES), { 'K': 0, 'K as hex': 0, 'K as UTF-16 hex': 0, 'K_c2d': 0, 'K_d2c': 0 }, 'after the trigger no key material is left');

  const after = JSON.parse(s.run('status', '--json').stdout) as { instances: InstanceStatus[] };
  t.match(after.instances.find((i) => i.instance === 'listener'), { pid: listener.pid, restarts: 0, crashes: 0 }, 'the profile never killed it');
  const pids = status.instances.flatMap((i) => [i.pid, i.jailPid, i.launcherPid]);
  const stop = s.run('stop');
  t.equal(stop.code, 0, stop.stderr);
  t.same(pids.filter(alive), [], 'stop leaves no process');
  t.equal(s.run('status').code, 3);
}

t.test('default: root without capabilities but CAP_NET_RAW, raw frames on lo and UDP on its address', async (t) => {
  await checkJailedRun(t, { raw: true }, () => ['--iface', 'lo', 'broadcast']);
});

t.test('option user nobody, UDP only: no capability at all, uid 65534', async (t) => {
  await checkJailedRun(t, { user: 'nobody', raw: false }, (port) => [`127.0.0.1:${port}`]);
});

t.test('save-plan: the listener\'s jail runs from its stored plan without Node, and a trigger sets the flag', async (t) => {
  const s = await setup(t, { raw: false });
  const plans = join(s.dir, 'plans');
  mkdirSync(plans, { mode: 0o700 });
  await new Promise((r) => setTimeout(r, 1100)); // past the racy second of the files just written
  const saved = s.run('save-plan', '-o', plans);
  t.equal(saved.code, 0, saved.stderr);
  const name = readdirSync(join(s.dir, 'initd'))[0]!;
  t.same(saved.stdout.trim().split('\n').map((f) => f.replace(`${plans}/`, '')), [`${name}.listener.plan`, `${name}.reboot.plan`]);
  const launcher = spawn(join(REPO, 'build', 'Release', 'jailctl-launch'), ['--plan', join(plans, `${name}.listener.plan`)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  launcher.stdout.on('data', (d: Buffer) => (output += d.toString()));
  launcher.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => launcher.on('exit', resolve));
  t.teardown(() => void launcher.kill('SIGTERM'));
  t.ok(await waitUntil(() => /listening/.test(output) || launcher.exitCode !== null), `the daemon started: ${output}`);
  const r = jailctl(['failsafe', 'trigger', `127.0.0.1:${s.port}`, '--key', KEY_HEX, '--timeout', '300']);
  t.equal(r.code, 0, `${r.stderr} / daemon: ${output}`);
  t.same(readFileSync(s.flag), FLAG_PATTERN, 'flag set');
  launcher.kill('SIGTERM');
  await exited;
  // the UCI file changed (a new key, another port): the stored plan is stale
  writeConfig(join(s.dir, 'config'), `\toption udp_port '127.0.0.1:${s.port + 1}'\n`, KEY_HEX);
  const stale = spawnSync(join(REPO, 'build', 'Release', 'jailctl-launch'), ['--plan', join(plans, `${name}.listener.plan`)], { encoding: 'utf8' });
  t.equal(stale.status, 125);
  t.match(stale.stderr, new RegExp(`^jailctl: .*\\.listener\\.plan: stale: ${s.config} changed since the plan was saved \\(\\w+\\); run jailctl service ${name} save-plan again\\n$`));
});
