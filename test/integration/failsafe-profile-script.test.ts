// As root: scripts/trace-failsafe-profile.mjs regenerates the listener's profile by tracing it in
// its own jail. The shipped profiles/failsafe-listener.json must still hold every call the
// listener makes today, or the shipped jail would kill it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { isRoot, REPO } from '../helpers/jailctl.js';

if (!isRoot) t.plan(0, 'needs root');

const SCRIPT = join(REPO, 'scripts', 'trace-failsafe-profile.mjs');
const names = (file: string): string[] => (JSON.parse(readFileSync(file, 'utf8')) as { syscalls: { names: string[] }[] }).syscalls.flatMap((r) => r.names);

t.test('a fresh trace of the listener needs nothing the shipped profile lacks', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jailctl-fl-profile-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'failsafe-listener.json');
  const r = spawnSync(process.execPath, [SCRIPT, out], { encoding: 'utf8', timeout: 120_000 });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /wrote .*: \d+ traced syscalls, \d+ added/);
  t.match(r.stdout, /checked for x86_64, .*mipsel/);
  const shipped = new Set(names(join(REPO, 'profiles', 'failsafe-listener.json')));
  const fresh = names(out);
  t.ok(fresh.length > 30, `a real trace: ${fresh.length} names`);
  t.same(fresh.filter((n) => !shipped.has(n)), [], 'missing from the shipped profile: regenerate it with scripts/trace-failsafe-profile.mjs');
});

t.test('without root it says so in one line and exits 1', async (t) => {
  // without tap's NODE_OPTIONS (added to every child it spawns): its hooks write files nobody may not
  const argv = ['--reuid=65534', '--regid=65534', '--clear-groups', 'env', '-u', 'NODE_OPTIONS', process.execPath, SCRIPT, '/nonexistent/out.json'];
  const r = spawnSync('setpriv', argv, { encoding: 'utf8' });
  t.equal(r.status, 1);
  t.equal(r.stderr, 'trace-failsafe-profile: needs root (it runs the listener jailed)\n');
});
