// As root: the jail's pid 1 behaves the same with and without a filter it answers for. When the
// service ends, the jail ends, a daemon it forked into the background included; signals sent to
// jailctl reach the service.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { isRoot, jailctl, startJailctl } from '../helpers/jailctl.js';

if (!isRoot) t.plan(0, 'needs root');

const dir = mkdtempSync(join(tmpdir(), 'jailctl-lifecycle-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

// a deny-list whose one kill is named by pid 1 (the filter gets a listener), one without execve
// (pid 1 answers the first execve), and no profile at all
const named = join(dir, 'named.json');
writeFileSync(named, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['sethostname'], action: 'SCMP_ACT_KILL_PROCESS' }] }));
const CONFIGS: [string, string[]][] = [['no profile', []], ['--seccomp (named refusals)', ['--seccomp', named]], ['no filter at all', ['--no-baseline-filter']]];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('a service that forks a daemon and exits: the jail ends with it, the daemon too', async (t) => {
  for (const [label, options] of CONFIGS) {
    const rw = mkdtempSync(join(dir, 'rw-'));
    const daemon = `( /bin/sh -c 'echo early > ${rw}/early; sleep 2; echo late > ${rw}/late' & ) ; sleep 0.5; echo parent-done`;
    const r = jailctl(['run', ...options, '--dev', '--rw', rw, '--ro', '/bin/sleep', '--', '/bin/sh', '-c', daemon], { timeout: 20_000 });
    t.equal(r.code, 0, `${label}: ${r.stderr}`);
    t.equal(r.stdout, 'parent-done\n', label);
    t.ok(existsSync(join(rw, 'early')), `${label}: the daemon ran`);
    await sleep(3000);
    t.notOk(existsSync(join(rw, 'late')), `${label}: the daemon was killed with the jail`);
  }
});

t.test('SIGTERM sent to jailctl reaches the service', async (t) => {
  for (const [label, options] of CONFIGS) {
    const run = startJailctl(['run', ...options, '--ro', '/bin/sleep', '--', '/bin/sh', '-c', 'trap "echo term; exit 7" TERM; echo ready; while :; do sleep 0.1; done']);
    await run.waitFor('ready', 20_000);
    run.child.kill('SIGTERM');
    const r = await run.done;
    t.equal(r.code, 7, `${label}: ${r.stderr}`);
    t.match(r.stdout, /term\n/, label);
  }
});
