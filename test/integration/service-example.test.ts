// As root: the shipped init.d/httpd-example, unchanged but for the busybox it runs, serves a
// directory from its jail under the shipped profiles/httpd-example.json, as nobody, and survives
// the requests it was traced on, with every busybox build at hand: /bin/busybox (what the README
// installs) and the other Debian build (busybox-static, or busybox), fetched when it can be.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { busyboxBuilds, type BusyboxBuild } from '../helpers/busybox-builds.js';
import { isRoot, jailctl, REPO } from '../helpers/jailctl.js';

if (!isRoot) t.plan(0, 'needs root');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A request that is not HTTP: busybox answers 400. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

async function serveWith(t: Test, build: BusyboxBuild, index: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'jailctl-httpd-example-'));
  const name = `httpd-example-${process.pid}-${index}`;
  const port = await freePort();
  for (const sub of ['initd', 'state', 'config', 'www', 'www/sub']) mkdirSync(join(dir, sub));
  const script = readFileSync(join(REPO, 'init.d', 'httpd-example'), 'utf8');
  writeFileSync(join(dir, 'initd', name), script.replace('PROG=/bin/busybox', `PROG=${build.path}`), { mode: 0o755 });
  writeFileSync(join(dir, 'www', 'index.html'), '<h1>jailed</h1>\n');
  writeFileSync(join(dir, 'www', 'sub', 'index.html'), 'sub\n');
  writeFileSync(join(dir, 'config', 'httpd_example'), `config httpd 'main'\n\toption listen '127.0.0.1:${port}'\n\toption home '${join(dir, 'www')}'\n\toption seccomp '${join(REPO, 'profiles', 'httpd-example.json')}'\n`);
  const run = (action: string, ...extra: string[]) => jailctl(['service', name, action, '--initd', join(dir, 'initd'), '--state', join(dir, 'state'), '--config', join(dir, 'config'), ...extra]);
  t.teardown(() => {
    run('stop');
    rmSync(dir, { recursive: true, force: true });
  });

  const start = run('start');
  t.equal(start.code, 0, start.stderr);
  t.notMatch(start.stderr, /httpd-example\.json/, 'the shipped profile loads without warnings');
  const url = `http://127.0.0.1:${port}`;
  const index1 = await fetch(`${url}/`);
  t.equal(index1.status, 200);
  t.equal(await index1.text(), '<h1>jailed</h1>\n');
  t.equal((await fetch(`${url}/index.html`, { headers: { range: 'bytes=0-3' } })).status, 206);
  t.equal((await fetch(`${url}/sub`, { redirect: 'manual' })).status, 302);
  const etag = index1.headers.get('etag');
  t.ok(etag, 'busybox sends an ETag');
  t.equal((await fetch(`${url}/`, { headers: { 'if-none-match': etag ?? '' } })).status, 304);
  t.match(await rawRequest(port, 'garbage\r\n\r\n'), /^HTTP\/1\.[01] 400/);
  t.equal((await fetch(`${url}/missing`)).status, 404);
  t.equal((await fetch(`${url}/../../etc/passwd`)).status, 404, 'nothing outside the served directory');
  t.equal((await fetch(`${url}/`, { method: 'POST', body: 'x' })).status, 501);

  const logs = run('logs').stdout;
  const status = JSON.parse(run('status', '--json').stdout) as { state: string; instances: { pid: number; restarts: number; crashes: number; seccomp: { enabled: boolean } }[] };
  t.equal(status.state, 'running');
  t.match(status.instances[0], { restarts: 0, crashes: 0, seccomp: { enabled: true } }, `no request killed it (log: ${logs.match(/.*seccomp refused.*/)?.[0] ?? 'no refusal'})`);
  const proc = readFileSync(`/proc/${status.instances[0]!.pid}/status`, 'utf8');
  t.match(proc, /Seccomp:\s+2/);
  t.match(proc, /Uid:\s+65534\s+65534\s+65534\s+65534/);
  t.match(logs, /response:200/, 'httpd -v logs to stderr, which goes to the log');
  t.equal(run('stop').code, 0);
}

const { builds, missing } = isRoot ? busyboxBuilds() : { builds: [], missing: [] };
builds.forEach((build, i) => {
  t.test(`httpd-example serves its directory jailed, under its shipped profile, with ${build.label}`, async (t) => serveWith(t, build, i));
});
for (const why of missing) t.test(`another busybox build: ${why}`, { skip: why }, async () => undefined);
