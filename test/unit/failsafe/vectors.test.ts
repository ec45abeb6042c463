// test/fixtures/failsafe/vectors.txt against the TypeScript side: node's SHA-256 and HMAC agree
// with the published answers, protocol.ts derives, decodes and tags as recorded, keystore.ts finds
// the same key in every UCI file, and the reference verifier gives every recorded verdict. The C
// daemon's core is held to the same file in test/native/failsafe-vectors.test.ts.
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import t from 'tap';
import { JailctlError } from '../../../src/errors.js';
import { keyFromConfig } from '../../../src/failsafe/keystore.js';
import { AckStatus, PacketType, decodePacket, deriveKeys } from '../../../src/failsafe/protocol.js';
import { parseMaskedUci, wipeSecrets } from '../../../src/failsafe/secret-uci.js';
import { FakeClock } from '../../helpers/failsafe.js';
import { Verifier, type Verdict } from '../../helpers/failsafe-reference.js';
import { VECTORS_FILE, buildVectors } from '../../helpers/failsafe-vectors.js';

const text = readFileSync(VECTORS_FILE, 'utf8');
const records = text.split('\n').map((line, i) => ({ line: i + 1, f: line.split(' ') })).filter((r) => r.f[0] !== '' && !r.f[0]!.startsWith('#'));
const bytes = (field: string | undefined) => (field === '-' || field === undefined ? Buffer.alloc(0) : Buffer.from(field, 'hex'));
const of = (kind: string) => records.filter((r) => r.f[0] === kind);

t.test('the file is what test/helpers/failsafe-vectors.ts writes', async (t) => {
  t.equal(text, buildVectors(), 'regenerate: node build-test/test/helpers/failsafe-vectors.js --write');
});

t.test('SHA-256 and HMAC-SHA256: the NIST and RFC 4231 answers', async (t) => {
  for (const { line, f } of of('sha256')) t.equal(createHash('sha256').update(bytes(f[1])).digest('hex'), f[2], `line ${line}`);
  for (const { f } of of('sha256-a-million')) t.equal(createHash('sha256').update(Buffer.alloc(1_000_000, 'a')).digest('hex'), f[1]);
  for (const { line, f } of of('hmac')) {
    const tag = createHmac('sha256', bytes(f[1])).update(bytes(f[2])).digest('hex');
    t.equal(tag.slice(0, f[3]!.length), f[3], `line ${line}`);
  }
  t.ok(of('hmac').length >= 10 && of('sha256').length >= 4);
});

t.test('deriveKeys() and decodePacket()', async (t) => {
  for (const { line, f } of of('derive')) {
    const keys = deriveKeys(bytes(f[1]));
    t.same([keys.c2d.toString('hex'), keys.d2c.toString('hex'), keys.devId.toString('hex')], f.slice(2, 5), `line ${line}`);
  }
  const names: Record<number, string> = { [PacketType.CHALLENGE]: 'challenge', [PacketType.NONCE]: 'nonce', [PacketType.TRIGGER]: 'trigger', [PacketType.ACK]: 'ack' };
  for (const { line, f } of of('decode')) {
    const p = decodePacket(bytes(f[1]));
    t.equal(p === null ? 'malformed' : `ok ${names[p.type]}`, f.slice(2).join(' '), `line ${line}`);
  }
});

/** keystore.ts's answer in the vectors' words: found KEY, missing, invalid LINE, syntax LINE. */
function uciOutcome(file: Buffer): string {
  let masked;
  try {
    masked = parseMaskedUci(Buffer.from(file), 'system');
    const key = keyFromConfig(masked, 'system');
    return `found ${key.toString('hex')}`;
  } catch (err) {
    if (!(err instanceof JailctlError)) throw err;
    const line = /^system:(\d+):/.exec(err.message)?.[1];
    if (err.code === 'FAILSAFE_KEY_MISSING') return 'missing';
    return `${err.code === 'FAILSAFE_KEY_INVALID' ? 'invalid' : 'syntax'} ${line}`;
  } finally {
    wipeSecrets(masked);
  }
}

t.test('the key in UCI files', async (t) => {
  for (const { line, f } of of('uci')) t.equal(uciOutcome(bytes(f[1])), f.slice(2).join(' '), `line ${line}`);
});

/** The verdict in the vectors' words. */
function describe(v: Verdict): string {
  if (v.kind === 'drop') return `drop ${v.reason}`;
  if (v.kind === 'reply') return `reply ${v.bytes.toString('hex')}`;
  return `act ${v.action === 1 ? 'failsafe' : 'rescue'} ${v.param.toString('hex')}`;
}

const STATUS: Record<string, AckStatus> = { ok: AckStatus.OK, refused: AckStatus.REFUSED, ioerr: AckStatus.IOERR };

t.test('every scenario, step by step, through the reference verifier', async (t) => {
  let verifier: Verifier | undefined;
  let keys = deriveKeys(Buffer.alloc(32));
  const clock = new FakeClock();
  const queue: Buffer[] = [];
  let scenarios = 0;
  for (const { line, f } of records) {
    const at = `line ${line}`;
    switch (f[0]) {
      case 'scenario':
        keys = deriveKeys(bytes(f[2]));
        clock.ms = Number(f[5]);
        verifier = new Verifier({ keys, now: clock.now, random: (n) => queue.shift()!.subarray(0, n), enabled: { failsafe: f[3] === '1', rescue: f[4] === '1' } });
        scenarios++;
        break;
      case 'random': queue.push(bytes(f[1])); break;
      case 'recv':
        clock.ms = Number(f[1]);
        t.equal(describe(verifier!.receive(bytes(f[2]))), f.slice(3).join(' '), at);
        break;
      case 'finish': t.equal(verifier!.finish(STATUS[f[1]!]!).toString('hex'), f[2], at); break;
      case 'keys-wiped': t.ok(keys.c2d.every((b) => b === 0) && keys.d2c.every((b) => b === 0), at); break;
      case 'end': t.equal(queue.length, 0, `${at}: every queued nonce was drawn`); break;
    }
  }
  t.ok(scenarios >= 7, `${scenarios} scenarios`);
});
