// Failsafe protocol v1 (FAILSAFE.md): constants, key derivation, packet encode/decode and tags.
// Pure: no I/O, no clock, no randomness (callers pass nonces in). decodePacket checks structure
// only (rule 1 minus dev_id and accepted types); tags are checked by verifyTag in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const MAGIC = Buffer.from('OWFS', 'ascii');
export const VERSION = 0x01;
export const ETHERTYPE = 0x88b5;
export const DEFAULT_UDP_PORT = 4919;
export const KEY_LEN = 32;
export const DEV_ID_LEN = 8;
export const NONCE_LEN = 16;
export const PARAM_LEN = 16;
export const TAG_LEN = 32;
export const HEADER_LEN = 16;
/** Slot lifetime, also sent as ttl_ms in NONCE. */
export const SLOT_TTL_MS = 30_000;

export enum PacketType { CHALLENGE = 1, NONCE = 2, TRIGGER = 3, ACK = 4 }
export enum Action { FAILSAFE_REBOOT = 1, RESCUE = 2 }
export enum AckStatus { OK = 0, REFUSED = 1, IOERR = 2 }

/** Total length of each packet type. */
export const PACKET_LEN: Readonly<Record<PacketType, number>> = { 1: 96, 2: 96, 3: 96, 4: 80 };
/** The largest packet of the protocol (receive buffers need no more). */
export const MAX_PACKET_LEN = 96;

/** K_c2d signs admin -> device (CHALLENGE, TRIGGER), K_d2c device -> admin (NONCE, ACK). */
export interface DerivedKeys {
  c2d: Buffer;
  d2c: Buffer;
  devId: Buffer;
}

export type Packet =
  | { type: PacketType.CHALLENGE; devId: Buffer; clientNonce: Buffer }
  | { type: PacketType.NONCE; devId: Buffer; clientNonce: Buffer; serverNonce: Buffer; ttlMs: number }
  | { type: PacketType.TRIGGER; devId: Buffer; action: Action; clientNonce: Buffer; serverNonce: Buffer; param: Buffer }
  | { type: PacketType.ACK; devId: Buffer; action: Action; serverNonce: Buffer; status: AckStatus };

export interface RescueParam {
  allowedIpv4: string;
  port: number;
  seconds: number;
}

function hmac(key: Uint8Array, data: Uint8Array): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** Derives the direction keys and dev_id from K (ASCII labels, no terminator). The caller zeroes K. */
export function deriveKeys(k: Uint8Array): DerivedKeys {
  const id = hmac(k, Buffer.from('owfs1 id', 'ascii'));
  const devId = Buffer.from(id.subarray(0, DEV_ID_LEN));
  id.fill(0);
  return { c2d: hmac(k, Buffer.from('owfs1 c2d', 'ascii')), d2c: hmac(k, Buffer.from('owfs1 d2c', 'ascii')), devId };
}

/** Zeroes the secret halves of the derived keys (dev_id is public). */
export function wipeKeys(keys: DerivedKeys): void {
  keys.c2d.fill(0);
  keys.d2c.fill(0);
}

/** HMAC-SHA256 over every byte before the tag. */
export function computeTag(key: Uint8Array, packet: Uint8Array): Buffer {
  return hmac(key, packet.subarray(0, packet.length - TAG_LEN));
}

/** Constant-time tag check; `packet` must already have a valid length. */
export function verifyTag(key: Uint8Array, packet: Uint8Array): boolean {
  if (packet.length < HEADER_LEN + TAG_LEN) return false;
  return timingSafeEqual(computeTag(key, packet), packet.subarray(packet.length - TAG_LEN));
}

function seal(type: PacketType, action: number, devId: Uint8Array, body: Uint8Array[], key: Uint8Array): Buffer {
  const out = Buffer.alloc(PACKET_LEN[type]);
  MAGIC.copy(out, 0);
  out[4] = VERSION;
  out[5] = type;
  out[6] = action;
  out[7] = 0;
  out.set(devId.subarray(0, DEV_ID_LEN), 8);
  let at = HEADER_LEN;
  for (const part of body) {
    out.set(part, at);
    at += part.length;
  }
  computeTag(key, out).copy(out, out.length - TAG_LEN);
  return out;
}

export function encodeChallenge(keys: DerivedKeys, clientNonce: Uint8Array): Buffer {
  return seal(PacketType.CHALLENGE, 0, keys.devId, [clientNonce], keys.c2d);
}

