// Decoder and verifier fuzzing, seeded and bounded: random packets and mutations of valid ones.
// Nothing may throw, and only authentic packets may get a reply, never larger than the request.
import t from 'tap';
import { Action, PACKET_LEN, PacketType, decodePacket, encodeChallenge, encodeTrigger, encodeNonce, encodeAck, AckStatus } from '../../../src/failsafe/protocol.js';
import { Verifier } from '../../helpers/failsafe-reference.js';
import { FakeClock, keysOf, seededRandom } from '../../helpers/failsafe.js';

const ITERATIONS = 20_000;

function verifier(clock: FakeClock, seed: number) {
  const rng = seededRandom(seed);
  return new Verifier({ keys: keysOf(), now: clock.now, random: (n) => rng.bytes(n), enabled: { failsafe: true, rescue: true } });
}

t.test('random packets: no throw, no reply', async (t) => {
  const rng = seededRandom(0xf00d);
  const clock = new FakeClock();
  const v = verifier(clock, 1);
  let replies = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const length = rng.int(4) === 0 ? [80, 96][rng.int(2)]! : rng.int(200);
    const packet = rng.bytes(length);
    if (rng.int(2) === 0 && length >= 8) {
      packet.write('OWFS', 0, 'ascii');
      packet[4] = 1;
      packet[5] = 1 + rng.int(4);
    }
    decodePacket(packet);
    if (v.receive(packet).kind !== 'drop') replies++;
    clock.advance(rng.int(5));
  }
  t.equal(replies, 0);
});

t.test('mutated valid packets: no throw; a reply only for an unmodified authentic packet', async (t) => {
  const rng = seededRandom(0xbeef);
  const clock = new FakeClock();
  const keys = keysOf();
  const seeds = [
    encodeChallenge(keys, rng.bytes(16)),
    encodeTrigger(keys, Action.FAILSAFE_REBOOT, rng.bytes(16), rng.bytes(16), Buffer.alloc(16)),
    encodeNonce(keys, rng.bytes(16), rng.bytes(16), 30_000),
    encodeAck(keys, Action.RESCUE, rng.bytes(16), AckStatus.OK),
  ];
  const v = verifier(clock, 2);
  let unexpected = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const base = seeds[rng.int(seeds.length)]!;
    let packet = Buffer.from(base);
    switch (rng.int(4)) {
      case 0: { const at = rng.int(packet.length); packet[at] = packet[at]! ^ (1 << rng.int(8)); break; }
      case 1: packet[rng.int(packet.length)] = rng.int(256); break;
      case 2: packet = packet.subarray(0, rng.int(packet.length)); break;
      default: packet = Buffer.concat([packet, rng.bytes(1 + rng.int(8))]);
    }
    decodePacket(packet);
    const verdict = v.receive(packet);
    if (verdict.kind === 'reply' && verdict.bytes.length > packet.length) unexpected++;
    if (verdict.kind !== 'drop' && !packet.equals(base)) unexpected++;
    clock.advance(25);
  }
  t.equal(unexpected, 0);
  t.ok(Object.values(PACKET_LEN).includes(96) && PacketType.ACK === 4);
});
