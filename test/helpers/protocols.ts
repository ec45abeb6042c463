// Minimal clients for the daemons the service tests run: a DNS A query over UDP, a TCP banner,
// and MQTT 3.1.1 subscribe/publish, each with a short timeout. Just enough to prove a daemon
// serves; nothing here is a general client.
import { createSocket } from 'node:dgram';
import { createServer, Socket } from 'node:net';

/** A free TCP (and, for DNS tests, UDP) port on `host`, as the kernel hands them out. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject).listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A loopback address of its own per test process (127.0.0.2 .. 127.0.0.201). */
export function loopbackFor(pid = process.pid): string {
  return `127.0.0.${2 + (pid % 200)}`;
}

/** The IPv4 addresses of NAME's A records from the server, or the rcode as "rcode N". */
export function dnsQueryA(server: string, port: number, name: string, timeoutMs = 1000): Promise<string[] | string> {
  const id = Math.floor(Math.random() * 0xffff);
  const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
  const query = Buffer.concat([Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])]);
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => { socket.close(); reject(new Error(`no DNS answer from ${server}:${port} within ${timeoutMs} ms`)); }, timeoutMs);
    socket.on('message', (msg) => {
      if (msg.readUInt16BE(0) !== id) return;
      clearTimeout(timer);
      socket.close();
      const rcode = msg[3]! & 0x0f;
      resolve(rcode !== 0 ? `rcode ${rcode}` : parseA(msg, query.length));
    });
    socket.send(query, port, server);
  });
}

function parseA(msg: Buffer, questionEnd: number): string[] {
  const count = msg.readUInt16BE(6);
  const out: string[] = [];
  let at = questionEnd;
  for (let i = 0; i < count; i++) {
    at = (msg[at]! & 0xc0) === 0xc0 ? at + 2 : skipName(msg, at);
    const type = msg.readUInt16BE(at);
    const length = msg.readUInt16BE(at + 8);
    if (type === 1 && length === 4) out.push([...msg.subarray(at + 10, at + 14)].join('.'));
    at += 10 + length;
  }
  return out;
}

function skipName(msg: Buffer, at: number): number {
  while (msg[at] !== 0) at += msg[at]! + 1;
  return at + 1;
}

/** The first line a TCP server sends (SSH, rsync). */
export function tcpBanner(host: string, port: number, timeoutMs = 2000, send?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let data = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no banner from ${host}:${port} within ${timeoutMs} ms (got ${JSON.stringify(data)})`)); }, timeoutMs);
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (!data.includes('\n')) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(data.split('\n')[0]!.replace(/\r$/, ''));
    });
    socket.on('error', (err) => { clearTimeout(timer); reject(err); });
    socket.connect(port, host, () => { if (send !== undefined) socket.write(send); });
  });
}

/** Sends `send` once connected and collects what comes back until `until` matches. */
export function tcpExchange(host: string, port: number, send: string, until: RegExp, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let data = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`${host}:${port} did not answer ${JSON.stringify(until.source)} within ${timeoutMs} ms (got ${JSON.stringify(data)})`)); }, timeoutMs);
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (!until.test(data)) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(data);
    });
    socket.on('error', (err) => { clearTimeout(timer); reject(err); });
    socket.connect(port, host, () => socket.write(send));
  });
}

/** An open TCP connection (to watch it being closed by the server). */
export function tcpConnect(host: string, port: number): Promise<{ socket: Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const closed = new Promise<void>((done) => socket.on('close', () => done()));
    socket.once('error', reject);
    socket.on('error', () => undefined).resume(); // flowing, so that the server's close is seen
    socket.connect(port, host, () => resolve({ socket, closed }));
  });
}

const utf8 = (s: string): Buffer => Buffer.concat([Buffer.from([s.length >> 8, s.length & 0xff]), Buffer.from(s)]);
const packet = (type: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([type, body.length]), body]);

/** MQTT 3.1.1: subscribes to `topic`, publishes `message` from a second client, resolves with
 * what the subscriber received. */
export async function mqttRoundTrip(host: string, port: number, topic: string, message: string, timeoutMs = 3000): Promise<string> {
  const connect = (client: string): Buffer => packet(0x10, Buffer.concat([utf8('MQTT'), Buffer.from([4, 0x02, 0, 30]), utf8(client)]));
  const sub = new Socket();
  const received = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { sub.destroy(); reject(new Error(`no MQTT message on ${topic} within ${timeoutMs} ms`)); }, timeoutMs);
    let buffer = Buffer.alloc(0);
    let subscribed: () => void = () => undefined;
    const ready = new Promise<void>((r) => { subscribed = r; });
    sub.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 2 && buffer.length >= 2 + buffer[1]!) {
        const [type, length] = [buffer[0]! >> 4, buffer[1]!];
        const body = buffer.subarray(2, 2 + length);
        buffer = buffer.subarray(2 + length);
        if (type === 2) sub.write(packet(0x82, Buffer.concat([Buffer.from([0, 1]), utf8(topic), Buffer.from([0])])));
        if (type === 9) subscribed();
        if (type === 3) {
          clearTimeout(timer);
          sub.destroy();
          resolve(body.subarray(2 + body.readUInt16BE(0)).toString());
        }
      }
    });
    sub.on('error', (err) => { clearTimeout(timer); reject(err); });
    sub.connect(port, host, () => sub.write(connect(`jc-sub-${process.pid}`)));
    void ready.then(() => {
      const pub = new Socket();
      pub.on('error', () => undefined);
      pub.connect(port, host, () => {
        pub.write(connect(`jc-pub-${process.pid}`));
        pub.write(packet(0x30, Buffer.concat([utf8(topic), Buffer.from(message)])));
        setTimeout(() => pub.destroy(), 200);
      });
    });
  });
  return received;
}
