// The failsafe listener (`jailctl failsafe listen`, which becomes the C daemon) beside its peers,
// measured in the same run: resident memory next to a minimal C UDP listener (bench/udp-listener.c,
// dynamic glibc) and a Node.js UDP listener (what the TypeScript listener was built on: 46.6 MiB
// in issue 13); under a bounded junk flood on loopback: packets dropped per second and CPU per
// packet, the Node.js listener's too; and the time from the end of a 100k-packet flood to a
// successful trigger (target: under 1 s). Loopback only; every loop is bounded.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTrigger } from '../src/failsafe/client.js';
import { Action, deriveKeys, encodeChallenge } from '../src/failsafe/protocol.js';
import type { Row } from './table.js';

const CLI = fileURLToPath(new URL('../../dist/jailctl.cjs', import.meta.url));
const C_PEER = fileURLToPath(new URL('../../bench/udp-listener.c', import.meta.url));
const FLOOD = 100_000;
const IN_FLIGHT = 256;
const KEY_HEX = randomBytes(32).toString('hex');
const CLK_TCK = 100;
/** The Node.js peer: a dgram listener that computes one HMAC per packet, as a verifier would. */
const NODE_PEER = `const c=require('node:crypto');const s=require('node:dgram').createSocket('udp4');let n=0;
s.on('message',(m)=>{n++;c.createHmac('sha256',m).update(m).digest()});
s.bind(+process.argv[1],'127.0.0.1',()=>console.log('listening on udp'));process.on('SIGTERM',()=>{console.log('packets seen: '+n);process.exit(0)})`;

interface Running {
  child: ChildProcess;
  stdout: () => string;
}

type Subject = 'daemon' | 'c-peer' | 'node-peer';

async function start(subject: Subject, dir: string, port: number): Promise<Running> {
  const config = join(dir, 'system');
  writeFileSync(config, `config failsafe 'failsafe'\n\toption key '${KEY_HEX}'\n`);
  const argv = subject === 'daemon'
    ? [process.execPath, CLI, 'failsafe', 'listen', '--config', config, '--udp', `127.0.0.1:${port}`, '--flag', join(dir, 'flag'), '--reboot-cmd', '']
    : subject === 'c-peer' ? [join(dir, 'udp-listener'), String(port)] : [process.execPath, '-e', NODE_PEER, String(port)];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 500 && !out.includes('listening on'); i++) await sleep(20);
  if (!out.includes('listening on')) throw new Error(`${subject} did not start: ${out}`);
  await sleep(200); // settled: the daemon's pid was Node's until the exec
  return { child, stdout: () => out };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** utime + stime of a process, in seconds (/proc/PID/stat fields 14 and 15). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function memoryKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
}

/** Sends `count` packets from `make(i)` with at most IN_FLIGHT sends pending. */
async function flood(socket: Socket, port: number, count: number, make: (i: number) => Buffer): Promise<void> {
  let pending = 0;
  for (let i = 0; i < count; i++) {
    while (pending >= IN_FLIGHT) await new Promise((r) => setImmediate(r));
    pending++;
    socket.send(make(i), port, '127.0.0.1', () => pending--);
  }
  while (pending > 0) await new Promise((r) => setImmediate(r));
}

/** Waits until the listener's CPU time stops growing; returns when it last grew (ms, ±10). */
async function waitIdle(pid: number): Promise<number> {
  let last = cpuSeconds(pid);
  let lastChange = performance.now();
  for (let i = 0; i < 1000; i++) {
    await sleep(10);
    const now = cpuSeconds(pid);
    if (now !== last) {
      last = now;
      lastChange = performance.now();
    } else if (performance.now() - lastChange > 200) {
      break;
    }
  }
  return lastChange;
}

