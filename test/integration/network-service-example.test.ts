// As root: profiles/examples/network-service.json, the README's `run --seccomp` example, runs real
// network services jailed and they answer requests: busybox httpd (every build at hand), dnsmasq
// and mosquitto when installed. What it refuses is refused: mkdir gets EPERM, sethostname kills.
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { busyboxBuilds } from '../helpers/busybox-builds.js';
import { isRoot, jailctl, REPO, startJailctl } from '../helpers/jailctl.js';

if (!isRoot) t.plan(0, 'needs root');

const PROFILE = join(REPO, 'profiles/examples/network-service.json');
const dir = isRoot ? mkdtempSync(join(tmpdir(), 'jailctl-netsvc-')) : '';
t.teardown(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function freePort(kind: 'tcp' | 'udp'): Promise<number> {
  return new Promise((resolve) => {
    if (kind === 'tcp') {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
      return;
    }
    const socket = createSocket('udp4').bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** Runs `jailctl run --seccomp PROFILE ...` in the background until `ask` has its answer. */
async function serve(t: Test, runArgs: string[], ask: () => Promise<void>): Promise<void> {
  const job = startJailctl(['run', '--seccomp', PROFILE, ...runArgs]);
  t.teardown(() => void job.child.kill('SIGTERM'));
  let lastError: unknown;
  for (let attempt = 0; attempt < 50; attempt++) {
    if (job.child.exitCode !== null) break;
    try {
      await ask();
      lastError = undefined;
      break;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  t.equal(lastError, undefined, `answered (${job.output().stderr.trim()})`);
  t.equal(job.child.exitCode, null, 'still running: nothing it did was killed');
  job.child.kill('SIGTERM');
  const end = await job.done;
  t.notMatch(end.stderr, /seccomp refused/, end.stderr);
}

function exchange(port: number, send: Buffer, want: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(send));
    socket.setTimeout(2000, () => socket.destroy(new Error('timeout')));
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      if (Buffer.concat(chunks).length >= want) {
        socket.end();
        resolve(Buffer.concat(chunks));
      }
    });
    socket.on('error', reject);
  });
}

function dnsQuery(port: number, name: string): Promise<Buffer> {
  const header = Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  const qname = Buffer.concat([...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0, 0, 1, 0, 1])]);
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('no DNS answer'));
    }, 1000);
    socket.on('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(msg);
    });
    socket.send(Buffer.concat([header, qname]), port, '127.0.0.1');
  });
}

const has = (path: string) => jailctl(['run', '--dry-run', '--', path]).code === 0;

const { builds } = isRoot ? busyboxBuilds() : { builds: [] };
for (const build of builds) {
  t.test(`busybox httpd (${build.label}) serves under the example profile`, async (t) => {
    writeFileSync(join(dir, 'index.html'), 'hello\n');
    const port = await freePort('tcp');
    await serve(t, ['--ro', dir, '--', build.path, 'httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', dir], async () => {
      const r = await fetch(`http://127.0.0.1:${port}/index.html`);
      t.equal(await r.text(), 'hello\n');
      t.equal((await fetch(`http://127.0.0.1:${port}/nothing`)).status, 404);
    });
  });
}

t.test('dnsmasq answers DNS under the example profile', { skip: isRoot && has('/usr/sbin/dnsmasq') ? false : 'dnsmasq is not installed (apt-get install dnsmasq-base)' }, async (t) => {
  const port = await freePort('udp');
  const conf = join(dir, 'dnsmasq.conf');
  writeFileSync(conf, `no-resolv\nno-hosts\nbind-interfaces\nlisten-address=127.0.0.1\nport=${port}\naddress=/example.test/10.1.2.3\npid-file=\nlog-facility=-\n`);
  await serve(t, ['--dev', '--user', 'nobody', '--group', 'nogroup', '--ro', conf, '--', '/usr/sbin/dnsmasq', '-k', '-C', conf], async () => {
    const answer = await dnsQuery(port, 'example.test');
    t.same([...answer.subarray(-4)], [10, 1, 2, 3]);
  });
});

t.test('mosquitto accepts an MQTT client under the example profile', { skip: isRoot && has('/usr/sbin/mosquitto') ? false : 'mosquitto is not installed (apt-get install mosquitto)' }, async (t) => {
  const port = await freePort('tcp');
  const connectPacket = Buffer.concat([Buffer.from([0x10, 0x0c, 0, 4]), Buffer.from('MQTT'), Buffer.from([4, 2, 0, 60, 0, 0])]);
  await serve(t, ['--user', 'nobody', '--group', 'nogroup', '--', '/usr/sbin/mosquitto', '-p', String(port)], async () => {
    t.same([...await exchange(port, connectPacket, 4)], [0x20, 2, 0, 0], 'CONNACK, accepted');
  });
});

t.test('what the example refuses: mkdir gets EPERM, sethostname is killed and named', { skip: builds.length > 0 ? false : 'no busybox' }, async (t) => {
  const bb = builds[0]!.path;
  const mkdir = jailctl(['run', '--seccomp', PROFILE, '--tmpfs', '/scratch', '--', bb, 'mkdir', '/scratch/x']);
  t.equal(mkdir.code, 1);
  t.match(mkdir.stderr, /Operation not permitted/);
  const hostname = jailctl(['run', '--seccomp', PROFILE, '--', bb, 'hostname', 'elsewhere']);
  t.equal(hostname.code, 128 + 31);
  t.match(hostname.stderr, /seccomp refused sethostname/);
});
