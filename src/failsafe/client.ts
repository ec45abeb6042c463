// `jailctl failsafe trigger` (edge): CHALLENGE -> NONCE -> TRIGGER -> ACK over UDP (or raw frames
// with --iface), each step retried with back-off. Returns one outcome line; ok only on ACK OK.
import { randomBytes } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { JailctlError } from '../errors.js';
import {
  AckStatus, Action, DEFAULT_UDP_PORT, NONCE_LEN, PacketType, decodePacket, deriveKeys, describeAction,
  encodeChallenge, encodeRescueParam, encodeTrigger, verifyTag, wipeKeys, type DerivedKeys, type Packet,
} from './protocol.js';
import { openRawClientLink, openUdpClientLink, parseMac, type ClientLink } from './transport.js';

export interface TriggerContext {
  /** host[:port] or [v6]:port; with `iface`, a MAC address or "broadcast" */
  host: string;
  iface?: string;
  /** zeroed once the direction keys are derived */
  key: Buffer;
  action: Action;
  rescue?: { allow?: string; port: number; seconds: number };
  /** wait for the first answer; doubled on every retry */
  timeoutMs: number;
  retries: number;
}

export interface TriggerOutcome {
  ok: boolean;
  line: string;
}

/** `host`, `host:port`, `[v6]:port` (a bare IPv6 address has no port). */
export function parseHost(text: string): { host: string; port: number } {
  const bracket = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  const plain = /^([^:]+)(?::(\d{1,5}))?$/.exec(text);
  const m = bracket ?? plain;
  if (m === null) return { host: text, port: DEFAULT_UDP_PORT };
  const port = m[2] === undefined ? DEFAULT_UDP_PORT : Number(m[2]);
  if (port < 1 || port > 65535) throw new JailctlError('USAGE', `${text}: port must be 1-65535`);
  return { host: m[1]!, port };
}

type Received = { packet: Packet; from: string; bytes: Buffer };

/** One pending wait at a time; packets arriving outside a wait are ignored. */
function makeWaiter(link: ClientLink) {
  let accept: ((r: Received) => boolean) | undefined;
  let settle: ((r: Received) => void) | undefined;
  link.onMessage((bytes, from) => {
    const packet = decodePacket(bytes);
    if (packet === null || accept === undefined) return;
    const r = { packet, from, bytes };
    if (accept(r)) settle!(r);
  });
  return (test: (r: Received) => boolean, ms: number): Promise<Received | undefined> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => finish(undefined), ms);
      const finish = (r: Received | undefined) => {
        clearTimeout(timer);
        accept = undefined;
        resolve(r);
      };
      accept = test;
      settle = finish;
    });
}

async function openLink(ctx: TriggerContext): Promise<ClientLink> {
  if (ctx.iface === undefined) {
    const { host, port } = parseHost(ctx.host);
    return openUdpClientLink(host, port);
  }
  const mac = parseMac(ctx.host);
  if (mac === undefined) throw new JailctlError('USAGE', `with --iface, HOST is the device's MAC address (aa:bb:cc:dd:ee:ff) or "broadcast", got "${ctx.host}"`);
  return openRawClientLink(ctx.iface, mac);
}

function buildParam(ctx: TriggerContext, link: ClientLink): Buffer {
  if (ctx.action === Action.FAILSAFE_REBOOT) return Buffer.alloc(16);
  const rescue = ctx.rescue ?? { port: 22, seconds: 300 };
  const allow = rescue.allow ?? link.localAddress();
  if (allow === undefined || !isIPv4(allow)) {
    throw new JailctlError('USAGE', `the rescue service needs the IPv4 address allowed to reach it${allow === undefined ? '' : ` (${allow} is not IPv4)`}`, { hint: 'give --allow IPV4' });
  }
  return encodeRescueParam({ allowedIpv4: allow, port: rescue.port, seconds: rescue.seconds });
}

/** Runs the exchange; throws only for problems on this side (bad arguments, no socket). */
export async function runTrigger(ctx: TriggerContext): Promise<TriggerOutcome> {
  const keys = deriveKeys(ctx.key);
  ctx.key.fill(0);
  const link = await openLink(ctx);
  try {
    return await exchange(ctx, keys, link, buildParam(ctx, link));
  } finally {
    wipeKeys(keys);
    await link.close();
  }
}

async function exchange(ctx: TriggerContext, keys: DerivedKeys, link: ClientLink, param: Buffer): Promise<TriggerOutcome> {
  const wait = makeWaiter(link);
  const device = `${link.description} (dev_id ${keys.devId.toString('hex')})`;
  const sent: Buffer[] = [];
  const isNonce = ({ packet, from, bytes }: Received) => packet.type === PacketType.NONCE && packet.devId.equals(keys.devId)
    && sent.some((n) => n.equals(packet.clientNonce)) && verifyTag(keys.d2c, bytes) && (link.pin(from), true);
  let nonce: Received | undefined;
  for (let attempt = 0; attempt <= ctx.retries && nonce === undefined; attempt++) {
    const clientNonce = randomBytes(NONCE_LEN);
    sent.push(clientNonce);
    const challenge = encodeChallenge(keys, clientNonce);
    const waiting = wait(isNonce, ctx.timeoutMs * 2 ** attempt);
    await link.send(challenge);
    nonce = await waiting;
  }
  if (nonce === undefined || nonce.packet.type !== PacketType.NONCE) {
    return { ok: false, line: `failsafe: no answer from ${device} after ${ctx.retries + 1} challenges (the device stays silent to a wrong key, and when nothing listens there)` };
  }
  const { clientNonce, serverNonce } = nonce.packet;
  const trigger = encodeTrigger(keys, ctx.action, clientNonce, serverNonce, param);
  const isAck = (r: Received) => r.packet.type === PacketType.ACK && r.packet.devId.equals(keys.devId) && r.packet.action === ctx.action
    && r.packet.serverNonce.equals(serverNonce) && verifyTag(keys.d2c, r.bytes);
  for (let attempt = 0; attempt <= ctx.retries; attempt++) {
    const waiting = wait(isAck, ctx.timeoutMs * 2 ** attempt);
    await link.send(trigger);
    const ack = await waiting;
    if (ack !== undefined && ack.packet.type === PacketType.ACK) return describeAck(device, ctx.action, ack.packet.status, param);
  }
  return { ok: false, line: `failsafe: ${device} answered the challenge but acknowledged no trigger after ${ctx.retries + 1} tries` };
}

function describeAck(device: string, action: Action, status: AckStatus, param: Buffer): TriggerOutcome {
  const what = describeAction(action);
  if (status === AckStatus.OK) {
    const detail = action === Action.FAILSAFE_REBOOT
      ? 'the flag is set and the device reboots into failsafe'
      : `port ${param.readUInt16BE(4)} is open to ${Array.from(param.subarray(0, 4)).join('.')} for ${param.readUInt16BE(6)} s`;
    return { ok: true, line: `failsafe: ${device} acknowledged the ${what}: ${detail}` };
  }
  if (status === AckStatus.REFUSED) return { ok: false, line: `failsafe: ${device} refused the ${what} (disabled in its configuration, or it cannot be done safely there; see its log)` };
  return { ok: false, line: `failsafe: ${device} could not carry out the ${what} (I/O error on the device; see its log)` };
}
