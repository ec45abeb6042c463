// The listener rules of FAILSAFE.md, one by one, with an injected clock and random source.
import t from 'tap';
import { AckStatus, Action, PacketType, decodePacket, encodeChallenge, encodeNonce, encodeRescueParam, encodeTrigger, verifyTag } from '../../../src/failsafe/protocol.js';
import { MAX_SLOTS, REPLY_RATE, SEEN_NONCES, VERIFY_RATE, Verifier, type Verdict } from '../../helpers/failsafe-reference.js';
import { FakeClock, OTHER_KEY_HEX, keysOf, seededRandom } from '../../helpers/failsafe.js';

function setup(enabled = { failsafe: true, rescue: false }) {
  const clock = new FakeClock();
  const rng = seededRandom(7);
  const deviceKeys = keysOf();
  const verifier = new Verifier({ keys: deviceKeys, now: clock.now, random: (n) => rng.bytes(n), enabled });
  const admin = keysOf();
  let counter = 0;
  const challenge = () => {
    const clientNonce = Buffer.alloc(16, 0);
    clientNonce.writeUInt32BE(++counter);
    return { clientNonce, bytes: encodeChallenge(admin, clientNonce) };
  };
  /** CHALLENGE -> NONCE; returns what a TRIGGER needs */
  const handshake = () => {
    const c = challenge();
    const v = verifier.receive(c.bytes);
    if (v.kind !== 'reply') throw new Error(`expected a NONCE, got ${JSON.stringify(v)}`);
    return { clientNonce: c.clientNonce, serverNonce: v.bytes.subarray(32, 48), nonce: v.bytes };
  };
  const trigger = (h: { clientNonce: Buffer; serverNonce: Buffer }, action = Action.FAILSAFE_REBOOT, param: Buffer = Buffer.alloc(16)) =>
    encodeTrigger(admin, action, h.clientNonce, h.serverNonce, param);
  return { clock, verifier, deviceKeys, admin, challenge, handshake, trigger };
}

const dropped = (v: Verdict) => (v.kind === 'drop' ? v.reason : `not dropped: ${v.kind}`);

t.test('full exchange: CHALLENGE -> NONCE -> TRIGGER -> act -> ACK OK', async (t) => {
  const s = setup();
  const h = s.handshake();
  const nonce = decodePacket(h.nonce);
  t.match(nonce, { type: PacketType.NONCE, ttlMs: 30_000 });
  t.ok(verifyTag(s.admin.d2c, h.nonce), 'NONCE signed with K_d2c');
  const trig = s.trigger(h);
  const v = s.verifier.receive(trig);
  t.match(v, { kind: 'act', action: Action.FAILSAFE_REBOOT });
  const ack = s.verifier.finish(AckStatus.OK);
  t.equal(ack.length, 80);
  t.ok(verifyTag(s.admin.d2c, ack));
  t.match(decodePacket(ack), { type: PacketType.ACK, status: AckStatus.OK, serverNonce: h.serverNonce });
  t.ok(s.verifier.triggered);
  t.ok(s.deviceKeys.c2d.every((b) => b === 0) && s.deviceKeys.d2c.every((b) => b === 0), 'derived keys zeroed after the trigger');
});

t.test('after a trigger only the identical TRIGGER gets the same ACK; everything else is dropped', async (t) => {
  const s = setup();
  const h = s.handshake();
  const trig = s.trigger(h);
  s.verifier.receive(trig);
  const ack = s.verifier.finish(AckStatus.OK);
  const again = s.verifier.receive(trig);
  t.same(again, { kind: 'reply', bytes: ack }, 'identical ACK re-sent');
  t.equal(dropped(s.verifier.receive(s.challenge().bytes)), 'done', 'new CHALLENGE ignored');
  const other = Buffer.from(trig);
  other[20] = other[20]! ^ 1;
  t.equal(dropped(s.verifier.receive(other)), 'done', 'a different TRIGGER ignored');
});

