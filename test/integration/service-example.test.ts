// As root: the shipped init.d/httpd-example, unchanged, serves a directory from its jail under
// the shipped profiles/httpd-example.json, as nobody, and survives the requests it was traced on.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
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

t.test('httpd-example serves its directory jailed, under its traced profile', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jailctl-httpd-example-'));
  const name = `httpd-example-${process.pid}`;
  const port = await freePort();
  for (const sub of ['initd', 'state', 'config', 'www']) mkdirSync(join(dir, sub));
  copyFileSync(join(REPO, 'init.d', 'httpd-example'), join(dir, 'initd', name));
  writeFileSync(join(dir, 'www', 'index.html'), '<h1>jailed</h1>\n');
  writeFileSync(join(dir, 'config', 'httpd_example'), `config httpd 'main'\n\toption listen '127.0.0.1:${port}'\n\toption home '${join(dir, 'www')}'\n\toption seccomp '${join(REPO, 'profiles', 'httpd-example.json')}'\n`);
  const run = (action: string, ...extra: string[]) => jailctl(['service', name, action, '--initd', join(dir, 'initd'), '--state', join(dir, 'state'), '--config', join(dir, 'config'), ...extra]);
  t.teardown(() => {
    run('stop');
    rmSync(dir, { recursive: true, force: true });
  });

  const start = run('start');
  t.equal(start.code, 0, start.stderr);
  const index = await fetch(`http://127.0.0.1:${port}/`);
  t.equal(index.status, 200);
  t.equal(await index.text(), '<h1>jailed</h1>\n');
  t.equal((await fetch(`http://127.0.0.1:${port}/missing`)).status, 404);
  t.equal((await fetch(`http://127.0.0.1:${port}/../../etc/passwd`)).status, 404, 'nothing outside the served directory');
  t.equal((await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'x' })).status, 501);

  const status = JSON.parse(run('status', '--json').stdout) as { state: string; instances: { pid: number; restarts: number; crashes: number; seccomp: { enabled: boolean } }[] };
  t.equal(status.state, 'running');
  t.match(status.instances[0], { restarts: 0, crashes: 0, seccomp: { enabled: true } }, 'no request killed it');
  const proc = readFileSync(`/proc/${status.instances[0]!.pid}/status`, 'utf8');
  t.match(proc, /Seccomp:\s+2/);
  t.match(proc, /Uid:\s+65534\s+65534\s+65534\s+65534/);
  t.match(run('logs').stdout, /response:200/, 'httpd -v logs to stderr, which goes to the log');
  t.equal(run('stop').code, 0);
});
