// As root: really build jails and probe them from inside.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import t from 'tap';
import { isRoot, jailctl, startJailctl } from '../helpers/jailctl.js';

if (!isRoot) t.plan(0, 'needs root');

const sh = (script: string, ...flags: string[]) => jailctl(['run', ...flags, '--', '/bin/sh', '-c', script]);

t.test('hostname is the jail name in a new UTS namespace', async (t) => {
  t.equal(jailctl(['run', '--', '/bin/hostname']).stdout.trim(), 'hostname');
  t.equal(jailctl(['run', '--hostname', 'box', '--', '/bin/hostname']).stdout.trim(), 'box');
});

t.test('the service is pid 2 under a pid-1 reaper', async (t) => {
  const r = sh('echo $$');
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout.trim(), '2');
});

t.test('/proc shows only the jail', async (t) => {
  const r = jailctl(['run', '--proc', '--', '/bin/ls', '/proc']);
  t.equal(r.code, 0, r.stderr);
  const pids = r.stdout.split('\n').filter((l) => /^\d+$/.test(l)).map(Number);
  t.ok(pids.length >= 1 && pids.length <= 3, `pids ${pids.join(',')}`);
  t.ok(pids.every((p) => p <= 3));
});

t.test('the root is read-only and holds only what was bound', async (t) => {
  const r = sh('echo x > /probe 2>/dev/null && echo wrote; test -e /etc/shadow && echo shadow; test -e /home && echo home; ls -a /', '--ro', '/bin/ls');
  t.equal(r.code, 0, r.stderr);
  t.notMatch(r.stdout, /wrote|shadow|home/);
  // the command, its libraries (merged-/usr links, the loader cache) and nothing else
  t.same(r.stdout.trim().split('\n').sort(), ['.', '..', 'bin', 'etc', 'lib', 'lib64', 'usr']);
});

t.test('--rw and --tmpfs are writable, --ro is not', async (t) => {
  const r = sh('echo a > /scratch/f && echo tmpfs-ok; echo b > /etc/hostname 2>/dev/null || echo ro-refused', '--tmpfs', '/scratch', '--ro', '/etc/hostname');
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /tmpfs-ok/);
  t.match(r.stdout, /ro-refused/);
});

t.test('no descriptor leaks into the jail', async (t) => {
  // fd 3 is open in jailctl (a pipe from this test); the service must not have it
  const r = spawnSync(process.execPath, [new URL('../../../dist/jailctl.mjs', import.meta.url).pathname, 'run', '--proc', '--', '/bin/ls', '/proc/self/fd'], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'], encoding: 'utf8', timeout: 20_000,
  });
  t.equal(r.status, 0, r.stderr);
  t.same(r.stdout.trim().split('\n').map(Number).sort(), [0, 1, 2, 3], 'only stdio and ls\'s own directory fd');
  const script = sh('echo leak >&3 2>/dev/null && echo leaked || echo closed');
  t.match(script.stdout, /closed/);
});

t.test('every capability set is empty, no_new_privs is set, no controlling terminal', async (t) => {
  const r = jailctl(['run', '--proc', '--', '/bin/cat', '/proc/self/status']);
  t.equal(r.code, 0, r.stderr);
  for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) t.match(r.stdout, new RegExp(`${set}:\\s+0{16}\\n`), set);
  t.match(r.stdout, /NoNewPrivs:\s+1/);
  const stat = jailctl(['run', '--proc', '--', '/bin/cat', '/proc/self/stat']).stdout.split(' ');
  t.equal(stat[6], '0', 'tty_nr is 0');
  t.equal(stat[5], stat[0], 'the service leads its own session');
});

t.test('capabilities from a procd JSON file are kept', async (t) => {
  const r = jailctl(['run', '--proc', '--caps', 'test/fixtures/caps/net-bind.json', '--', '/bin/cat', '/proc/self/status']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /CapBnd:\s+0000000000000400/);
  t.match(r.stdout, /CapEff:\s+0000000000000400/);
});

t.test('--user switches uid and gid', async (t) => {
  const r = jailctl(['run', '--user', 'nobody', '--proc', '--', '/bin/cat', '/proc/self/status']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /Uid:\s+65534\s+65534\s+65534\s+65534/);
  t.match(r.stdout, /CapEff:\s+0{16}/);
});

t.test('exit codes pass through; a signal death is 128+N', async (t) => {
  t.equal(jailctl(['run', '--', '/bin/false']).code, 1);
  t.equal(jailctl(['run', '--', '/bin/true']).code, 0);
  t.equal(sh('exit 7').code, 7);
  t.equal(sh('kill -TERM $$').code, 143);
  t.equal(sh('kill -KILL $$').code, 137);
});

t.test('SIGTERM, SIGINT, SIGHUP, SIGUSR1 and SIGUSR2 reach the service', async (t) => {
  const codes: Record<string, number> = { SIGTERM: 41, SIGINT: 42, SIGHUP: 43, SIGUSR1: 44, SIGUSR2: 45 };
  for (const [signal, code] of Object.entries(codes)) {
    const trap = signal.slice(3);
    const run = startJailctl(['run', '--', '/bin/sh', '-c', `trap 'exit ${code}' ${trap}; echo ready; while :; do :; done`]);
    await run.waitFor('ready');
    run.child.kill(signal as NodeJS.Signals);
    const result = await run.done;
    t.equal(result.code, code, `${signal}: ${result.stderr}`);
  }
});