/** Stops the listener; the number of packets it says it saw. */
async function stopAndCount(l: Running): Promise<number> {
  const exited = new Promise((r) => l.child.once('exit', r));
  l.child.kill('SIGTERM');
  await exited;
  const line = /packets seen: (.*)/.exec(l.stdout())?.[1] ?? '';
  return [...line.matchAll(/(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
}

function junkMakers(): Record<string, (i: number) => Buffer> {
  const keys = deriveKeys(Buffer.from(KEY_HEX, 'hex'));
  const lookalike = encodeChallenge(keys, randomBytes(16));
  const random = Array.from({ length: 256 }, (_, i) => randomBytes(16 + (i % 100)));
  return {
    'random junk': (i) => random[i % random.length]!,
    'right dev_id, bad tag': (i) => {
      lookalike[20] = i & 0xff;
      lookalike[21] = (i >> 8) & 0xff;
      return lookalike;
    },
  };
}

const mib = (kb: number) => `${(kb / 1024).toFixed(2)} MiB`;

async function memoryRows(dir: string, port: number): Promise<Row[]> {
  const peer = join(dir, 'udp-listener');
  const built = spawnSync('cc', ['-O2', '-o', peer, C_PEER]).status === 0;
  const rss: Partial<Record<Subject, number>> = {};
  for (const subject of ['daemon', 'node-peer', ...(built ? ['c-peer' as const] : [])] as Subject[]) {
    const l = await start(subject, dir, port);
    rss[subject] = memoryKb(l.child.pid!, 'VmRSS');
    await stopAndCount(l);
  }
  const ratio = (kb: number | undefined) => (kb === undefined || rss['c-peer'] === undefined ? '' : `${(kb / rss['c-peer']).toFixed(2)}x the C peer`);
  return [
    { bench: 'failsafe memory', subject: 'listener RSS idle: jailctl-failsafe (C daemon)', value: mib(rss.daemon!), note: ratio(rss.daemon) },
    { bench: 'failsafe memory', subject: 'listener RSS idle: minimal C UDP listener (peer)', value: built ? mib(rss['c-peer']!) : 'skipped', note: built ? 'bench/udp-listener.c, cc -O2, dynamic glibc' : 'cc missing' },
    { bench: 'failsafe memory', subject: 'listener RSS idle: Node.js UDP listener (peer)', value: mib(rss['node-peer']!), note: `${ratio(rss['node-peer'])}; the TypeScript listener was 46.6 MiB` },
  ];
}

async function floodRows(dir: string, port: number, subject: Subject, name: string, make: (i: number) => Buffer): Promise<Row[]> {
  const l = await start(subject, dir, port);
  const pid = l.child.pid!;
  const socket = createSocket('udp4');
  const cpu0 = cpuSeconds(pid);
  const wall0 = performance.now();
  await flood(socket, port, FLOOD, make);
  const wall = ((await waitIdle(pid)) - wall0) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  const hwm = memoryKb(pid, 'VmHWM');
  socket.close();
  const seen = await stopAndCount(l);
  const who = subject === 'daemon' ? 'jailctl-failsafe' : 'Node.js peer';
  const rows: Row[] = [
    { bench: 'failsafe flood', subject: `${who}, ${name}: CPU per packet`, value: `${((cpu / Math.max(seen, 1)) * 1e6).toFixed(1)} µs`, note: `${cpu.toFixed(2)} s CPU for ${seen} packets (${1000 / CLK_TCK} ms ticks)` },
  ];
  if (subject === 'daemon') {
    rows.push({ bench: 'failsafe flood', subject: `${who}, ${name}: packets dropped/s`, value: `${Math.round(seen / wall)}`, note: `${seen} of ${FLOOD} reached it (rest: kernel socket buffer), ${wall.toFixed(2)} s wall` });
    rows.push({ bench: 'failsafe memory', subject: `${who} RSS peak (${name})`, value: mib(hwm) });
  }
  return rows;
}

async function recoveryRow(dir: string, port: number): Promise<Row> {
  const l = await start('daemon', dir, port);
  const socket = createSocket('udp4');
  const makers = Object.values(junkMakers());
  await flood(socket, port, FLOOD, (i) => makers[i % 2]!(i));
  socket.close();
  const begin = performance.now();
  const outcome = await runTrigger({ host: `127.0.0.1:${port}`, key: Buffer.from(KEY_HEX, 'hex'), action: Action.FAILSAFE_REBOOT, timeoutMs: 100, retries: 3 });
  const ms = performance.now() - begin;
  await stopAndCount(l);
  return {
    bench: 'failsafe flood',
    subject: `end of a ${FLOOD / 1000}k-packet flood -> ACK OK`,
    value: outcome.ok ? `${ms.toFixed(0)} ms` : 'failed',
    note: outcome.ok ? `target < 1000 ms: ${ms < 1000 ? 'met' : 'MISSED'}` : outcome.line,
  };
}

export async function runFailsafeBench(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'jailctl-failsafe-bench-'));
  const port = 40_000 + (process.pid % 10_000);
  try {
    const rows = await memoryRows(dir, port);
    const makers = junkMakers();
    for (const [name, make] of Object.entries(makers)) rows.push(...(await floodRows(dir, port, 'daemon', name, make)));
    rows.push(...(await floodRows(dir, port, 'node-peer', 'random junk', makers['random junk']!)));
    rows.push(await recoveryRow(dir, port + 1));
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
