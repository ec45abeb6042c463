// As root, with real-world profiles that may not be committed (JAILCTL_PROFILE_CORPUS=DIR, see
// test/unit/profile/corpus.test.ts): `jailctl run --seccomp` loads each one and a busybox runs
// under it; one without execve (OpenWrt's) starts too, as pid 1 answers its first execve, and
// what the profile then refuses is named; Docker's default.json (as docker-default.json) refuses
// keyctl, as dockerd's conversion of it does, while the same program runs without it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { archFromNode } from '../../src/profile/arch.js';
import { parseProfile } from '../../src/profile/parse.js';
import { isRoot, jailctl } from '../helpers/jailctl.js';

const corpus = process.env['JAILCTL_PROFILE_CORPUS'];
if (!isRoot) t.plan(0, 'needs root');
else if (corpus === undefined) t.plan(0, 'set JAILCTL_PROFILE_CORPUS to a folder of real-world profiles to run this');

const files = isRoot && corpus !== undefined ? readdirSync(corpus).filter((f) => f.endsWith('.json')).sort() : [];
const arch = archFromNode();

for (const name of files) {
  const file = join(corpus!, name);
  const text = readFileSync(file, 'utf8');
  const forRun = parseProfile(text, name, { arch, forRun: true, execveAnswered: true, docker: { arch, kernel: '6.1', caps: [] } });
  const allowsExecve = parseProfile(text, name, { arch, forRun: true, docker: { arch, kernel: '6.1', caps: [] } }).problems.length === 0;
  t.test(`run --seccomp ${name}`, async (t) => {
    const r = jailctl(['run', '--seccomp', file, '--', '/bin/busybox', 'echo', 'ran']);
    t.notMatch(r.stderr, /\n\s+at /, 'warnings, if any, are lines, not a stack trace');
    if (forRun.problems.length > 0) {
      t.equal(r.code, 125, `refused for run: ${forRun.problems[0]}`);
      return;
    }
    if (allowsExecve) {
      t.equal(r.code, 0, r.stderr);
      t.equal(r.stdout, 'ran\n');
      return;
    }
    // the program started (a setup or execve failure is 125-127): it ran, or what it called next
    // was refused by the profile (named when it kills) or failed with its errno
    t.notOk([125, 126, 127].includes(r.code ?? -1), `no execve in the profile, the program still starts: ${r.stderr}`);
    if (r.code === 159) t.match(r.stderr, /seccomp refused \w+ in pid \d+ \(\S*busybox\); killing it/);
  });
}

t.test('Docker\'s default profile refuses keyctl, as under docker', { skip: files.includes('docker-default.json') && existsSync('/usr/bin/keyctl') ? false : 'needs docker-default.json in the corpus and keyctl (apt-get install keyutils)' }, async (t) => {
  // without the baseline filter, which refuses keyrings itself: the profile alone refuses it
  t.equal(jailctl(['run', '--no-baseline-filter', '--', '/usr/bin/keyctl', 'show']).code, 0, 'keyctl works in a jail');
  const r = jailctl(['run', '--no-baseline-filter', '--seccomp', join(corpus!, 'docker-default.json'), '--', '/usr/bin/keyctl', 'show']);
  t.equal(r.code, 1);
  t.match(r.stderr, /Operation not permitted/);
});
