// Output that cannot be written is an error, as for a C tool: help into /dev/full, and any output
// with standard output closed (Node silently reopens a closed fd 1 on /dev/null).
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { CLI, REPO } from '../../helpers/jailctl.js';

// `trace` has its own bundle (dist/trace.cjs) and entry: the same handling there
for (const args of ['--help', '--version', 'run --help', 'help profile', 'trace --help']) {
  t.test(`${args} into /dev/full fails with one line`, async (t) => {
    const full = spawnSync('/bin/sh', ['-c', `exec "$@" >/dev/full`, 'sh', process.execPath, CLI, ...args.split(' ')], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
    t.equal(full.status, 125, full.stderr);
    t.match(full.stderr, /^jailctl: cannot write to standard output: ENOSPC/);
    t.equal(full.stderr.trim().split('\n').length, 1);
  });
  t.test(`${args} with standard output closed fails with EBADF`, async (t) => {
    const closed = spawnSync('/bin/sh', ['-c', `exec "$@" >&-`, 'sh', process.execPath, CLI, ...args.split(' ')], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
    t.equal(closed.status, 125, closed.stderr);
    t.match(closed.stderr, /^jailctl: cannot write to standard output: EBADF/);
  });
}

t.test('output to /dev/null is fine: it was opened by the shell, not left closed', async (t) => {
  const r = spawnSync('/bin/sh', ['-c', 'exec "$@" >/dev/null', 'sh', process.execPath, CLI, '--version'], { cwd: REPO, encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stderr, '');
});

t.test('everything on /dev/null read-write (a daemon(3) parent) is not a closed stdout', async (t) => {
  const r = spawnSync('/bin/sh', ['-c', 'exec "$@" <>/dev/null >&0 2>&0', 'sh', process.execPath, CLI, '--version'], { cwd: REPO, encoding: 'utf8' });
  t.equal(r.status, 0);
});

t.test('a plan printed into a closed stdout is lost: an error, not exit 0', async (t) => {
  const r = spawnSync('/bin/sh', ['-c', 'exec "$@" >&-', 'sh', process.execPath, CLI, 'run', '--dry-run', '--', '/bin/true'], { cwd: REPO, encoding: 'utf8' });
  t.equal(r.status, 125, r.stderr);
});

t.test('a trace plan printed into a closed stdout is lost: an error, not exit 0', async (t) => {
  const r = spawnSync('/bin/sh', ['-c', 'exec "$@" >&-', 'sh', process.execPath, CLI, 'trace', '--dry-run', '--', '/bin/true'], { cwd: REPO, encoding: 'utf8' });
  t.equal(r.status, 125, r.stderr);
  t.match(r.stderr, /^jailctl: cannot write to standard output: EBADF/);
});

t.test('a command that writes nothing to stdout keeps its status with stdout closed', async (t) => {
  const bad = spawnSync('/bin/sh', ['-c', 'exec "$@" >&-', 'sh', process.execPath, CLI, 'run', '--bogus'], { cwd: REPO, encoding: 'utf8' });
  t.equal(bad.status, 125);
  t.match(bad.stderr, /^jailctl: unknown option '--bogus'/, 'the usage error, not an output error');
  t.notMatch(bad.stderr, /EBADF/);
});
