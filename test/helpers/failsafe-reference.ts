// The TypeScript reference of the listener's rules (FAILSAFE.md "Listener rules"), which the
// device runs in C (native/failsafe/verifier.c): a pure state machine, bytes in, a verdict out;
// the monotonic clock (integer ms) and the random source are injected. The tests hold both to
// test/fixtures/failsafe/vectors.txt and compare them on random traffic. State is bounded:
// 4 slots, 64 remembered client nonces, two token buckets, one remembered TRIGGER/ACK pair.
import {
  AckStatus, Action, DEV_ID_LEN, PacketType, SLOT_TTL_MS, NONCE_LEN,
  decodePacket, encodeAck, encodeNonce, verifyTag, wipeKeys, type DerivedKeys,
} from '../../src/failsafe/protocol.js';

export const VERIFY_RATE = { perSecond: 50, burst: 10 } as const;
export const REPLY_RATE = { perSecond: 2, burst: 4 } as const;
export const MAX_SLOTS = 4;
export const SEEN_NONCES = 64;

export type DropReason = 'malformed' | 'type' | 'dev-id' | 'verify-rate' | 'tag' | 'seen' | 'reply-rate' | 'no-slot' | 'busy' | 'done';

export type Verdict =
  | { kind: 'drop'; reason: DropReason }
  /** send these bytes to the sender of the packet, and nobody else */
  | { kind: 'reply'; bytes: Buffer }
  /** an authenticated TRIGGER: perform the action, then call finish(status) and send its bytes */
  | { kind: 'act'; action: Action; param: Buffer };

export interface VerifierOptions {
  keys: DerivedKeys;
  /** monotonic milliseconds (never wall-clock time) */
  now: () => number;
  random: (size: number) => Buffer;
  enabled: { failsafe: boolean; rescue: boolean };
}

/** Tokens refill continuously at `perSecond`, up to `burst`; kept in thousandths, as in C, so
 * that a refill of elapsed ms x perSecond is exact. */
export class TokenBucket {
  private millitokens: number;
  private last: number;
  constructor(private readonly perSecond: number, private readonly burst: number, now: number) {
    this.millitokens = burst * 1000;
    this.last = now;
  }
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.millitokens = Math.min(this.burst * 1000, this.millitokens + elapsed * this.perSecond);
    if (this.millitokens < 1000) return false;
    this.millitokens -= 1000;
    return true;
  }
}

interface Slot {
  clientNonce: Buffer;
  serverNonce: Buffer;
  expiry: number;
}

type Mode =
  | { name: 'open' }
  | { name: 'acting'; slot: Slot; trigger: Buffer; action: Action }
  | { name: 'done'; trigger: Buffer; ack: Buffer };

export class Verifier {
  readonly counts: Record<DropReason | 'reply' | 'act', number> = {
    'malformed': 0, 'type': 0, 'dev-id': 0, 'verify-rate': 0, 'tag': 0, 'seen': 0, 'reply-rate': 0, 'no-slot': 0, 'busy': 0, 'done': 0, 'reply': 0, 'act': 0,
  };
  private readonly verifyBucket: TokenBucket;
  private readonly replyBucket: TokenBucket;
  private slots: Slot[] = [];
  private readonly seen: Buffer[] = [];
  private seenNext = 0;
  private mode: Mode = { name: 'open' };

  constructor(private readonly options: VerifierOptions) {
    const now = options.now();
    this.verifyBucket = new TokenBucket(VERIFY_RATE.perSecond, VERIFY_RATE.burst, now);
    this.replyBucket = new TokenBucket(REPLY_RATE.perSecond, REPLY_RATE.burst, now);
  }

  get triggered(): boolean {
    return this.mode.name === 'done';
  }

  /** Applies rules 1-5 in order, cheapest first. Never throws on any input. */
  receive(packet: Buffer): Verdict {
    if (this.mode.name !== 'open') return this.receiveAfterTrigger(packet);
    const decoded = decodePacket(packet);
    if (decoded === null) return this.drop('malformed');
    if (decoded.type !== PacketType.CHALLENGE && decoded.type !== PacketType.TRIGGER) return this.drop('type');
    if (!decoded.devId.equals(this.options.keys.devId.subarray(0, DEV_ID_LEN))) return this.drop('dev-id');
    const now = this.options.now();
    if (!this.verifyBucket.take(now)) return this.drop('verify-rate');
    if (!verifyTag(this.options.keys.c2d, packet)) return this.drop('tag');
    if (decoded.type === PacketType.CHALLENGE) return this.challenge(decoded.clientNonce, now);
    return this.trigger(packet, decoded.action, decoded.clientNonce, decoded.serverNonce, decoded.param, now);
  }