t.test('killing jailctl kills the jail', async (t) => {
  const marker = `jailctl-marker-${process.pid}`;
  const run = startJailctl(['run', '--', '/bin/sh', '-c', `echo ready; while :; do :; done`, marker]);
  await run.waitFor('ready');
  const before = spawnSync('pgrep', ['-f', marker], { encoding: 'utf8' }).stdout.trim();
  t.not(before, '', 'the service runs');
  run.child.kill('SIGKILL');
  await run.done;
  let after = 'x';
  for (let i = 0; i < 50 && after !== ''; i++) {
    await new Promise((r) => setTimeout(r, 20));
    after = spawnSync('pgrep', ['-f', marker], { encoding: 'utf8' }).stdout.trim();
  }
  t.equal(after, '', 'no process of the jail is left');
});

t.test('--memory stops a memory hog', async (t) => {
  const hog = jailctl(['run', '--dev', '--memory', '32M', '--', '/bin/dd', 'if=/dev/zero', 'of=/dev/null', 'bs=256M', 'count=1']);
  t.equal(hog.code, 137, `killed by the OOM killer: ${hog.stderr}`);
  t.equal(hog.stderr, "jailctl: dd: the kernel's OOM killer killed a process of the jail (memory limit 32M, --memory)\n", 'and jailctl says so');
  const fine = jailctl(['run', '--dev', '--memory', '512M', '--', '/bin/dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1']);
  t.equal(fine.code, 0, fine.stderr);
  t.notMatch(fine.stderr, /OOM/, 'no OOM kill, nothing said');
});

t.test('--pids stops a fork bomb', async (t) => {
  const bomb = 'i=0; while [ $i -lt 40 ]; do sleep 2 & i=$((i+1)); done; echo all-forked';
  const limited = sh(bomb, '--dev', '--pids', '10', '--ro', '/bin/sleep');
  t.not(limited.code, 0);
  t.notMatch(limited.stdout, /all-forked/);
  t.match(limited.stderr, /fork|Resource temporarily unavailable/i);
  const unlimited = sh(bomb.replace('sleep 2', 'sleep 0.1'), '--dev', '--ro', '/bin/sleep');
  t.equal(unlimited.code, 0, unlimited.stderr);
  t.match(unlimited.stdout, /all-forked/);
});

t.test('--netns has only lo, up, and no route out', async (t) => {
  const r = jailctl(['run', '--netns', '--proc', '--', '/bin/cat', '/proc/net/dev', '/proc/net/route']);
  t.equal(r.code, 0, r.stderr);
  const ifaces = r.stdout.split('\n').filter((l) => l.includes(':') && !l.includes('|')).map((l) => l.split(':')[0]!.trim());
  t.same(ifaces, ['lo']);
  t.notMatch(r.stdout, /^\w+\s+[0-9A-F]{8}/m, 'no routes');
  const flags = jailctl(['run', '--netns', '--sys', '--', '/bin/cat', '/sys/class/net/lo/operstate', '/sys/class/net/lo/flags']);
  t.match(flags.stdout, /0x9|0x49/, 'lo is IFF_UP');
});

t.test('--userns maps root inside to an unprivileged uid outside', async (t) => {
  const r = jailctl(['run', '--userns', '--proc', '--', '/bin/cat', '/proc/self/uid_map', '/proc/self/status']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^\s*0\s+100000\s+65536$/m);
  t.match(r.stdout, /Uid:\s+0\s+0\s+0\s+0/);
  const marker = `jailctl-userns-${process.pid}`;
  const run = startJailctl(['run', '--userns', '--', '/bin/sh', '-c', 'echo ready; while :; do :; done', marker]);
  await run.waitFor('ready');
  const pid = spawnSync('pgrep', ['-f', marker], { encoding: 'utf8' }).stdout.trim().split('\n').pop()!;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  t.match(status, /Uid:\s+100000\s+100000\s+100000\s+100000/);
  run.child.kill('SIGTERM');
  await run.done;
});

t.test('a jail that cannot be built exits 125 naming the step, and the command never runs', async (t) => {
  const r = jailctl(['run', '--cwd', '/nowhere', '--', '/bin/sh', '-c', 'echo started']);
  t.equal(r.code, 125);
  t.equal(r.stdout, '');
  t.match(r.stderr, /^jailctl: sh: change directory to \/nowhere: chdir\(2\): ENOENT \(No such file or directory\)$/m);
});

t.test('cgroups are removed after the jail', async (t) => {
  const r = jailctl(['run', '--name', 'cgclean', '--pids', '50', '--', '/bin/true']);
  t.equal(r.code, 0, r.stderr);
  const leftovers = spawnSync('sh', ['-c', 'find /sys/fs/cgroup -maxdepth 6 -name "*cgclean*" 2>/dev/null'], { encoding: 'utf8' }).stdout.trim();
  t.equal(leftovers, '');
});

t.test('a script runs with its #! interpreter found automatically', async (t) => {
  t.ok(existsSync('test/fixtures/scripts/hello.sh'));
  const r = jailctl(['run', '--', 'test/fixtures/scripts/hello.sh']);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'hello from a jailed script\n');
});
