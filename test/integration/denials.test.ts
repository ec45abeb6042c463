// As root: a syscall the profile refuses is named in jailctl's log, not a bare SIGSYS.
import { realpathSync } from 'node:fs';
import t from 'tap';
import { isRoot, jailctl } from '../helpers/jailctl.js';

if (!isRoot) t.plan(0, 'needs root');

const PROFILE = 'test/fixtures/seccomp-run/sh-basic.json';
// pid 1 names the program from the jail's /proc (the kernel's word, not argv[0]): merged /usr shows
const HOSTNAME = realpathSync('/bin/hostname').replace(/[/.]/g, (c) => `\\${c}`);

t.test('the service killed for a refused call: named, and exit 128+SIGSYS like the kernel kill', async (t) => {
  const r = jailctl(['run', '--ro', '/bin/hostname', '--seccomp', PROFILE, '--', '/bin/sh', '-c', 'echo before; exec /bin/hostname other']);
  t.equal(r.code, 159, r.stderr);
  t.match(r.stdout, /before/);
  t.match(r.stderr, new RegExp(`^jailctl: sh: seccomp refused sethostname in pid 2 \\(${HOSTNAME}\\); killing it$`, 'm'));
});

t.test('a child killed for a refused call is named with its own program', async (t) => {
  const r = jailctl(['run', '--ro', '/bin/hostname', '--seccomp', PROFILE, '--', '/bin/sh', '-c', '/bin/hostname other; echo after=$?']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /after=137/);
  t.match(r.stderr, new RegExp(`seccomp refused sethostname in pid 3 \\(${HOSTNAME}\\); killing it`));
});

t.test('errno rules still answer with their errno, unlogged', async (t) => {
  const r = jailctl(['run', '--ro', '/bin/mkdir', '--seccomp', PROFILE, '--', '/bin/sh', '-c', '/bin/mkdir /x; echo status=$?']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /status=1/);
  t.match(r.stderr, /Operation not permitted/);
  t.notMatch(r.stderr, /seccomp refused/);
});

t.test('the filter is in place: Seccomp 2 for the service', async (t) => {
  const r = jailctl(['run', '--proc', '--ro', '/bin/cat', '--seccomp', PROFILE, '--', '/bin/cat', '/proc/self/status']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^Seccomp:\s+2$/m);
  t.match(r.stdout, /^NoNewPrivs:\s+1$/m);
});