t.test('replay: the same CHALLENGE twice, and a TRIGGER after a restart', async (t) => {
  const s = setup();
  const c = s.challenge();
  t.equal(s.verifier.receive(c.bytes).kind, 'reply');
  t.equal(dropped(s.verifier.receive(c.bytes)), 'seen', 'client nonce among the last 64');
  const h = s.handshake();
  const trig = s.trigger(h);
  const restarted = setup().verifier;
  t.equal(dropped(restarted.receive(trig)), 'no-slot', 'nonces live in memory only');
});

t.test('only the last 64 client nonces are remembered (bounded)', async (t) => {
  const s = setup();
  const first = s.challenge();
  s.verifier.receive(first.bytes);
  for (let i = 0; i < SEEN_NONCES; i++) {
    s.clock.advance(1000);
    s.verifier.receive(s.challenge().bytes);
  }
  s.clock.advance(1000);
  t.equal(s.verifier.receive(first.bytes).kind, 'reply', 'the 65th-oldest nonce is forgotten');
});

t.test('wrong key: dropped at the tag check, nothing sent', async (t) => {
  const s = setup();
  const wrong = keysOf(OTHER_KEY_HEX);
  const forged = encodeChallenge({ ...wrong, devId: s.admin.devId }, Buffer.alloc(16, 1));
  t.equal(dropped(s.verifier.receive(forged)), 'tag');
  t.equal(dropped(s.verifier.receive(encodeChallenge(wrong, Buffer.alloc(16, 2)))), 'dev-id', "another device's dev_id");
});

t.test('forged, mismatched and expired nonces', async (t) => {
  const s = setup();
  const h = s.handshake();
  t.equal(dropped(s.verifier.receive(s.trigger({ ...h, serverNonce: Buffer.alloc(16, 9) }))), 'no-slot', 'forged server nonce');
  t.equal(dropped(s.verifier.receive(s.trigger({ ...h, clientNonce: Buffer.alloc(16, 9) }))), 'no-slot', 'other client nonce');
  s.clock.advance(30_000);
  t.equal(dropped(s.verifier.receive(s.trigger(h))), 'no-slot', 'expired at exactly 30 s');
  const h2 = s.handshake();
  s.clock.advance(29_999);
  t.equal(s.verifier.receive(s.trigger(h2)).kind, 'act', 'still live just before');
});

t.test('a NONCE or ACK sent to the device is dropped before any MAC work', async (t) => {
  const s = setup();
  t.equal(dropped(s.verifier.receive(encodeNonce(s.admin, Buffer.alloc(16), Buffer.alloc(16), 1))), 'type');
  t.equal(s.verifier.counts.tag, 0);
});

t.test('nonce reuse: IOERR spends the slot; REFUSED answers a retransmission again', async (t) => {
  const s = setup();
  const h = s.handshake();
  const trig = s.trigger(h);
  s.verifier.receive(trig);
  t.match(decodePacket(s.verifier.finish(AckStatus.IOERR)), { status: AckStatus.IOERR });
  t.equal(dropped(s.verifier.receive(trig)), 'no-slot', 'the slot is gone after IOERR');
  const r = setup({ failsafe: false, rescue: false });
  const hr = r.handshake();
  const refused = r.verifier.receive(r.trigger(hr));
  t.equal(refused.kind, 'reply');
  if (refused.kind === 'reply') t.match(decodePacket(refused.bytes), { type: PacketType.ACK, status: AckStatus.REFUSED });
  t.equal(r.verifier.receive(r.trigger(hr)).kind, 'reply', 'a retransmission gets REFUSED again');
  t.notOk(r.verifier.triggered);
});

