// As root, x86_64: adversarial probes of a jail's seccomp side, run inside real jails by a static
// probe built at test time (test/fixtures/escapes/jail-probe.c): the tracer trick and a listener of
// the service's own against named refusals, the x32 bit, i386 compat calls, 64-bit argument high
// words, clone3, unshare(CLONE_NEWUSER) in every configuration, io_uring, the kernel keyring,
// set-ID files, i386 socketcall. Each class also runs where it gets through (--no-baseline-filter),
// so every assertion is seen to fail when the defence is missing.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { resolveSyscall, type ArchName } from '../../src/profile/arch.js';
import { CLI, isRoot, jailctl } from '../helpers/jailctl.js';

const SOURCE = fileURLToPath(new URL('../../../test/fixtures/escapes/jail-probe.c', import.meta.url));
const staticLibc = existsSync('/usr/lib/x86_64-linux-gnu/libc.a');
if (!isRoot) t.plan(0, 'needs root');
else if (process.arch !== 'x64') t.plan(0, 'the probe is x86_64 code (int $0x80, x32)');
else if (!staticLibc) t.plan(0, 'needs gcc and a static libc (Debian libc6-dev) to build the probe');

const dir = mkdtempSync(join(tmpdir(), 'jailctl-escapes-'));
chmodSync(dir, 0o755); // root of a user namespace (uid 100000 outside) must reach the probe
const probePath = join(dir, 'jail-probe');
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.before(() => {
  const r = spawnSync('gcc', ['-static', '-O1', '-Wall', '-Werror', '-o', probePath, SOURCE], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc failed: ${r.stderr}`);
});

const nr = (name: string, abi: ArchName = 'x86_64'): number => {
  const n = resolveSyscall(abi, name);
  if (n === undefined) throw new Error(`${name} on ${abi}`);
  return abi === 'x32' ? n - 0x40000000 : n;
};
const hex = (v: bigint) => `0x${v.toString(16)}`;
const CLONE_NEWUSER = 0x10000000n;
const HIGH = 1n << 32n;
const TIOCSTI = 0x5412n;

interface Probe { results: Record<string, string>; stderr: string; code: number | null }

/** Runs the probe in a jail made with `options`; attempt -> "ok" | "errno N" | "killed SIG". */
function probe(options: string[], attempts: string[]): Probe {
  const r = jailctl(['run', ...options, '--ro', probePath, '--', probePath, ...attempts], { timeout: 60_000 });
  const results = Object.fromEntries(r.stdout.trim().split('\n').filter(Boolean).map((line) => {
    const [attempt, ...rest] = line.split(' ');
    return [attempt!, rest.join(' ')];
  }));
  return { results, stderr: r.stderr, code: r.code };
}

function profileFile(name: string, profile: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(profile));
  return path;
}

/** What the probe itself needs (static glibc), plus clone and ptrace for the tracer trick. */
const PROBE_CALLS = ['write', 'mprotect', 'brk', 'ioctl', 'clone', 'execve', 'wait4', 'readlink', 'ptrace', 'prctl', 'arch_prctl',
  'set_tid_address', 'newfstatat', 'set_robust_list', 'prlimit64', 'seccomp', 'getrandom', 'rseq', 'rt_sigprocmask',
  'rt_sigaction', 'tgkill', 'getpid', 'gettid', 'exit', 'exit_group', 'munmap', 'mmap', 'fcntl'];
const killList = () => profileFile('kill-list.json', { defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [{ names: PROBE_CALLS, action: 'SCMP_ACT_ALLOW' }] });

t.test('the tracer trick: a service allowed clone and ptrace cannot continue its own refused call', async (t) => {
  const getppid = nr('getppid');
  const p = probe(['--seccomp', killList()], [`tracer:${getppid}`, `x64:${getppid}`]);
  t.equal(p.code, 0, p.stderr);
  t.equal(p.results[`tracer:${getppid}`], 'killed 9', 'the traced grandchild dies in the refused call');
  t.equal(p.results[`x64:${getppid}`], 'killed 9');
  t.match(p.stderr, /seccomp refused getppid in pid \d+ \(.*jail-probe\); killing it/);
  t.equal(p.stderr.match(/seccomp refused getppid/g)?.length, 2, 'both named');
});

t.test('a listener of the service\'s own (it would be asked before pid 1) is refused, under any profile', async (t) => {
  const getppid = nr('getppid');
  const denyList = profileFile('deny-list.json', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_KILL_PROCESS' }] });
  for (const profile of [killList(), denyList]) {
    const p = probe(['--seccomp', profile], [`listener:${getppid}`]);
    t.equal(p.results[`listener:${getppid}`], 'errno 1', `seccomp(NEW_LISTENER) fails with EPERM (${profile})`);
  }
  const unnamed = probe(['--no-baseline-filter'], [`listener:${getppid}`]);
  t.equal(unnamed.results[`listener:${getppid}`], 'ok', 'where jailctl holds no listener, the service may have one');
});

t.test('x32 and i386 calls meet the same refusals, or are named when the profile leaves their ABI out', async (t) => {
  const attempts = [`x32:${nr('unshare', 'x32')}:${hex(CLONE_NEWUSER)}`, `i386:${nr('unshare', 'i386')}:${hex(CLONE_NEWUSER)}`, `i386:${nr('keyctl', 'i386')}:0`, `x32:${nr('keyctl', 'x32')}:0`];
  const baseline = probe([], attempts);
  for (const a of attempts) t.equal(baseline.results[a], 'errno 1', `baseline: ${a}`);
  const open = probe(['--no-baseline-filter'], attempts);
  t.equal(open.results[attempts[1]!], 'ok', 'without the baseline the i386 unshare goes through');
  const p = probe(['--seccomp', killList()], [`i386:${nr('getpid', 'i386')}`, `x32:${nr('getpid', 'x32')}`]);
  t.equal(p.results[`i386:${nr('getpid', 'i386')}`], 'killed 9');
  t.equal(p.results[`x32:${nr('getpid', 'x32')}`], 'killed 9');
  t.match(p.stderr, /seccomp refused getpid \(i386\) in pid/);
  t.match(p.stderr, /seccomp refused getpid \(x32\) in pid/);
});

t.test('the high word of an int argument hides nothing (CVE-2019-10063)', async (t) => {
  const attempts = [`x64:${nr('ioctl')}:0:${hex(TIOCSTI | HIGH)}`, `x64:${nr('unshare')}:${hex(CLONE_NEWUSER | HIGH)}`];
  const p = probe([], attempts);
  t.equal(p.results[attempts[0]!], 'errno 1', 'TIOCSTI | 1 << 32');
  t.equal(p.results[attempts[1]!], 'errno 1', 'CLONE_NEWUSER | 1 << 32');
  const open = probe(['--no-baseline-filter'], attempts);
  t.equal(open.results[attempts[0]!], 'errno 25', 'the kernel sees TIOCSTI on a non-tty: ENOTTY');
});

t.test('clone3 gets ENOSYS, so libcs fall back to clone, whose flags are checked', async (t) => {
  const attempt = `x64:${nr('clone3')}:0:0`;
  t.equal(probe([], [attempt]).results[attempt], 'errno 38');
  t.not(probe(['--no-baseline-filter'], [attempt]).results[attempt], 'errno 38', 'the kernel itself answers otherwise');
});

t.test('unshare and clone with CLONE_NEWUSER are refused in every configuration', async (t) => {
  const attempts = [`x64:${nr('unshare')}:${hex(CLONE_NEWUSER)}`, `x64:${nr('clone')}:${hex(CLONE_NEWUSER | 17n)}`, `i386:${nr('unshare', 'i386')}:${hex(CLONE_NEWUSER)}`];
  const denyList = profileFile('deny-getppid.json', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO' }] });
  const configs = [[], ['--userns'], ['--user', 'nobody'], ['--userns', '--user', 'nobody'], ['--proc', '--dev', '--netns'], ['--seccomp', denyList]];
  for (const config of configs) {
    const p = probe(config, attempts);
    for (const a of attempts) {
      // a profile that lists no i386 kills every i386 call itself (SIGSYS)
      const refused = config[0] === '--seccomp' && a.startsWith('i386') ? 'killed 31' : 'errno 1';
      t.equal(p.results[a], refused, `${config.join(' ') || 'default'}: ${a}`);
    }
  }
  const open = probe(['--no-baseline-filter'], attempts);
  t.equal(open.results[attempts[0]!], 'ok', 'without the baseline a new user namespace is made');
});

t.test('io_uring and the keyring calls are refused', async (t) => {
  const attempts = [`x64:${nr('io_uring_setup')}:1:0`, `x64:${nr('keyctl')}:0`, `x64:${nr('add_key')}:0`, `x64:${nr('bpf')}:0`, `x64:${nr('userfaultfd')}:0`];
  const p = probe(['--user', 'nobody'], attempts);
  for (const a of attempts) t.equal(p.results[a], 'errno 1', a);
  t.equal(probe(['--no-baseline-filter'], [attempts[0]!]).results[attempts[0]!], 'errno 14', 'the kernel itself reads the (null) params: EFAULT');
});

t.test('the caller\'s session keyring does not reach the jail, whatever the filter', { skip: spawnSync('keyctl', ['--version']).error ? 'needs keyctl (Debian keyutils)' : false }, async (t) => {
  const run = (jail: string) => spawnSync('keyctl', ['session', '-', '/bin/sh', '-c',
    `keyctl add user demo s3cret @s >/dev/null && keyctl print %user:demo && "${process.execPath}" "${CLI}" run ${jail} --ro /usr/bin/keyctl -- /usr/bin/keyctl print %user:demo; echo "jail=$?"`], { encoding: 'utf8', timeout: 60_000 });
  for (const jail of ['--no-baseline-filter', '--no-baseline-filter --proc', '--no-baseline-filter --userns --user nobody', '']) {
    const r = run(jail);
    t.match(r.stdout, /^s3cret\n/, `the key is there outside (${jail || 'default'})`);
    t.equal(r.stdout.match(/s3cret/g)?.length, 1, `and not inside (${jail || 'default'}): ${r.stderr}`);
    t.match(r.stdout, /jail=[1-9]/);
  }
});

t.test('a root service with --rw cannot plant a set-user-ID binary; --allow-suid-sgid lets it', async (t) => {
  const rw = mkdtempSync(join(dir, 'rw-'));
  const plant = ['--rw', rw, '--ro', '/bin/cp', '--ro', '/bin/chmod', '--ro', '/usr/bin/id', '--', '/bin/sh', '-c', `cp /usr/bin/id ${rw}/id && chmod 4755 ${rw}/id; install_status=$?; echo "status=$install_status"`];
  const r = jailctl(['run', ...plant]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /status=1/);
  t.match(r.stderr, /Operation not permitted/);
  t.equal(statSync(join(rw, 'id')).mode & 0o6000, 0, 'no set-ID bit on the host');
  const allowed = jailctl(['run', '--allow-suid-sgid', ...plant]);
  t.match(allowed.stdout, /status=0/, allowed.stderr);
  t.equal(statSync(join(rw, 'id')).mode & 0o7777, 0o4755, 'with the option, as asked');
});

t.test('a socket deny rule listing x86 also refuses i386 socketcall(SYS_SOCKET)', async (t) => {
  const attempts = [`i386:${nr('socket', 'i386')}:2:1:0`, 'socketcall:2'];
  // without the rule both get through (the baseline leaves AF_INET alone): the probe can fail
  const open = probe([], attempts);
  if (open.results['socketcall:2'] === 'errno 38') {
    t.plan(0, 'this kernel runs no i386 calls (IA32 emulation off)');
    return;
  }
  t.same(open.results, { [attempts[0]!]: 'ok', 'socketcall:2': 'ok' }, `no rule: both get through\n${open.stderr}`);
  const profile = profileFile('no-socket.json', {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
    syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }],
  });
  const p = probe(['--seccomp', profile], attempts);
  t.equal(p.results[attempts[0]!], 'errno 13', 'the direct i386 socket call');
  t.equal(p.results['socketcall:2'], 'errno 13', 'the multiplexed one, as libseccomp (runc) refuses it');
});
