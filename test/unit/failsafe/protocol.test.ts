// The wire format of FAILSAFE.md, byte for byte: sizes, field offsets, MAC inputs, key labels.
import { createHmac } from 'node:crypto';
import t from 'tap';
import {
  AckStatus, Action, PacketType, decodePacket, decodeRescueParam, deriveKeys, encodeAck, encodeChallenge,
  encodeNonce, encodeRescueParam, encodeTrigger, parseIpv4, verifyTag, wipeKeys,
} from '../../../src/failsafe/protocol.js';
import { KEY_HEX, keysOf } from '../../helpers/failsafe.js';

const K = Buffer.from(KEY_HEX, 'hex');
const cn = Buffer.alloc(16, 0xc1);
const sn = Buffer.alloc(16, 0x5e);
const hmac = (key: Buffer, data: Buffer | string) => createHmac('sha256', key).update(data).digest();

t.test('deriveKeys(): HMAC-SHA256 of K over the ASCII labels, dev_id = 8 bytes', async (t) => {
  const keys = deriveKeys(K);
  t.same(keys.c2d, hmac(K, 'owfs1 c2d'));
  t.same(keys.d2c, hmac(K, 'owfs1 d2c'));
  t.same(keys.devId, hmac(K, 'owfs1 id').subarray(0, 8));
  wipeKeys(keys);
  t.ok(keys.c2d.every((b) => b === 0) && keys.d2c.every((b) => b === 0), 'wipeKeys zeroes both direction keys');
});

t.test('CHALLENGE: 96 bytes, header, client nonce, zero pad, tag under K_c2d', async (t) => {
  const keys = keysOf();
  const p = encodeChallenge(keys, cn);
  t.equal(p.length, 96);
  t.equal(p.subarray(0, 4).toString('ascii'), 'OWFS');
  t.same([...p.subarray(4, 8)], [1, PacketType.CHALLENGE, 0, 0]);
  t.same(p.subarray(8, 16), keys.devId);
  t.same(p.subarray(16, 32), cn);
  t.ok(p.subarray(32, 64).every((b) => b === 0));
  t.same(p.subarray(64), hmac(keys.c2d, p.subarray(0, 64)));
  t.ok(verifyTag(keys.c2d, p));
  t.notOk(verifyTag(keys.d2c, p), 'direction keys are separate');
});

t.test('NONCE: client nonce, server nonce, ttl_ms u32 big-endian, zero[12], tag under K_d2c', async (t) => {
  const keys = keysOf();
  const p = encodeNonce(keys, cn, sn, 30_000);
  t.equal(p.length, 96);
  t.equal(p[5], PacketType.NONCE);
  t.same(p.subarray(32, 48), sn);
  t.equal(p.readUInt32BE(48), 30_000);
  t.ok(p.subarray(52, 64).every((b) => b === 0));
  t.same(p.subarray(64), hmac(keys.d2c, p.subarray(0, 64)));
  t.match(decodePacket(p), { type: PacketType.NONCE, ttlMs: 30_000 });
});

t.test('TRIGGER: action byte, both nonces, param inside the MAC', async (t) => {
  const keys = keysOf();
  const param = encodeRescueParam({ allowedIpv4: '192.168.1.10', port: 22, seconds: 300 });
  const p = encodeTrigger(keys, Action.RESCUE, cn, sn, param);
  t.equal(p.length, 96);
  t.equal(p[6], Action.RESCUE);
  t.same(p.subarray(48, 64), param);
  t.same([...param.subarray(0, 8)], [192, 168, 1, 10, 0, 22, 1, 44]);
  t.same(p.subarray(64), hmac(keys.c2d, p.subarray(0, 64)));
  const changed = Buffer.from(p);
  changed[50] = 99;
  t.notOk(verifyTag(keys.c2d, changed), 'changing the allowed address breaks the tag');
  t.same(decodeRescueParam(param), { allowedIpv4: '192.168.1.10', port: 22, seconds: 300 });
});

t.test('ACK: 80 bytes, server nonce, status, zero[15]', async (t) => {
  const keys = keysOf();
  const p = encodeAck(keys, Action.FAILSAFE_REBOOT, sn, AckStatus.IOERR);
  t.equal(p.length, 80);
  t.same(p.subarray(16, 32), sn);
  t.equal(p[32], AckStatus.IOERR);
  t.ok(p.subarray(33, 48).every((b) => b === 0));
  t.same(p.subarray(48), hmac(keys.d2c, p.subarray(0, 48)));
  t.match(decodePacket(p), { type: PacketType.ACK, status: AckStatus.IOERR, action: Action.FAILSAFE_REBOOT });
});

t.test('decodePacket() refuses every structural defect', async (t) => {
  const keys = keysOf();
  const good = encodeTrigger(keys, Action.FAILSAFE_REBOOT, cn, sn, Buffer.alloc(16));
  t.ok(decodePacket(good));
  const mutate = (at: number, value: number) => {
    const b = Buffer.from(good);
    b[at] = value;
    return decodePacket(b);
  };
  t.equal(mutate(0, 0x6f), null, 'magic');
  t.equal(mutate(4, 2), null, 'version');
  t.equal(mutate(5, 9), null, 'unknown type');
  t.equal(mutate(5, PacketType.ACK), null, 'length of another type');
  t.equal(mutate(6, 3), null, 'unknown action');
  t.equal(mutate(7, 1), null, 'flags');
  t.equal(mutate(48, 1), null, 'FAILSAFE_REBOOT param must be zero');
  t.equal(decodePacket(good.subarray(0, 95)), null, 'short');
  t.equal(decodePacket(Buffer.concat([good, Buffer.alloc(1)])), null, 'long');
  t.equal(decodePacket(Buffer.alloc(0)), null, 'empty');
  const challenge = Buffer.from(encodeChallenge(keys, cn));
  challenge[40] = 1;
  t.equal(decodePacket(challenge), null, 'CHALLENGE pad');
  challenge[40] = 0;
  challenge[6] = 1;
  t.equal(decodePacket(challenge), null, 'CHALLENGE action byte must be 0');
  const rescue = Buffer.from(encodeTrigger(keys, Action.RESCUE, cn, sn, encodeRescueParam({ allowedIpv4: '10.0.0.1', port: 1, seconds: 1 })));
  t.ok(decodePacket(rescue));
  rescue[63] = 1;
  t.equal(decodePacket(rescue), null, 'RESCUE param ends in zero[8]');
});

t.test('parseIpv4() takes dotted quads only', async (t) => {
  t.same(parseIpv4('10.0.0.1'), Uint8Array.of(10, 0, 0, 1));
  for (const bad of ['10.0.0', '10.0.0.256', '010.0.0.1', '1.2.3.4.5', 'a.b.c.d', '']) t.equal(parseIpv4(bad), null, bad);
  t.throws(() => encodeRescueParam({ allowedIpv4: 'fe80::1', port: 22, seconds: 1 }));
});
