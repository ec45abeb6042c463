// As root: `jailctl run --seccomp` installs the compiled filter as the last step before execve.
// The profiles allow what /bin/sh and a few coreutils need (found with `strace -f -c` on the
// host, plus a generous margin), keeping only the names the host arch has.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { archFromNode, resolveSyscall } from '../../src/profile/arch.js';
import { isRoot, jailctl } from '../helpers/jailctl.js';

if (!isRoot) t.plan(0, 'needs root');

const SHELL_SYSCALLS = [
  // dynamic loader and libc start-up
  'execve', 'brk', 'arch_prctl', 'access', 'faccessat', 'faccessat2', 'openat', 'open', 'read', 'pread64', 'close',
  'newfstatat', 'fstat', 'stat', 'lstat', 'statx', 'mmap', 'mmap2', 'mprotect', 'munmap', 'madvise', 'mremap',
  'set_tid_address', 'set_robust_list', 'rseq', 'prlimit64', 'getrandom', 'futex', 'set_thread_area', 'set_tls',
  // the shell: signals, processes, pipes, redirections, ids
  'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'sigreturn', 'sigaltstack', 'clone', 'clone3', 'vfork', 'fork',
  'wait4', 'waitid', 'exit', 'exit_group', 'pipe', 'pipe2', 'dup', 'dup2', 'dup3', 'fcntl', 'fcntl64', 'ioctl',
  'getpid', 'getppid', 'gettid', 'getuid', 'geteuid', 'getgid', 'getegid', 'getpgrp', 'setpgid', 'getpgid',
  'getsid', 'kill', 'tgkill', 'umask', 'getcwd', 'chdir', 'fchdir', 'uname', 'sysinfo', 'getrlimit',
  // output and coreutils
  'write', 'writev', 'readv', 'pwrite64', 'lseek', '_llseek', 'fadvise64', 'fadvise64_64', 'statfs', 'fstatfs',
  'getdents64', 'readlink', 'readlinkat', 'rmdir', 'unlinkat', 'unlink', 'poll', 'ppoll', 'select', 'pselect6',
  'nanosleep', 'clock_nanosleep', 'clock_gettime', 'clock_gettime64', 'gettimeofday', 'sched_getaffinity',
];

const arch = archFromNode();
const dir = mkdtempSync(join(tmpdir(), 'jailctl-seccomp-'));

/** An OCI profile allowing the shell's syscalls (but `without`), plus `extra` entries first. */
function profile(name: string, options: { without?: string[]; extra?: unknown[]; defaultAction?: string } = {}): string {
  const names = SHELL_SYSCALLS.filter((n) => !(options.without ?? []).includes(n) && resolveSyscall(arch, n) !== undefined);
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({
    defaultAction: options.defaultAction ?? 'SCMP_ACT_KILL_PROCESS',
    syscalls: [...(options.extra ?? []), { names, action: 'SCMP_ACT_ALLOW' }],
  }));
  return path;
}

/** `--ro` flags for a binary and the shared libraries ldd finds for it. */
function roWithLibs(binary: string): string[] {
  const ldd = spawnSync('ldd', [binary], { encoding: 'utf8' });
  const libs = [...ldd.stdout.matchAll(/=> (\/\S+)/g)].map((m) => m[1]!);
  return [binary, ...libs].flatMap((p) => ['--ro', p]);
}

const DENY_MKDIR = [{ names: ['mkdir', 'mkdirat'].filter((n) => resolveSyscall(arch, n) !== undefined), action: 'SCMP_ACT_ERRNO' }];

t.test('a denied syscall fails with EPERM while the rest of the script works', async (t) => {
  const p = profile('no-mkdir.json', { extra: DENY_MKDIR });
  const r = jailctl(['run', '--tmpfs', '/tmp', ...roWithLibs('/bin/mkdir'), '--seccomp', p, '--',
    '/bin/sh', '-c', 'echo before; mkdir /tmp/x; echo "mkdir exit $?"; test -d /tmp/x || echo no-dir; echo after']);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'before\nmkdir exit 1\nno-dir\nafter\n');
  t.match(r.stderr, /mkdir: cannot create directory '\/tmp\/x': Operation not permitted/);
});

t.test('the filter is in force in the service: Seccomp: 2 in /proc/self/status', async (t) => {
  const r = jailctl(['run', '--proc', '--seccomp', profile('status.json', { extra: DENY_MKDIR }), '--', '/bin/cat', '/proc/self/status']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /\nSeccomp:\s+2\n/);
  t.match(r.stdout, /\nNoNewPrivs:\s+1\n/);
  t.match(r.stdout, /\nSeccomp_filters:\s+2\n/, 'the profile over the baseline filter');
  const baseline = jailctl(['run', '--proc', '--', '/bin/cat', '/proc/self/status']);
  t.match(baseline.stdout, /\nSeccomp_filters:\s+1\n/, 'without --seccomp the baseline filter alone');
  const without = jailctl(['run', '--proc', '--no-baseline-filter', '--', '/bin/cat', '/proc/self/status']);
  t.match(without.stdout, /\nSeccomp:\s+0\n/, 'and none with --no-baseline-filter');
});

