// As root: no descriptor of jailctl's reaches a program it traces (issue 10): only 0, 1 and 2,
// in every mode the tracer runs in: `trace`, `trace --jail`, `service NAME trace` and
// `run --seccomp P --learn FILE`. The traced program lists /proc/self/fd itself.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { isRoot, jailctl, REPO } from '../helpers/jailctl.js';
import { compileFixture, hasGcc } from '../helpers/trace-cli.js';

if (!isRoot) t.plan(0, 'needs root');
else if (!hasGcc) t.plan(0, 'needs gcc to build the descriptor lister');

const dir = mkdtempSync(join(tmpdir(), 'jailctl-trace-fds-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string): string => join(dir, name);

let lister = '';
t.before(() => {
  lister = compileFixture('list-fds', file('list-fds'));
});

/** The descriptors the lister printed ("fds: 0=... 1=..."), by number. */
function descriptors(stdout: string): Record<string, string> {
  const line = stdout.split('\n').find((l) => l.startsWith('fds:'));
  if (line === undefined) throw new Error(`the lister printed no "fds:" line: ${stdout}`);
  return Object.fromEntries(line.slice(4).trim().split(' ').filter((w) => w !== '').map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
}

function onlyStdio(t: Test, stdout: string): void {
  const fds = descriptors(stdout);
  t.same(Object.keys(fds).sort(), ['0', '1', '2'], `only stdin, stdout and stderr: ${JSON.stringify(fds)}`);
}

t.test('trace: the program gets 0, 1 and 2 only (no trace pipe, no control socket)', async (t) => {
  const r = jailctl(['trace', '-o', file('plain.json'), '--', lister]);
  t.equal(r.code, 0, r.stderr);
  onlyStdio(t, r.stdout);
});

t.test('trace --jail: the program gets 0, 1 and 2 only', async (t) => {
  const r = jailctl(['trace', '--jail', '--proc', '-o', file('jail.json'), '--', lister]);
  t.equal(r.code, 0, r.stderr);
  onlyStdio(t, r.stdout);
});

t.test('run --seccomp P --learn: the program gets 0, 1 and 2 only', async (t) => {
  const profile = file('execve-only.json');
  writeFileSync(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [{ names: ['execve'], action: 'SCMP_ACT_ALLOW' }] }));
  const r = jailctl(['run', '--proc', '--seccomp', profile, '--learn', file('learned.json'), '--', lister]);
  t.equal(r.code, 0, r.stderr);
  onlyStdio(t, r.stdout);
});

t.test('service NAME trace: the program gets 0, 1 and 2 only', async (t) => {
  const name = `jc-fd-lister-${process.pid}`;
  const base = file('service');
  for (const sub of ['initd', 'state', 'config']) mkdirSync(join(base, sub), { recursive: true });
  copyFileSync(join(REPO, 'test', 'fixtures', 'initd', 'fd-lister'), join(base, 'initd', name));
  writeFileSync(join(base, 'config', 'jctest'), `config jctest 'main'\n\toption program '${lister}'\n\toption seccomp '${file('service.json')}'\n`);
  const r = jailctl(['service', name, 'trace', '--initd', join(base, 'initd'), '--state', join(base, 'state'), '--config', join(base, 'config')], { timeout: 60_000 });
  t.equal(r.code, 0, r.stderr);
  onlyStdio(t, r.stdout);
});
