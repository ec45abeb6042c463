// Kernels older than the calls the launcher prefers, simulated: jailctl runs under a seccomp
// filter (Debian's python3-seccomp) that answers one syscall with ENOSYS. Without
// mount_setattr(2) (Linux < 5.12) a directory bind fails closed; without openat2(2) (< 5.6) plan
// paths are opened component by component and the jail still builds.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { CLI, isRoot } from '../helpers/jailctl.js';

const PYTHON = '/usr/bin/python3';
const hasSeccomp = spawnSync(PYTHON, ['-c', 'import seccomp'], { stdio: 'ignore' }).status === 0;
if (!isRoot) t.plan(0, 'needs root');
else if (!hasSeccomp) t.plan(0, 'needs python3-seccomp (apt-get install python3-seccomp)');

const dir = t.testdir({});
const wrapper = join(dir, 'without.py');
writeFileSync(wrapper, [
  'import errno, os, sys, seccomp',
  'f = seccomp.SyscallFilter(seccomp.ALLOW)',
  'f.add_rule(seccomp.ERRNO(errno.ENOSYS), sys.argv[1])',
  'f.load()',
  'os.execv(sys.argv[2], sys.argv[2:])',
].join('\n'));

const runWithout = (syscall: string, args: string[]) => {
  const r = spawnSync(PYTHON, [wrapper, syscall, process.execPath, CLI, 'run', ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, JAILCTL_PLAN_CACHE: 'off' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

t.test('without mount_setattr, a directory bind stops the jail with one line; file binds still work', async (t) => {
  const dirBind = runWithout('mount_setattr', ['--ro', '/etc', '--', '/bin/cat', '/etc/hostname']);
  t.equal(dirBind.code, 125);
  t.equal(dirBind.stdout, '', 'the command never ran');
  t.match(dirBind.stderr, /^jailctl: cat: make \/etc and every mount below it read-only,nosuid,nodev: mount_setattr\(2\): ENOSYS .*\nhint: read-only directory binds need mount_setattr\(2\), Linux 5\.12 or later/);
  const fileBind = runWithout('mount_setattr', ['--ro', '/etc/hostname', '--', '/bin/cat', '/etc/hostname']);
  t.equal(fileBind.code, 0, fileBind.stderr);
  t.not(fileBind.stdout, '');
});

t.test('without openat2, the launcher walks plan paths component by component', async (t) => {
  const r = runWithout('openat2', ['--proc', '--ro', '/etc', '--', '/bin/cat', '/proc/1/cmdline', '/etc/hostname']);
  t.equal(r.code, 1, 'cat fails on the masked /proc/1/cmdline only');
  t.match(r.stderr, /\/proc\/1\/cmdline: No such file or directory/);
  t.not(r.stdout, '', '/etc/hostname was read');
});