t.test('RESCUE disabled by configuration: ACK REFUSED; enabled: act with the param', async (t) => {
  const param = encodeRescueParam({ allowedIpv4: '10.0.0.2', port: 2222, seconds: 60 });
  const off = setup();
  const v = off.verifier.receive(off.trigger(off.handshake(), Action.RESCUE, param));
  t.equal(v.kind, 'reply');
  const on = setup({ failsafe: false, rescue: true });
  t.match(on.verifier.receive(on.trigger(on.handshake(), Action.RESCUE, param)), { kind: 'act', action: Action.RESCUE, param });
});

t.test(`at most ${MAX_SLOTS} slots, the oldest evicted`, async (t) => {
  const s = setup();
  const hs = Array.from({ length: MAX_SLOTS + 1 }, () => {
    s.clock.advance(600);
    return s.handshake();
  });
  t.equal(dropped(s.verifier.receive(s.trigger(hs[0]!))), 'no-slot', 'oldest evicted');
  t.equal(s.verifier.receive(s.trigger(hs[1]!)).kind, 'act');
});

t.test(`tag checks are rate limited (${VERIFY_RATE.perSecond}/s, burst ${VERIFY_RATE.burst})`, async (t) => {
  const s = setup();
  const bad = Buffer.from(s.challenge().bytes);
  bad[70] = bad[70]! ^ 1;
  for (let i = 0; i < VERIFY_RATE.burst; i++) t.equal(dropped(s.verifier.receive(bad)), 'tag');
  t.equal(dropped(s.verifier.receive(bad)), 'verify-rate');
  s.clock.advance(1000 / VERIFY_RATE.perSecond);
  t.equal(dropped(s.verifier.receive(bad)), 'tag', 'one token back after 20 ms');
  t.equal(dropped(s.verifier.receive(bad)), 'verify-rate');
  const junk = Buffer.alloc(96, 0x41);
  t.equal(dropped(s.verifier.receive(junk)), 'malformed', 'structural junk never touches the bucket');
});

t.test(`NONCE replies are rate limited (${REPLY_RATE.perSecond}/s, burst ${REPLY_RATE.burst})`, async (t) => {
  const s = setup();
  for (let i = 0; i < REPLY_RATE.burst; i++) t.equal(s.verifier.receive(s.challenge().bytes).kind, 'reply');
  t.equal(dropped(s.verifier.receive(s.challenge().bytes)), 'reply-rate');
  s.clock.advance(1000 / REPLY_RATE.perSecond);
  t.equal(s.verifier.receive(s.challenge().bytes).kind, 'reply');
});

t.test('a flood of authentic-looking junk empties the bucket; a valid trigger works once it ends', async (t) => {
  const s = setup();
  const junk = Buffer.from(s.challenge().bytes);
  junk[80] = junk[80]! ^ 0xff;
  for (let i = 0; i < 100_000; i++) {
    if (i % 1000 === 0) s.clock.advance(1);
    s.verifier.receive(junk);
  }
  t.ok(s.verifier.counts['verify-rate'] > 99_000, 'nearly all refused before HMAC');
  t.ok(s.verifier.counts.tag < 20, `HMACs computed: ${s.verifier.counts.tag}`);
  s.clock.advance(200);
  const h = s.handshake();
  t.equal(s.verifier.receive(s.trigger(h)).kind, 'act');
});

t.test('wipe() zeroes the derived keys', async (t) => {
  const s = setup();
  s.handshake();
  s.verifier.wipe();
  t.ok(s.deviceKeys.c2d.every((b) => b === 0) && s.deviceKeys.d2c.every((b) => b === 0));
});

t.test('no reply is ever larger than its request', async (t) => {
  const s = setup();
  const c = s.challenge();
  const v = s.verifier.receive(c.bytes);
  t.ok(v.kind === 'reply' && v.bytes.length <= c.bytes.length);
  const h = s.handshake();
  const trig = s.trigger(h);
  s.verifier.receive(trig);
  t.ok(s.verifier.finish(AckStatus.OK).length <= trig.length);
});