  /** Completes an 'act' verdict with the action's outcome and returns the ACK to send. */
  finish(status: AckStatus): Buffer {
    if (this.mode.name !== 'acting') throw new Error('finish() without a pending action');
    const { slot, trigger, action } = this.mode;
    const ack = encodeAck(this.options.keys, action, slot.serverNonce, status);
    if (status === AckStatus.OK) {
      // rule 5: wipe every slot; from now on only the identical TRIGGER gets this ACK again.
      // Re-sending needs no key, so the derived keys are zeroed right away.
      this.wipeSlots();
      this.mode = { name: 'done', trigger: Buffer.from(trigger), ack };
      wipeKeys(this.options.keys);
    } else {
      // REFUSED keeps the slot (a retransmission gets the same answer); IOERR spends it
      if (status === AckStatus.IOERR) this.slots = this.slots.filter((s) => s !== slot);
      this.mode = { name: 'open' };
    }
    this.counts.reply++;
    return ack;
  }

  /** Zeroes the derived keys and forgets every slot (SIGTERM). */
  wipe(): void {
    wipeKeys(this.options.keys);
    this.wipeSlots();
  }

  private wipeSlots(): void {
    for (const slot of this.slots) slot.serverNonce.fill(0);
    this.slots = [];
  }

  private challenge(clientNonce: Buffer, now: number): Verdict {
    if (this.seen.some((n) => n.equals(clientNonce))) return this.drop('seen');
    this.remember(clientNonce);
    if (!this.replyBucket.take(now)) return this.drop('reply-rate');
    this.slots = this.slots.filter((s) => s.expiry > now);
    if (this.slots.length >= MAX_SLOTS) this.slots.shift();
    const slot: Slot = { clientNonce: Buffer.from(clientNonce), serverNonce: this.options.random(NONCE_LEN), expiry: now + SLOT_TTL_MS };
    this.slots.push(slot);
    return this.reply(encodeNonce(this.options.keys, slot.clientNonce, slot.serverNonce, SLOT_TTL_MS));
  }

  private trigger(packet: Buffer, action: Action, clientNonce: Buffer, serverNonce: Buffer, param: Buffer, now: number): Verdict {
    const slot = this.slots.find((s) => s.expiry > now && s.clientNonce.equals(clientNonce) && s.serverNonce.equals(serverNonce));
    if (slot === undefined) return this.drop('no-slot');
    const enabled = action === Action.FAILSAFE_REBOOT ? this.options.enabled.failsafe : this.options.enabled.rescue;
    if (!enabled) return this.reply(encodeAck(this.options.keys, action, slot.serverNonce, AckStatus.REFUSED));
    this.mode = { name: 'acting', slot, trigger: Buffer.from(packet), action };
    this.counts.act++;
    return { kind: 'act', action, param: Buffer.from(param) };
  }

  private receiveAfterTrigger(packet: Buffer): Verdict {
    if (this.mode.name === 'acting') return this.drop('busy');
    if (this.mode.name === 'done' && packet.equals(this.mode.trigger)) {
      // bounded like NONCE replies: an identical replay cannot make the device chatter
      if (!this.replyBucket.take(this.options.now())) return this.drop('reply-rate');
      return this.reply(this.mode.ack);
    }
    return this.drop('done');
  }

  private remember(clientNonce: Buffer): void {
    const copy = Buffer.from(clientNonce);
    if (this.seen.length < SEEN_NONCES) this.seen.push(copy);
    else this.seen[this.seenNext] = copy;
    this.seenNext = (this.seenNext + 1) % SEEN_NONCES;
  }

  private reply(bytes: Buffer): Verdict {
    this.counts.reply++;
    return { kind: 'reply', bytes };
  }

  private drop(reason: DropReason): Verdict {
    this.counts[reason]++;
    return { kind: 'drop', reason };
  }
}
