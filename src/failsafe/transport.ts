// How the admin's failsafe packets travel (edge; the device's side is native/failsafe/net.c): UDP
// datagrams, or the payload of Ethernet frames with EtherType 0x88B5 on an AF_PACKET socket from
// the addon, read and written in Node's thread pool. Carries bytes only.
import { createSocket, type Socket } from 'node:dgram';
import { close as closeFd, read as readFd, write as writeFd } from 'node:fs';
import { isIPv6 } from 'node:net';
import { JailctlError, isErrnoError } from '../errors.js';
import { openPacketSocket } from '../native/packet-socket.js';
import { ETHERTYPE } from './protocol.js';

const ETH_HEADER = 14;
const FRAME_BUFFER = 2048;
/** how long a blocked read in the thread pool waits before looking at `closing` again */
const RAW_POLL_MS = 200;

export function formatMac(mac: Uint8Array): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
}

export function parseMac(text: string): Buffer | undefined {
  if (text === 'broadcast') return Buffer.alloc(6, 0xff);
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(text)) return undefined;
  return Buffer.from(text.replace(/:/g, ''), 'hex');
}

/** One interface's raw 0x88B5 frames: a read loop in the thread pool and frame writes. */
export class RawLink {
  readonly mac: Buffer;
  private readonly fd: number;
  private closing = false;
  private closed: Promise<void>;
  private resolveClosed: () => void = () => undefined;
  private readonly buffer = Buffer.alloc(FRAME_BUFFER);

  constructor(readonly ifname: string, private readonly onFrame: (payload: Buffer, src: Buffer) => void, private readonly onError: (line: string) => void) {
    const socket = openPacketSocket(ifname, ETHERTYPE, RAW_POLL_MS);
    this.fd = socket.fd;
    this.mac = socket.mac;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.readNext();
  }

  send(dst: Uint8Array, payload: Uint8Array): Promise<void> {
    const frame = Buffer.alloc(ETH_HEADER + payload.length);
    frame.set(dst, 0);
    frame.set(this.mac, 6);
    frame.writeUInt16BE(ETHERTYPE, 12);
    frame.set(payload, ETH_HEADER);
    return new Promise((resolve) => writeFd(this.fd, frame, 0, frame.length, null, (err) => {
      if (err) this.onError(`raw frames on ${this.ifname}: write(2): ${err.code ?? err.message}`);
      resolve();
    }));
  }

  /** Stops the read loop (within RAW_POLL_MS) and closes the socket once no read is pending. */
  close(): Promise<void> {
    this.closing = true;
    return this.closed;
  }

  private readNext(): void {
    if (this.closing) {
      closeFd(this.fd, () => this.resolveClosed());
      return;
    }
    readFd(this.fd, this.buffer, 0, FRAME_BUFFER, null, (err, n) => {
      if (err && !(isErrnoError(err) && (err.code === 'EAGAIN' || err.code === 'EINTR'))) {
        // e.g. ENETDOWN while the interface is down: say so, then keep listening
        this.onError(`raw frames on ${this.ifname}: read(2): ${err.code ?? err.message}`);
        setTimeout(() => this.readNext(), 1000);
        return;
      }
      if (!err && n > ETH_HEADER && this.buffer.readUInt16BE(12) === ETHERTYPE) {
        this.onFrame(Buffer.from(this.buffer.subarray(ETH_HEADER, n)), Buffer.from(this.buffer.subarray(6, 12)));
      }
      this.readNext();
    });
  }
}

/** The admin's side of a link: one peer. */
export interface ClientLink {
  description: string;
  send(bytes: Buffer): Promise<void>;
  onMessage(handler: (bytes: Buffer, from: string) => void): void;
  /** from now on send only to `from` (raw links that started with broadcast) */
  pin(from: string): void;
  /** our address as the peer sees it (UDP), for the default rescue allow-address */
  localAddress(): string | undefined;
  close(): Promise<void>;
}

export async function openUdpClientLink(host: string, port: number): Promise<ClientLink> {
  const socket: Socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (err) => reject(new JailctlError('IO_FAILED', `cannot reach ${host}:${port}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, { cause: err })));
    socket.connect(port, host, () => resolve());
  });
  socket.on('error', () => undefined);
  return {
    description: `${host}:${port}`,
    send: (bytes) => new Promise((resolve) => socket.send(bytes, () => resolve())),
    onMessage: (handler) => socket.on('message', (msg, rinfo) => handler(msg, `${rinfo.address}:${rinfo.port}`)),
    pin: () => undefined,
    localAddress: () => socket.address().address,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

export function openRawClientLink(ifname: string, dst: Buffer): ClientLink {
  let peer = dst;
  let handler: (bytes: Buffer, from: string) => void = () => undefined;
  const link = new RawLink(ifname, (payload, src) => handler(payload, formatMac(src)), () => undefined);
  return {
    description: `${formatMac(dst)} on ${ifname}`,
    send: (bytes) => link.send(peer, bytes),
    onMessage: (h) => (handler = h),
    pin: (from) => (peer = parseMac(from) ?? peer),
    localAddress: () => undefined,
    close: () => link.close(),
  };
}
