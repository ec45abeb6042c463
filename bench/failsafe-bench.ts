// The failsafe listener under a bounded junk flood on loopback: packets per second it drops,
// CPU per packet, resident memory, and the time from the end of a 100k-packet flood to a
// successful trigger (target: under 1 s). Loopback only; every loop is bounded.
import { spawn, type ChildProcess } from 'node:child_process';
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
const FLOOD = 100_000;
const IN_FLIGHT = 256;
const KEY_HEX = randomBytes(32).toString('hex');
const CLK_TCK = 100;

interface Running {
  child: ChildProcess;
  stdout: () => string;
}

async function startListener(dir: string, port: number): Promise<Running> {
  const config = join(dir, 'system');
  writeFileSync(config, `config failsafe 'failsafe'\n\toption key '${KEY_HEX}'\n`);
  const child = spawn(process.execPath, [CLI, 'failsafe', 'listen', '--config', config, '--udp', `127.0.0.1:${port}`, '--flag', join(dir, 'flag'), '--reboot-cmd', ''], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 500 && !out.includes('listening on'); i++) await sleep(20);
  if (!out.includes('listening on')) throw new Error(`the listener did not start: ${out}`);
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
async function flood(socket: Socket, port: number, count: number, make: (i: number) => Buffer): Promise<number> {
  const start = performance.now();
  let pending = 0;
  for (let i = 0; i < count; i++) {
    while (pending >= IN_FLIGHT) await new Promise((r) => setImmediate(r));
    pending++;
    socket.send(make(i), port, '127.0.0.1', () => pending--);
  }
  while (pending > 0) await new Promise((r) => setImmediate(r));
  return (performance.now() - start) / 1000;
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

async function floodRows(dir: string, port: number, name: string, make: (i: number) => Buffer): Promise<Row[]> {
  const l = await startListener(dir, port);
  const pid = l.child.pid!;
  const rssIdle = memoryKb(pid, 'VmRSS');
  const socket = createSocket('udp4');
  const cpu0 = cpuSeconds(pid);
  const wall0 = performance.now();
  await flood(socket, port, FLOOD, make);
  const wall = ((await waitIdle(pid)) - wall0) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  const hwm = memoryKb(pid, 'VmHWM');
  socket.close();
  const seen = await stopAndCount(l);
  return [
    { bench: 'failsafe flood', subject: `${name}: packets dropped/s`, value: `${Math.round(seen / wall)}`, note: `${seen} of ${FLOOD} reached the listener (rest: kernel socket buffer), ${wall.toFixed(2)} s wall` },
    { bench: 'failsafe flood', subject: `${name}: CPU per packet`, value: `${((cpu / Math.max(seen, 1)) * 1e6).toFixed(1)} µs`, note: `${cpu.toFixed(2)} s CPU (utime+stime, ${1000 / CLK_TCK} ms ticks)` },
    { bench: 'failsafe memory', subject: `listener RSS idle / peak (${name})`, value: `${(rssIdle / 1024).toFixed(1)} / ${(hwm / 1024).toFixed(1)} MiB` },
  ];
}

async function recoveryRow(dir: string, port: number): Promise<Row> {
  const l = await startListener(dir, port);
  const socket = createSocket('udp4');
  const makers = Object.values(junkMakers());
  await flood(socket, port, FLOOD, (i) => makers[i % 2]!(i));
  socket.close();
  const start = performance.now();
  const outcome = await runTrigger({ host: `127.0.0.1:${port}`, key: Buffer.from(KEY_HEX, 'hex'), action: Action.FAILSAFE_REBOOT, timeoutMs: 100, retries: 3 });
  const ms = performance.now() - start;
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
    const rows: Row[] = [];
    for (const [name, make] of Object.entries(junkMakers())) rows.push(...(await floodRows(dir, port, name, make)));
    rows.push(await recoveryRow(dir, port + 1));
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
