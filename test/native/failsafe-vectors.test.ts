// The C daemon's pure core (native/failsafe: HMAC-SHA256, codec, UCI key reader, verifier) against
// test/fixtures/failsafe/vectors.txt, the file the TypeScript side passes too
// (test/unit/failsafe/vectors.test.ts): built for this machine, and for every router architecture
// under qemu-user (big-endian mips included). Then both verifiers on the same random traffic.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { AckStatus, Action, deriveKeys, encodeChallenge, encodeTrigger } from '../../src/failsafe/protocol.js';
import { REPO } from '../helpers/jailctl.js';
import { Verifier, type Verdict } from '../helpers/failsafe-reference.js';
import { FakeClock, seededRandom } from '../helpers/failsafe.js';
import { VECTORS_FILE } from '../helpers/failsafe-vectors.js';
import { TARGETS, target } from '../helpers/targets.js';

const HOST_RUNNER = join(REPO, 'build', 'Release', 'failsafe-vectors');
const dir = mkdtempSync(join(tmpdir(), 'jailctl-vectors-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function run(argv: string[], file: string) {
  return spawnSync(argv[0]!, [...argv.slice(1), file], { encoding: 'utf8', timeout: 120_000 });
}

t.test('this machine: every vector passes, and a changed expectation fails naming its line', { skip: existsSync(HOST_RUNNER) ? false : 'build/Release/failsafe-vectors is not built (npm run build:native)' }, async (t) => {
  const r = run([HOST_RUNNER], VECTORS_FILE);
  t.equal(r.status, 0, r.stdout);
  t.match(r.stdout, /^\d{3,} checks, 0 failed$/m);
  const lines = readFileSync(VECTORS_FILE, 'utf8').split('\n');
  const at = lines.findIndex((l) => l.startsWith('recv ') && l.includes(' drop tag'));
  lines[at] = lines[at]!.replace(' drop tag', ' drop seen');
  const changed = join(dir, 'changed.txt');
  writeFileSync(changed, lines.join('\n'));
  const bad = run([HOST_RUNNER], changed);
  t.equal(bad.status, 1);
  t.match(bad.stdout, new RegExp(`changed.txt:${at + 1}: verdict differs: got tag`));
});

for (const arch of TARGETS) {
  const tg = target(arch);
  t.test(`${arch}: every vector passes`, { skip: tg.skip }, async (t) => {
    const r = run(tg.argv('failsafe-vectors', []), VECTORS_FILE);
    t.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    t.match(r.stdout, /checks, 0 failed/);
  });
}

/** Random traffic for one verifier: lookalike and authentic packets, replays, clock jumps; the
 * verdicts are the reference's, and each server nonce it draws is written before its packet. */
function randomScenario(seed: number): string[] {
  const rng = seededRandom(seed);
  const k = rng.bytes(32);
  const keys = deriveKeys(k);
  const clock = new FakeClock(1000);
  const drawn: Buffer[] = [];
  const reference = new Verifier({ keys: deriveKeys(k), now: clock.now, random: (n) => { const b = rng.bytes(n); drawn.push(b); return b; }, enabled: { failsafe: true, rescue: true } });
  const lines = [`scenario random-${seed} ${k.toString('hex')} 1 1 ${clock.ms}`];
  const slots: { cn: Buffer; sn: Buffer }[] = [];
  for (let i = 0; i < 400; i++) {
    clock.advance([0, 1, 7, 20, 499, 500, 5000, 31_000][rng.int(8)]!);
    const packet = randomPacket(rng, keys, slots);
    const verdict: Verdict = reference.receive(packet);
    for (const nonce of drawn.splice(0)) lines.push(`random ${nonce.toString('hex')}`);
    lines.push(`recv ${clock.ms} ${packet.length === 0 ? '-' : packet.toString('hex')} ${describe(verdict)}`);
    if (verdict.kind === 'reply' && verdict.bytes[5] === 2) slots.push({ cn: Buffer.from(verdict.bytes.subarray(16, 32)), sn: Buffer.from(verdict.bytes.subarray(32, 48)) });
    if (verdict.kind === 'act') {
      const status = [AckStatus.OK, AckStatus.REFUSED, AckStatus.IOERR][rng.int(3)]!;
      lines.push(`finish ${['ok', 'refused', 'ioerr'][status]} ${reference.finish(status).toString('hex')}`);
    }
  }
  return [...lines, 'end'];
}

function randomPacket(rng: ReturnType<typeof seededRandom>, keys: ReturnType<typeof deriveKeys>, slots: { cn: Buffer; sn: Buffer }[]): Buffer {
  const pick = rng.int(6);
  let packet: Buffer;
  if (pick <= 1) packet = encodeChallenge(keys, rng.int(3) === 0 && slots.length > 0 ? slots[rng.int(slots.length)]!.cn : rng.bytes(16));
  else if (pick <= 3 && slots.length > 0) {
    const s = slots[rng.int(slots.length)]!;
    const action = rng.int(2) === 0 ? Action.FAILSAFE_REBOOT : Action.RESCUE;
    packet = encodeTrigger(keys, action, s.cn, s.sn, action === Action.RESCUE ? Buffer.concat([rng.bytes(8), Buffer.alloc(8)]) : Buffer.alloc(16));
  } else packet = rng.bytes(rng.int(2) === 0 ? 96 : rng.int(120));
  if (packet.length > 0 && rng.int(5) === 0) {
    const at = rng.int(packet.length);
    packet[at] = packet[at]! ^ (1 << rng.int(8));
  }
  return packet;
}

function describe(v: Verdict): string {
  if (v.kind === 'drop') return `drop ${v.reason}`;
  if (v.kind === 'reply') return `reply ${v.bytes.toString('hex')}`;
  return `act ${v.action === Action.FAILSAFE_REBOOT ? 'failsafe' : 'rescue'} ${v.param.toString('hex')}`;
}

t.test('random traffic: the C verifier gives every verdict the reference gives', { skip: existsSync(HOST_RUNNER) ? false : 'build/Release/failsafe-vectors is not built' }, async (t) => {
  const file = join(dir, 'random.txt');
  const scenarios = [1, 2, 3, 4, 5, 6, 7, 8].map(randomScenario);
  writeFileSync(file, `${scenarios.flat().join('\n')}\n`);
  const text = readFileSync(file, 'utf8');
  t.ok(/ reply /.test(text) && / act /.test(text) && / drop tag/.test(text) && / drop no-slot/.test(text), 'the traffic reaches every rule');
  const r = run([HOST_RUNNER], file);
  t.equal(r.status, 0, r.stdout.split('\n').slice(0, 10).join('\n'));
});
