// `service start` of a hardened service to its first answer: rsync's daemon under a fixture
// script, hardened by `jailctl service NAME harden` (mount/pid/uts/ipc namespaces, read-only
// root, traced binds, profile, 4 capabilities), against the same daemon under `jailctl run`
// (the same binds, capabilities file and profile) and under bwrap. The answer is the daemon's
// "@RSYNCD:" greeting on port 873 of a loopback address of the bench's own.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePackage, type Row } from './table.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO, 'dist', 'jailctl.cjs');
const HOST = `127.77.${(process.pid >> 8) & 255}.${(process.pid & 255) || 1}`;
const ROUNDS = 7;

function greeting(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port: 873 });
    socket.once('data', (d) => { socket.destroy(); resolve(d.toString().startsWith('@RSYNCD:')); });
    socket.once('error', () => resolve(false));
  });
}

/** ms from `start()` until the greeting arrives (10 s at most). */
async function timeToAnswer(start: () => ChildProcess | void): Promise<number> {
  const t0 = process.hrtime.bigint();
  start();
  for (let i = 0; i < 5000; i++) {
    if (await greeting()) return Number(process.hrtime.bigint() - t0) / 1e6;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error('no answer within 10 s');
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runHardenBench(): Promise<Row[]> {
  if (!ensurePackage('rsync', 'rsync')) return [{ bench: 'hardened service start to first answer', subject: 'rsync', value: '-', note: 'rsync unavailable' }];
  const dir = mkdtempSync(join(tmpdir(), 'jailctl-harden-bench-'));
  spawnSync('chmod', ['755', dir]);
  try {
    return await measure(dir);
  } finally {
    spawnSync(process.execPath, [CLI, 'service', 'rsb', 'stop', ...options(dir)]);
    rmSync(dir, { recursive: true, force: true });
  }
}

function options(dir: string): string[] {
  return ['--initd', join(dir, 'initd'), '--state', join(dir, 'state'), '--config', join(dir, 'config'), '--overlays', join(dir, 'overlays'), '--procd-dir', join(dir, 'procd')];
}

async function measure(dir: string): Promise<Row[]> {
  for (const sub of ['initd', 'state', 'config', 'share']) mkdirSync(join(dir, sub));
  copyFileSync(join(REPO, 'test', 'fixtures', 'initd', 'rsyncd-harden'), join(dir, 'initd', 'rsb'));
  const conf = join(dir, 'rsyncd.conf');
  writeFileSync(conf, `use chroot = yes\nuid = nobody\ngid = nogroup\n[pub]\n\tpath = ${join(dir, 'share')}\n\tread only = yes\n`);
  writeFileSync(join(dir, 'config', 'jcrsyncd'), `config rsyncd 'main'\n\toption conf '${conf}'\n\toption listen '${HOST}'\n\toption port '873'\n`);
  const service = (...args: string[]) => spawnSync(process.execPath, [CLI, 'service', 'rsb', ...args, ...options(dir)], { encoding: 'utf8' });
  const harden = spawn(process.execPath, [CLI, 'service', 'rsb', 'harden', '--for', '2', ...options(dir)], { stdio: 'ignore' });
  await timeToAnswer(() => undefined);
  await new Promise((r) => harden.once('exit', r));
  const overlay = JSON.parse(readFileSync(join(dir, 'overlays', 'rsb.json'), 'utf8')).instances.instance1 as { ro: string[]; rw: string[]; seccomp: string };
  const argv = ['/usr/bin/rsync', '--daemon', '--no-detach', `--config=${conf}`, `--address=${HOST}`, '--port=873'];
  const subjects: [string, () => Promise<number>][] = [
    ['jailctl service start (hardened)', async () => { const ms = await timeToAnswer(() => { spawn(process.execPath, [CLI, 'service', 'rsb', 'start', ...options(dir)], { stdio: 'ignore' }); }); await waitStarted(service); service('stop'); return ms; }],
    ['jailctl run (same binds, caps, profile)', () => foreground([process.execPath, CLI, 'run', '--dev', '--caps', join(dir, 'procd', 'capabilities', 'rsb.json'), '--seccomp', overlay.seccomp, ...overlay.ro.flatMap((p) => ['--ro', p]), ...overlay.rw.flatMap((p) => ['--rw', p]), '--', ...argv])],
  ];
  if (ensurePackage('bwrap', 'bubblewrap')) {
    subjects.push(['bwrap (pid, ipc, uts; /usr /etc and the folder read-only)', () => foreground(['bwrap', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--die-with-parent', '--ro-bind', '/usr', '/usr', '--ro-bind', '/etc', '/etc', '--ro-bind', dir, dir,
      '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64', '--symlink', 'usr/bin', '/bin', '--dev', '/dev', '--proc', '/proc',
      '--cap-drop', 'ALL', '--cap-add', 'CAP_NET_BIND_SERVICE', '--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID', '--cap-add', 'CAP_SYS_CHROOT', '--', ...argv])]);
  }
  const times = new Map<string, number[]>(subjects.map(([s]) => [s, []]));
  for (let round = 0; round < ROUNDS; round++) for (const [subject, time] of subjects) times.get(subject)!.push(await time());
  const hardened = median(times.get(subjects[0]![0])!);
  return subjects.map(([subject]) => {
    const m = median(times.get(subject)!);
    return { bench: 'hardened service start to first answer (rsync)', subject, value: `${m.toFixed(1)} ms`, note: subject === subjects[0]![0] ? `median of ${ROUNDS}` : `hardened service start: ${(hardened / m).toFixed(2)}x this` };
  });
}

/** A daemon in the foreground: time to its answer, then SIGTERM and wait. */
async function foreground(argv: string[]): Promise<number> {
  let child: ChildProcess | undefined;
  const ms = await timeToAnswer(() => (child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' })));
  const exited = new Promise((r) => child!.once('exit', r));
  child!.kill('SIGTERM');
  await exited;
  return ms;
}

async function waitStarted(service: (...args: string[]) => { stdout: string }): Promise<void> {
  for (let i = 0; i < 200 && !/running/.test(service('status').stdout); i++) await new Promise((r) => setTimeout(r, 25));
}
