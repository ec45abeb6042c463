// As root: a syscall the profile refuses is named in jailctl's log, not a bare SIGSYS.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

t.test('a refused call in a second thread kills the whole process, read as the kernel\'s kill (159)', { skip: existsSync('/usr/bin/python3') ? false : 'needs /usr/bin/python3' }, async (t) => {
  const stdlib = spawnSync('/usr/bin/python3', ['-c', 'import sysconfig; print(sysconfig.get_path("stdlib"))'], { encoding: 'utf8' }).stdout.trim();
  const dir = mkdtempSync(join(tmpdir(), 'jailctl-denials-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const profile = join(dir, 'no-sethostname.json');
  writeFileSync(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['sethostname'], action: 'SCMP_ACT_KILL_PROCESS' }] }));
  const script = 'import socket, threading, time\nt = threading.Thread(target=lambda: socket.sethostname("x"))\nt.start(); t.join(); time.sleep(0.5)\nprint("alive")';
  const r = jailctl(['run', '--ro', stdlib, '--seccomp', profile, '--', '/usr/bin/python3', '-c', script]);
  t.equal(r.code, 159, r.stderr);
  t.equal(r.stdout, '', 'the main thread died too');
  t.match(r.stderr, /^jailctl: python3: seccomp refused sethostname in pid 3 \(\/usr\/bin\/python3[.\d]*\); killing it$/m);
});
