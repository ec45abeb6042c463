// As root: ordinary services still work under the built-in baseline filter (jailctl run's
// default): busybox httpd (also under the shipped profiles/httpd-example.json), dnsmasq, dropbear,
// python3's http.server and mosquitto each start jailed and give a real answer on an ephemeral
// port. A service whose package is missing is skipped with the reason.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { isRoot, startJailctl } from '../helpers/jailctl.js';

if (!isRoot) t.plan(0, 'needs root');

const dir = mkdtempSync(join(tmpdir(), 'jailctl-services-'));
chmodSync(dir, 0o755);
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const www = join(dir, 'www');
mkdirSync(www);
writeFileSync(join(www, 'index.html'), 'served from the jail\n');

const missing = (path: string) => (existsSync(path) ? false : `${path} is not installed`);

/** A port nobody listens on right now (another run may take it later; we only need it briefly). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    }).on('error', reject);
  });
}

/** Retries `ask` until it answers (the service needs a moment to listen), for at most `ms`. */
async function answer<T>(ask: () => Promise<T>, ms = 20_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    try {
      return await ask();
    } catch (err) {
      if ((err as { fatal?: boolean }).fatal === true || Date.now() - start > ms) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** What a TCP server sends after `send`: its first bytes, or everything until it closes. */
function tcpExchange(port: number, send: Buffer | undefined, untilClose = false): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => { if (send) socket.write(send); });
    socket.setTimeout(3000, () => socket.destroy(new Error('timeout')));
    socket.on('data', (data) => {
      chunks.push(data);
      if (!untilClose) { socket.destroy(); resolve(data); }
    });
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
  });
}

const httpGet = (port: number) => tcpExchange(port, Buffer.from('GET /index.html HTTP/1.0\r\nHost: localhost\r\n\r\n'), true).then((b) => b.toString());

/** Runs the service in a jail, asks it, stops it (SIGTERM), and returns the answer. */
async function serve<T>(args: string[], ask: () => Promise<T>): Promise<{ reply: T; stderr: string }> {
  const run = startJailctl(['run', ...args]);
  try {
    const reply = await answer(async () => {
      if (run.child.exitCode !== null) throw Object.assign(new Error(`jailctl exited ${run.child.exitCode}: ${run.output().stderr}`), { fatal: true });
      return ask();
    });
    return { reply, stderr: run.output().stderr };
  } finally {
    run.child.kill('SIGTERM');
    await run.done;
  }
}

t.test('busybox httpd, plain and under the shipped profiles/httpd-example.json', { skip: missing('/bin/busybox') }, async (t) => {
  for (const profile of [[], ['--seccomp', 'profiles/httpd-example.json']]) {
    const port = await freePort();
    const { reply } = await serve(['--user', 'nobody', ...profile, '--ro', `${www}:/www`, '--', '/bin/busybox', 'httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', '/www'], () => httpGet(port));
    t.match(reply, /^HTTP\/1\.[01] 200 OK[\s\S]*served from the jail/, profile.join(' ') || 'baseline only');
  }
});

t.test('dnsmasq answers a DNS query', { skip: missing('/usr/sbin/dnsmasq') }, async (t) => {
  const port = await freePort();
  const query = Buffer.concat([Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), Buffer.from('\x04test\x07example\x00', 'latin1'), Buffer.from([0, 1, 0, 1])]);
  const ask = () => new Promise<Buffer>((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => { socket.close(); reject(new Error('no DNS answer')); }, 1000);
    socket.on('message', (msg) => { clearTimeout(timer); socket.close(); resolve(msg); });
    socket.send(query, port, '127.0.0.1');
  });
  const { reply } = await serve(['--dev', '--user', 'root', '--', '/usr/sbin/dnsmasq', '-k', '-d', '-p', String(port), '--listen-address=127.0.0.1', '--bind-interfaces',
    '--no-resolv', '--no-hosts', '--address=/test.example/10.1.2.3', '--conf-file=/dev/null', '--pid-file=', '--user=root', '--group=root'], ask);
  t.same([...reply.subarray(-4)], [10, 1, 2, 3], 'the A record');
});

t.test('dropbear sends its SSH banner and key exchange', { skip: missing('/usr/sbin/dropbear') || missing('/usr/bin/dropbearkey') }, async (t) => {
  const key = join(dir, 'dropbear_ed25519');
  spawnSync('/usr/bin/dropbearkey', ['-t', 'ed25519', '-f', key], { stdio: 'ignore' });
  const port = await freePort();
  const { reply } = await serve(['--dev', '--user', 'root', '--ro', key, '--', '/usr/sbin/dropbear', '-F', '-E', '-p', `127.0.0.1:${port}`, '-r', key, '-P', ''], () => tcpExchange(port, undefined));
  t.match(reply.toString('latin1'), /^SSH-2\.0-dropbear/);
});

t.test('python3 serves files with http.server', { skip: missing('/usr/bin/python3') }, async (t) => {
  const stdlib = spawnSync('/usr/bin/python3', ['-c', 'import sysconfig; print(sysconfig.get_path("stdlib"))'], { encoding: 'utf8' }).stdout.trim();
  const port = await freePort();
  const { reply } = await serve(['--user', 'nobody', '--ro', stdlib, '--ro', `${www}:/www`, '--cwd', '/www', '--', '/usr/bin/python3', '-m', 'http.server', '-b', '127.0.0.1', String(port)], () => httpGet(port));
  t.match(reply, /^HTTP\/1\.[01] 200 OK[\s\S]*served from the jail/);
});

t.test('mosquitto accepts an MQTT connection (CONNACK)', { skip: missing('/usr/sbin/mosquitto') }, async (t) => {
  const port = await freePort();
  const connectPacket = Buffer.concat([Buffer.from([0x10, 12, 0, 4]), Buffer.from('MQTT'), Buffer.from([4, 2, 0, 60, 0, 0])]);
  const { reply } = await serve(['--user', 'nobody', '--', '/usr/sbin/mosquitto', '-p', String(port)], () => tcpExchange(port, connectPacket));
  t.same([...reply.subarray(0, 4)], [0x20, 2, 0, 0], 'CONNACK, accepted');
});