t.test('a KILL_PROCESS default kills the service with SIGSYS: exit 159 (128+31)', async (t) => {
  const r = jailctl(['run', '--seccomp', profile('no-uname.json', { without: ['uname'] }), '--', '/bin/uname']);
  t.equal(r.code, 159, r.stderr);
  t.equal(r.stdout, '');
  const allowed = jailctl(['run', '--seccomp', profile('uname.json'), '--', '/bin/uname', '-s']);
  t.equal(allowed.code, 0, allowed.stderr);
  t.equal(allowed.stdout, 'Linux\n');
});

t.test('a procd legacy profile works the same way', async (t) => {
  const path = join(dir, 'legacy.json');
  writeFileSync(path, JSON.stringify({ whitelist: SHELL_SYSCALLS.filter((n) => resolveSyscall(arch, n) !== undefined), policy: 0 }));
  const r = jailctl(['run', '--seccomp', path, '--', '/bin/sh', '-c', 'echo legacy-ok']);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'legacy-ok\n');
});

t.test('a profile without execve (procd\'s own have none): the service starts, and every later execve is refused', async (t) => {
  const marks = mkdtempSync(join(tmpdir(), 'jailctl-marks-'));
  const p = profile('no-execve.json', { without: ['execve'] });
  const r = jailctl(['run', '--rw', marks, '--seccomp', p, '--', '/bin/sh', '-c', `echo started > ${marks}/started; exec /bin/sh -c 'echo second exec'`]);
  t.equal(r.code, 159, r.stderr);
  t.ok(existsSync(join(marks, 'started')), 'the service ran');
  t.equal(r.stdout, '');
  t.match(r.stderr, /^jailctl: sh: seccomp refused execve in pid 2 \(\/(usr\/)?bin\/(da)?sh\); killing it$/m);
  const errno = profile('no-execve-errno.json', { without: ['execve'], defaultAction: 'SCMP_ACT_ERRNO' });
  const e = jailctl(['run', '--seccomp', errno, '--', '/bin/sh', '-c', '/bin/true; echo "exit $?"']);
  t.equal(e.code, 0, e.stderr);
  t.equal(e.stdout, 'exit 126\n', 'an ERRNO default answers a later execve with its errno');
  t.match(e.stderr, /Operation not permitted/);
  t.notMatch(e.stderr, /seccomp refused/);
});

t.test('a profile without execve that also warns (OpenWrt\'s name other arches have): the service starts with the warning; --seccomp-strict refuses it', async (t) => {
  const marks = mkdtempSync(join(tmpdir(), 'jailctl-marks-'));
  const p = profile('no-execve-warned.json', { without: ['execve'], extra: [{ names: ['nosuchcall'], action: 'SCMP_ACT_ALLOW' }] });
  const script = `echo started > ${marks}/started; echo ran`;
  const r = jailctl(['run', '--rw', marks, '--seccomp', p, '--', '/bin/sh', '-c', script]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'ran\n');
  t.match(r.stderr, /^jailctl: warning: .*no-execve-warned\.json: \/syscalls\/0\/names\/0: "nosuchcall" is not a syscall/m);
  t.notMatch(r.stderr, /execve is not allowed/, 'no execve finding: pid 1 answers the first one');
  rmSync(join(marks, 'started'));
  const strict = jailctl(['run', '--rw', marks, '--seccomp-strict', '--seccomp', p, '--', '/bin/sh', '-c', script]);
  t.equal(strict.code, 125, strict.stderr);
  t.equal(strict.stdout, '');
  t.match(strict.stderr, /^jailctl: .*no-execve-warned\.json: \/syscalls\/0\/names\/0: "nosuchcall" is not a syscall/m);
  t.notOk(existsSync(join(marks, 'started')), 'the service never started');
});

t.test('a thread kill (SCMP_ACT_KILL, procd legacy policy 0) is named as a process kill is', async (t) => {
  const names = SHELL_SYSCALLS.filter((n) => n !== 'uname' && resolveSyscall(arch, n) !== undefined);
  const legacy = join(dir, 'legacy-policy0.json');
  writeFileSync(legacy, JSON.stringify({ whitelist: names }));
  const oci = profile('kill-thread.json', { without: ['uname'], defaultAction: 'SCMP_ACT_KILL' });
  for (const p of [legacy, oci]) {
    const r = jailctl(['run', ...roWithLibs('/bin/uname'), '--seccomp', p, '--', '/bin/uname', '-s']);
    t.equal(r.code, 159, `killed as the kernel's thread kill ends a single-threaded process: ${r.stderr}`);
    t.equal(r.stdout, '');
    t.match(r.stderr, /^jailctl: \S+: seccomp refused uname in pid \d+ \(\S*uname\); killing it$/m, p);
  }
});
