// src/profile/actions.ts with a fake ProfileIo: what the CLI cannot easily show (a terminal on
// stdout) and that actions reach files only through the interface.
import t from 'tap';
import { JailctlError } from '../../../src/errors.js';
import { checkProfileFiles, compileProfileFile, mergeProfileFiles, type ProfileIo } from '../../../src/profile/actions.js';

function fakeIo(files: Record<string, string>, stdoutIsTty = false) {
  const written: Record<string, string | Uint8Array> = {};
  const io: ProfileIo = {
    hostArch: () => 'mips',
    kernelRelease: () => '5.10.0',
    stdoutIsTty,
    readText: (path) => {
      const text = files[path];
      if (text === undefined) throw new JailctlError('PROFILE_UNREADABLE', `${path}: cannot read the file (ENOENT)`);
      return text;
    },
    readBytes: (path, what, limit) => new TextEncoder().encode(io.readText(path, what, limit)),
    writeAtomic: (path, data) => {
      written[path] = data;
    },
  };
  return { io, written };
}

const GOOD = JSON.stringify({ whitelist: ['read', 'execve', 'exit'] });

t.test('raw BPF is not written to a terminal; -o or another format is', async (t) => {
  const { io, written } = fakeIo({ 'p.json': GOOD }, true);
  t.throws(() => compileProfileFile({ file: 'p.json', format: 'raw' }, io), { code: 'USAGE', message: 'profile compile: not writing raw BPF to a terminal' });
  t.match(compileProfileFile({ file: 'p.json', format: 'hex' }, io).stdout, /^[0-9a-f]{16}\n/);
  t.match(compileProfileFile({ file: 'p.json', format: 'raw', out: 'p.bpf' }, io).stdout, /^wrote p\.bpf: \d+ BPF instructions for mips \(raw\)\n$/);
  t.ok(written['p.bpf'] instanceof Uint8Array);
});

t.test('the host arch is the default target', async (t) => {
  const { io } = fakeIo({ 'p.json': GOOD });
  t.match(checkProfileFiles(['p.json'], undefined, io).ok, [/^p\.json: OK \(procd legacy, 3 syscalls, \d+ BPF instructions for mips\)$/]);
});

t.test('check reports unreadable files apart from profile problems, and warnings apart from both', async (t) => {
  const { io } = fakeIo({ 'bad.json': '{"whitelist": ["read", "opne", "execve"], "policy": 70000}', 'warned.json': '{"whitelist": ["read"]}' });
  const report = checkProfileFiles(['bad.json', 'gone.json', 'warned.json'], 'arm', io);
  t.equal(report.unreadable, 1);
  t.match(report.ok, [/^warned\.json: OK \(procd legacy/]);
  t.match(report.problems, [/^bad\.json: \/policy: must be <= 65535/, /^gone\.json: cannot read the file \(ENOENT\)$/]);
  t.match(report.warnings, [/^warned\.json: \/whitelist: execve is not allowed/]);
  const strict = checkProfileFiles(['warned.json'], 'arm', io, { strict: true });
  t.same(strict.ok, []);
  t.match(strict.problems, [/^warned\.json: \/whitelist: execve is not allowed/]);
});

t.test('Docker-format profiles are decided for the target arch and the host kernel by default', async (t) => {
  const docker = JSON.stringify({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['execve', 'exit'], action: 'SCMP_ACT_ALLOW' },
      { names: ['cacheflush'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm'], minKernel: '5.4' } },
      { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
    ],
  });
  const { io } = fakeIo({ 'd.json': docker });
  t.match(checkProfileFiles(['d.json'], 'arm', io).ok, [/^d\.json: OK \(Docker format decided for arm, Docker's default capabilities, kernel 5\.10\.0: 2 of 3 entries apply, 3 syscalls/]);
  t.match(checkProfileFiles(['d.json'], 'arm', io, { kernel: '4.19', caps: ['CAP_SYS_ADMIN'] }).ok, [/decided for arm, CAP_SYS_ADMIN, kernel 4\.19: 2 of 3 entries apply, 3 syscalls/]);
  t.match(checkProfileFiles(['d.json'], undefined, io).ok, [/decided for mips, .*: 1 of 3 entries apply/, ], 'the host arch by default');
});

t.test('check --for RUNTIME: what the runtime\'s init needs that the profile refuses', async (t) => {
  const { io } = fakeIo({ 'p.json': JSON.stringify({ defaultAction: 'SCMP_ACT_KILL', syscalls: [{ names: ['execve', 'read'], action: 'SCMP_ACT_ALLOW' }] }) });
  const report = checkProfileFiles(['p.json'], 'x86_64', io, { runtime: 'crun' });
  t.same(report.problems, []);
  t.same(report.warnings, [
    'p.json: crun needs close, prctl, setresgid, setresuid, capset, rt_sigprocmask, rt_sigaction, write, exit, exit_group after loading the filter, and this profile refuses them: the container would not start; add them with `jailctl profile merge p.json --preset crun -o p.json`',
    "p.json: the profile kills single threads (SCMP_ACT_KILL or SCMP_ACT_KILL_THREAD): under crun a refused call leaves a multithreaded program running without that thread; use SCMP_ACT_KILL_PROCESS",
  ]);
  t.equal(checkProfileFiles(['p.json'], 'x86_64', io, { runtime: 'crun', strict: true }).problems.length, 2);
});

t.test('merge writes once, through the interface', async (t) => {
  const { io, written } = fakeIo({ 'a.json': GOOD, 'b.json': JSON.stringify({ whitelist: ['write'] }) });
  mergeProfileFiles(['a.json', 'b.json'], 'm.json', io);
  t.same(Object.keys(written), ['m.json']);
  t.match(written['m.json'], /"names": \["read", "execve", "exit", "write"\]/);
});

/** An OCI profile allowing ioctl for `count` request numbers, every third from `first` (no ranges
 * to fold): about one instruction each on mips. */
function ioctlProfile(first: number, count: number): string {
  const rules = Array.from({ length: count }, (_, i) => ({ names: ['ioctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: first + 3 * i, op: 'SCMP_CMP_EQ' }] }));
  return JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['execve', 'exit_group', 'read', 'write'], action: 'SCMP_ACT_ALLOW' }, ...rules] });
}

t.test('merge checks each input as profile check does', async (t) => {
  const tooBig = ioctlProfile(1000, 5000); // parses, but over the kernel's 4096 instructions
  const { io, written } = fakeIo({ 'a.json': GOOD, 'big.json': tooBig });
  t.equal(checkProfileFiles(['big.json'], undefined, io).problems.length, 1, 'check refuses it');
  t.throws(() => mergeProfileFiles(['a.json', 'big.json'], 'm.json', io), { code: 'PROFILE_INVALID', message: /^big\.json: .*4096/ });
  t.same(written, {}, 'nothing written');
});

t.test('an in-place merge whose result would not check leaves the working profile alone', async (t) => {
  const a = ioctlProfile(1000, 2200);
  const { io, written } = fakeIo({ 'a.json': a, 'b.json': ioctlProfile(1001, 2200) });
  t.same(checkProfileFiles(['a.json', 'b.json'], undefined, io).problems, [], 'both inputs check');
  t.throws(() => mergeProfileFiles(['a.json', 'b.json'], 'a.json', io), {
    code: 'PROFILE_INVALID', message: /^merged profile: a\.json: .*needs \d+ BPF instructions; the kernel accepts at most 4096/, hint: /a\.json was not written/,
  });
  t.same(written, {}, 'a.json not replaced');
});
