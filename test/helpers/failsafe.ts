// Shared pieces of the failsafe tests: a fixed key, a seeded PRNG, a fake monotonic clock, a
// client that speaks the protocol from the test itself, and a UDP probe that records replies.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, REPO } from './jailctl.js';
import { Action, deriveKeys, encodeChallenge, encodeTrigger, type DerivedKeys } from '../../src/failsafe/protocol.js';

export const KEY_HEX = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
export const OTHER_KEY_HEX = 'ff'.repeat(32);

export function keysOf(hex = KEY_HEX): DerivedKeys {
  return deriveKeys(Buffer.from(hex, 'hex'));
}

/** xorshift32: reproducible "random" bytes for fuzzing and fake nonces. */
export function seededRandom(seed: number): { next(): number; bytes(n: number): Buffer; int(max: number): number } {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return {
    next,
    bytes: (n) => Buffer.from(Array.from({ length: n }, () => next() & 0xff)),
    int: (max) => next() % max,
  };
}

export class FakeClock {
  constructor(public ms = 1_000) {}
  now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export function tempDir(prefix = 'jailctl-failsafe-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A UCI file holding `key` (and any extra option lines) in a fresh directory. */
export function writeConfig(dir: string, extra = '', key = KEY_HEX): string {
  const path = join(dir, 'system');
  writeFileSync(path, `config system\n\toption hostname 'OpenWrt'\n\nconfig failsafe 'failsafe'\n\toption key '${key}'\n${extra}`);
  return path;
}

export interface Exchange {
  sent: Buffer[];
  replies: { request: Buffer; reply: Buffer }[];
}

/**
 * A UDP peer driven by the test: send bytes to host:port and collect what comes back within
 * `ms`, remembering every request/reply pair (so sizes can be compared).
 */
export async function openProbe(port: number, host = '127.0.0.1') {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const inbox: Buffer[] = [];
  socket.on('message', (msg) => inbox.push(msg));
  const log: { request: Buffer; replies: Buffer[] }[] = [];
  /** For a request that must stay unanswered: everything that arrives within `ms`. */
  const send = async (bytes: Buffer, ms = 300): Promise<Buffer[]> => {
    inbox.length = 0;
    await new Promise<void>((resolve) => socket.send(bytes, port, host, () => resolve()));
    await new Promise((r) => setTimeout(r, ms));
    const got = [...inbox];
    log.push({ request: bytes, replies: got });
    return got;
  };
  /** For a request that must be answered: waits for the first reply (up to `ms`, as a loaded
   * machine may be slow), then a little more for any further one. */
  const request = async (bytes: Buffer, ms = 5000): Promise<Buffer[]> => {
    inbox.length = 0;
    await new Promise<void>((resolve) => socket.send(bytes, port, host, () => resolve()));
    for (const start = Date.now(); inbox.length === 0 && Date.now() - start < ms; ) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    const got = [...inbox];
    log.push({ request: bytes, replies: got });
    return got;
  };
  const blast = (bytes: Buffer) => new Promise<void>((resolve) => socket.send(bytes, port, host, () => resolve()));
  socket.unref(); // a test that fails half-way must not hang its file on this socket
  return { send, request, blast, log, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}

export function newChallenge(keys: DerivedKeys): { clientNonce: Buffer; bytes: Buffer } {
  const clientNonce = randomBytes(16);
  return { clientNonce, bytes: encodeChallenge(keys, clientNonce) };
}

export function newTrigger(keys: DerivedKeys, clientNonce: Buffer, nonceReply: Buffer, action = Action.FAILSAFE_REBOOT, param = Buffer.alloc(16)): Buffer {
  return encodeTrigger(keys, action, clientNonce, nonceReply.subarray(32, 48), param);
}

export const HOOK = join(REPO, 'init.d/preinit/35_check_failsafe_flag');

/**
 * Sources the preinit hook under busybox sh the way preinit does (boot_hook_add defined), runs
 * it on `flag` and reports FAILSAFE. `wrap` runs the shell through another command (unshare ...).
 */
export function runHook(flag: string, wrap: string[] = []): { failsafe: string; stdout: string; registered: string; code: number | null } {
  const script = `
    boot_hook_add() { echo "registered $1 $2" >&2; }
    . "${HOOK}"
    check_failsafe_flag
    echo "FAILSAFE=$FAILSAFE"`;
  const argv = [...wrap, 'busybox', 'sh', '-c', script];
  const r = spawnSync(argv[0]!, argv.slice(1), { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', FAILSAFE_FLAG: flag }, encoding: 'utf8' });
  return { failsafe: /FAILSAFE=(.*)/.exec(r.stdout)?.[1] ?? '', stdout: r.stdout, registered: r.stderr.trim(), code: r.status };
}

/** Like startJailctl, run through `prefix` (e.g. ip netns exec NS). */
export function startJailctlIn(prefix: string[], args: string[]) {
  const argv = [...prefix, process.execPath, CLI, ...args];
  const child = spawn(argv[0]!, argv.slice(1), { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  const waitFor = async (text: string, ms = 10_000): Promise<void> => {
    const start = Date.now();
    while (!stdout.includes(text)) {
      if (Date.now() - start > ms || child.exitCode !== null) throw new Error(`no ${JSON.stringify(text)}: stdout=${stdout} stderr=${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { child, done, waitFor, output: () => ({ stdout, stderr }) };
}
