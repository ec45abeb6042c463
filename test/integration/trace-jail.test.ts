// As root: jails made from what `jailctl trace` wrote: its profile under `jailctl run --seccomp`,
// its mount list under `jailctl run --spec`, a trace inside a jail (--jail), and learning mode
// (`run --seccomp P --learn FILE`, then `profile merge`). Workloads stay tiny (ptrace stops).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { isRoot, jailctl } from '../helpers/jailctl.js';
import { allowedNames, compileFixture, hasGcc, readJson, type TraceStatsFile } from '../helpers/trace-cli.js';

if (!isRoot) t.plan(0, 'needs root');

const dir = mkdtempSync(join(tmpdir(), 'jailctl-trace-jail-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string): string => join(dir, name);

/** A copy of a traced profile without `name` in its allow rule. */
function profileWithout(profile: string, name: string, out: string): string {
  const parsed = readJson<{ syscalls: { names: string[] }[] }>(profile);
  for (const rule of parsed.syscalls) rule.names = rule.names.filter((n) => n !== name);
  writeFileSync(out, JSON.stringify(parsed));
  return out;
}

t.test('the traced profile runs the same command under jailctl run --seccomp', async (t) => {
  const profile = file('sh.json');
  const command = ['/bin/sh', '-c', 'echo "$(echo nested) ok"; exit 4'];
  const traced = jailctl(['trace', '-o', profile, '--', ...command]);
  t.equal(traced.code, 4, traced.stderr);
  const run = jailctl(['run', '--seccomp', profile, '--', ...command]);
  t.equal(run.code, 4, run.stderr);
  t.equal(run.stdout, 'nested ok\n');
  t.notMatch(run.stderr, /seccomp refused/);
});

t.test('a call outside the traced profile is refused by name: exit 159 (128+SIGSYS)', async (t) => {
  const profile = file('true.json');
  t.equal(jailctl(['trace', '-o', profile, '--', '/bin/true']).code, 0);
  t.notOk(allowedNames(profile).includes('uname'), '/bin/true makes no uname(2)');
  const run = jailctl(['run', '--seccomp', profile, '--', '/bin/uname']);
  t.equal(run.code, 159, run.stderr);
  t.equal(run.stdout, '', 'killed before it printed');
  const refused = /^jailctl: uname: seccomp refused (\w+) in pid \d+ \((?:\/usr)?\/bin\/uname\); killing it$/m.exec(run.stderr)?.[1];
  t.ok(refused, `named: ${run.stderr}`);
  t.notOk(allowedNames(profile).includes(refused ?? ''), `${refused} is indeed outside the profile`);
});

t.test('a call outside the profile made by a second thread: named, and exit 159 as for the main thread', {
  skip: hasGcc ? false : 'needs gcc to build the threaded program',
}, async (t) => {
  const threads = compileFixture('threads', file('threads'), ['-pthread']);
  const profile = file('threads.json');
  t.equal(jailctl(['trace', '-o', profile, '--', threads]).code, 0);
  const run = jailctl(['run', '--seccomp', profileWithout(profile, 'getpriority', file('threads-lacking.json')), '--', threads]);
  t.match(run.stderr, /^jailctl: threads: seccomp refused getpriority in pid \d+ \(.*\/threads\); killing it$/m);
  t.equal(run.code, 159, run.stderr);
});

t.test('--mounts: a jail built only from the mount list runs the program (reads one file, writes another)', async (t) => {
  const work = file('work');
  mkdirSync(work);
  const input = join(work, 'in.txt');
  const output = join(work, 'out.txt');
  const script = join(work, 'job.sh');
  writeFileSync(input, 'first\n');
  writeFileSync(script, `#!/bin/sh\ncat ${input} > ${output}\necho done\n`, { mode: 0o755 });
  const mounts = file('job.jail.json');
  const profile = file('job.json');
  const traced = jailctl(['trace', '-o', profile, '--mounts', mounts, '--', script]);
  t.equal(traced.code, 0, traced.stderr);
  const spec = readJson<{ ro?: string[]; rw?: string[] }>(mounts);
  t.ok(spec.ro?.includes(input), `the data file read-only: ${JSON.stringify(spec)}`);
  t.ok(spec.rw?.some((p) => p === output || p === work), `the written file (or its directory) read-write: ${JSON.stringify(spec)}`);
  t.notOk(spec.ro?.includes(output), 'the written file is not read-only');

  writeFileSync(input, 'second\n');
  writeFileSync(output, '');
  const run = jailctl(['run', '--spec', mounts, '--', script]);
  t.equal(run.code, 0, run.stderr);
  t.equal(run.stdout, 'done\n');
  t.equal(readFileSync(output, 'utf8'), 'second\n', 'read the bound input, wrote through the read-write bind');
  const confined = jailctl(['run', '--spec', mounts, '--seccomp', profile, '--', script]);
  t.equal(confined.code, 0, `and with the traced profile too: ${confined.stderr}`);
});

t.test('--jail: paths as the jail shows them, and the exit status', async (t) => {
  const data = file('jail-data.txt');
  writeFileSync(data, 'from-host\n');
  const stats = file('jail.stats.json');
  const command = ['/bin/sh', '-c', 'read line < /srv/data.txt; echo "got $line"; test -r /proc/self/status; exit 6'];
  const r = jailctl(['trace', '--jail', '--proc', '--ro', `${data}:/srv/data.txt`, '--stats', stats, '-o', file('jail.json'), '--', ...command]);
  t.equal(r.code, 6, r.stderr);
  t.equal(r.stdout, 'got from-host\n');
  const files = readJson<TraceStatsFile>(stats).files;
  const opened = (path: string): boolean => files.some((f) => f.path === path && f.ok > 0);
  t.ok(opened('/srv/data.txt'), 'the file at its place in the jail');
  t.ok(opened('/proc/self/status'), "the jail's /proc");
  t.notOk(files.some((f) => f.path === data), 'not the host path');
});

t.test('--jail --mounts: the list keeps the jail\'s own mounts, so `run --spec` of it works', async (t) => {
  const data = file('jail-data2.txt');
  writeFileSync(data, 'bound\n');
  const mounts = file('jail2.jail.json');
  const command = ['/bin/sh', '-c', 'read line < /srv/data.txt; echo "got $line"'];
  const traced = jailctl(['trace', '--jail', '--ro', `${data}:/srv/data.txt`, '--tmpfs', '/scratch', '--mounts', mounts, '-o', file('jail2.json'), '--', ...command]);
  t.equal(traced.code, 0, traced.stderr);
  const spec = readJson<{ ro?: string[]; tmpfs?: string[] }>(mounts);
  t.ok(spec.ro?.includes(`${data}:/srv/data.txt`), `the bind with its destination: ${JSON.stringify(spec)}`);
  t.same(spec.tmpfs, ['/scratch']);
  const run = jailctl(['run', '--spec', mounts, '--', ...command]);
  t.equal(run.code, 0, run.stderr);
  t.equal(run.stdout, 'got bound\n');
});

t.test('learning: run --learn names the call the profile lacks; merged, the program runs without it', async (t) => {
  const full = file('uname.json');
  t.equal(jailctl(['trace', '-o', full, '--', '/bin/uname', '-s']).code, 0);
  const lacking = profileWithout(full, 'uname', file('no-uname.json'));
  t.equal(jailctl(['run', '--seccomp', lacking, '--', '/bin/uname', '-s']).code, 159, 'without uname(2) it is killed');

  const learned = file('learned.json');
  const learning = jailctl(['run', '--seccomp', lacking, '--learn', learned, '--', '/bin/uname', '-s']);
  t.equal(learning.code, 0, learning.stderr);
  t.equal(learning.stdout, 'Linux\n', 'the program ran to its end');
  t.same(allowedNames(learned), ['uname'], 'the file names the missing call, and only it');

  const merged = file('merged.json');
  const merge = jailctl(['profile', 'merge', lacking, learned, '-o', merged]);
  t.equal(merge.code, 0, merge.stderr);
  const run = jailctl(['run', '--seccomp', merged, '--', '/bin/uname', '-s']);
  t.equal(run.code, 0, run.stderr);
  t.equal(run.stdout, 'Linux\n');
});