export function encodeNonce(keys: DerivedKeys, clientNonce: Uint8Array, serverNonce: Uint8Array, ttlMs: number): Buffer {
  const ttl = Buffer.alloc(4);
  ttl.writeUInt32BE(ttlMs);
  return seal(PacketType.NONCE, 0, keys.devId, [clientNonce, serverNonce, ttl], keys.d2c);
}

export function encodeTrigger(keys: DerivedKeys, action: Action, clientNonce: Uint8Array, serverNonce: Uint8Array, param: Uint8Array): Buffer {
  return seal(PacketType.TRIGGER, action, keys.devId, [clientNonce, serverNonce, param], keys.c2d);
}

export function encodeAck(keys: DerivedKeys, action: Action, serverNonce: Uint8Array, status: AckStatus): Buffer {
  return seal(PacketType.ACK, action, keys.devId, [serverNonce, Uint8Array.of(status)], keys.d2c);
}

function isZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const b of bytes) acc |= b;
  return acc === 0;
}

/** The structural part of rule 1: length for the type, magic, version, flags, action byte, pads. */
export function decodePacket(packet: Buffer): Packet | null {
  if (packet.length < HEADER_LEN + TAG_LEN || packet.length > MAX_PACKET_LEN) return null;
  const type = packet[5] as PacketType;
  if (type < PacketType.CHALLENGE || type > PacketType.ACK || packet.length !== PACKET_LEN[type]) return null;
  if (!packet.subarray(0, 4).equals(MAGIC) || packet[4] !== VERSION || packet[7] !== 0) return null;
  const action = packet[6]!;
  const devId = packet.subarray(8, HEADER_LEN);
  const field = (offset: number, length: number) => packet.subarray(HEADER_LEN + offset, HEADER_LEN + offset + length);
  switch (type) {
    case PacketType.CHALLENGE:
      if (action !== 0 || !isZero(field(16, 32))) return null;
      return { type, devId, clientNonce: field(0, 16) };
    case PacketType.NONCE:
      if (action !== 0 || !isZero(field(36, 12))) return null;
      return { type, devId, clientNonce: field(0, 16), serverNonce: field(16, 16), ttlMs: packet.readUInt32BE(HEADER_LEN + 32) };
    case PacketType.TRIGGER: {
      const param = field(32, 16);
      if (!isValidParam(action, param)) return null;
      return { type, devId, action: action as Action, clientNonce: field(0, 16), serverNonce: field(16, 16), param };
    }
    case PacketType.ACK: {
      const status = packet[HEADER_LEN + 16]!;
      if ((action !== Action.FAILSAFE_REBOOT && action !== Action.RESCUE) || status > AckStatus.IOERR || !isZero(field(17, 15))) return null;
      return { type, devId, action: action as Action, serverNonce: field(0, 16), status: status as AckStatus };
    }
  }
}

/** FAILSAFE_REBOOT's param is all zero; RESCUE's ends in zero[8]. */
function isValidParam(action: number, param: Uint8Array): boolean {
  if (action === Action.FAILSAFE_REBOOT) return isZero(param);
  if (action === Action.RESCUE) return isZero(param.subarray(8));
  return false;
}

export function encodeRescueParam(rescue: RescueParam): Buffer {
  const out = Buffer.alloc(PARAM_LEN);
  const octets = parseIpv4(rescue.allowedIpv4);
  if (octets === null) throw new RangeError(`not an IPv4 address: ${rescue.allowedIpv4}`);
  out.set(octets, 0);
  out.writeUInt16BE(rescue.port, 4);
  out.writeUInt16BE(rescue.seconds, 6);
  return out;
}

export function decodeRescueParam(param: Uint8Array): RescueParam {
  const view = Buffer.from(param.buffer, param.byteOffset, param.byteLength);
  return { allowedIpv4: Array.from(view.subarray(0, 4)).join('.'), port: view.readUInt16BE(4), seconds: view.readUInt16BE(6) };
}

/** Dotted-quad IPv4 to 4 bytes, or null (no shorthand forms, no leading zeros). */
export function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return null;
  return Uint8Array.from(parts.map(Number));
}

export function describeAction(action: Action): string {
  return action === Action.FAILSAFE_REBOOT ? 'failsafe reboot' : 'rescue';
}

export function describeStatus(status: AckStatus): string {
  return ['OK', 'REFUSED', 'IOERR'][status] ?? `status ${status}`;
}
