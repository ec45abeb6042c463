// `jailctl profile ...` and `run --seccomp` through the built CLI: stdout, stderr lines and
// exit codes (problems found by check: 1; bad usage, unreadable or invalid input: 125).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { archFromNode } from '../../../src/profile/arch.js';
import { compileFilter } from '../../../src/profile/compile.js';
import { parseProfileOrThrow } from '../../../src/profile/parse.js';
import { CLI, REPO, jailctl } from '../../helpers/jailctl.js';

const dir = mkdtempSync(join(tmpdir(), 'jailctl-profile-'));
const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};
const OCI = join(REPO, 'profiles/examples/network-service.json');
const LEGACY = join(REPO, 'profiles/examples/legacy-whitelist.json');
const GOOD = file('good.json', { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'write', 'execve', 'exit_group'], action: 'SCMP_ACT_ALLOW' }] });
const BAD = file('bad.json', { defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [{ names: ['read', 'opne'], action: 'SCMP_ACT_ALLOW', errnoRet: 1, args: [{ index: 7, value: 0, op: 'SCMP_CMP_EQ' }] }] });
const WARNED = file('warned.json', { defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [{ names: ['read', 'opne', 'read'], action: 'SCMP_ACT_ALLOW' }] });

/** stderr lines but hints; asserts the exit code and that there is no stack trace. */
function errorLines(t: Test, args: string[], code: number): string[] {
  const r = jailctl(args);
  t.equal(r.code, code, `exit ${code}: ${r.stderr}`);
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  return r.stderr.trim().split('\n').filter((l) => !l.startsWith('hint:') && !l.startsWith('(run with'));
}

t.test('check: OK lines and exit 0 for good profiles', async (t) => {
  const r = jailctl(['profile', 'check', OCI, LEGACY, '--arch', 'mipsel']);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr, '');
  t.match(r.stdout, /network-service\.json: OK \(OCI, 107 syscalls, \d+ BPF instructions for mipsel\)\n.*legacy-whitelist\.json: OK \(procd legacy, 35 syscalls, \d+ BPF instructions for mipsel\)\n$/);
});

t.test('check: one line per problem, exit 1; warnings on stderr too', async (t) => {
  const lines = errorLines(t, ['profile', 'check', BAD, GOOD, '--arch', 'x86_64'], 1);
  t.same(lines, [
    `jailctl: warning: ${BAD}: /syscalls/0/errnoRet: 1 is ignored: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not SCMP_ACT_ALLOW (runc ignores it too); remove it or change the action`,
    `jailctl: warning: ${BAD}: /syscalls/0/names/1: "opne" is not a syscall on x86_64 or any other architecture (did you mean "open"?): skipped, as runc and procd do`,
    `jailctl: warning: ${BAD}: /syscalls: execve is not allowed (it gets the default action SCMP_ACT_KILL_PROCESS): runtimes that load the filter before execve (runc, crun) cannot start the program; procd loads it after the service's execve, jailctl run answers that execve itself; add "execve" to an SCMP_ACT_ALLOW rule`,
    `jailctl: ${BAD}: /syscalls/0/args/0/index: 7 is not an argument index: accepted 0-5 (syscalls have six arguments, counted from 0)`,
  ]);
});

t.test('check: what runc or procd accept is a warning and exit 0; --strict makes it exit 1', async (t) => {
  const r = jailctl(['profile', 'check', WARNED, '--arch', 'x86_64']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /warned\.json: OK \(OCI, 2 syscalls, \d+ BPF instructions for x86_64\)\n$/);
  const warnings = r.stderr.trim().split('\n');
  t.equal(warnings.length, 3);
  t.ok(warnings.every((l) => l.startsWith(`jailctl: warning: ${WARNED}: /syscalls`)), r.stderr);
  const strict = errorLines(t, ['profile', 'check', '--strict', WARNED, '--arch', 'x86_64'], 1);
  t.same(strict, warnings.map((l) => l.replace('jailctl: warning: ', 'jailctl: ')));
  const compiled = errorLines(t, ['profile', 'compile', '--strict', WARNED, '--format', 'hex'], 125);
  t.equal(compiled.length, 3, 'compile --strict refuses it: exit 125');
  const lenient = jailctl(['profile', 'compile', WARNED, '--format', 'hex']);
  t.equal(lenient.code, 0, lenient.stderr);
  t.equal(lenient.stderr.trim().split('\n').length, 3, 'compile prints the same warnings');
});

t.test('check: an unreadable file or a bad --arch is exit 125', async (t) => {
  t.same(errorLines(t, ['profile', 'check', GOOD, join(dir, 'missing.json')], 125), [`jailctl: ${join(dir, 'missing.json')}: cannot read the file (ENOENT)`]);
  t.same(errorLines(t, ['profile', 'check', '--arch', 'sparc', GOOD], 125), ['jailctl: --arch sparc: unknown architecture "sparc"']);
  t.match(errorLines(t, ['profile', 'check'], 125), [/missing required argument 'files'/]);
});

t.test('compile -o writes the program atomically; hex and asm go to stdout', async (t) => {
  const out = join(dir, 'good.bpf');
  const r = jailctl(['profile', 'compile', GOOD, '--arch', 'aarch64', '-o', out]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^wrote .*good\.bpf: \d+ BPF instructions for aarch64 \(raw\)\n$/);
  const expected = compileFilter(parseProfileOrThrow(readFileSync(GOOD, 'utf8'), GOOD).profile, 'aarch64').program;
  t.same([...readFileSync(out)], [...expected]);
  const hex = jailctl(['profile', 'compile', GOOD, '--arch', 'aarch64', '--format', 'hex']);
  t.equal(hex.stdout, `${Buffer.from(expected).toString('hex').match(/.{16}/g)!.join('\n')}\n`);
  const asm = jailctl(['profile', 'compile', GOOD, '--arch', 'aarch64', '--format', 'asm']);
  t.match(asm.stdout, /A = arch\n.*if \(A [!=]= AUDIT_ARCH_AARCH64\)/);
  const disasm = jailctl(['profile', 'disasm', out, '--arch', 'aarch64']);
  t.equal(disasm.stdout, asm.stdout, 'disasm of the raw file is the asm listing');
});

t.test('compile: raw to a pipe is the program for the host; --stats orders by counts', async (t) => {
  const r = spawnSync(process.execPath, [CLI, 'profile', 'compile', GOOD], { cwd: REPO });
  t.equal(r.status, 0, r.stderr.toString());
  t.same([...r.stdout], [...compileFilter(parseProfileOrThrow(readFileSync(GOOD, 'utf8'), GOOD).profile, archFromNode()).program]);
  const stats = file('stats.json', { arch: 'x86_64', counts: { write: 1000, read: 1 } });
  const withStats = jailctl(['profile', 'compile', OCI, '--arch', 'x86_64', '--stats', stats, '--format', 'asm']);
  t.equal(withStats.code, 0, withStats.stderr);
  t.notSame(withStats.stdout, jailctl(['profile', 'compile', OCI, '--arch', 'x86_64', '--format', 'asm']).stdout);
});

t.test('compile: a bad profile, format or stats file is exit 125 and writes nothing', async (t) => {
  const out = join(dir, 'bad.bpf');
  const lines = errorLines(t, ['profile', 'compile', BAD, '-o', out], 125);
  t.equal(lines.filter((l) => !l.startsWith('jailctl: warning:')).length, 1);
  t.notOk(existsSync(out));
  t.match(errorLines(t, ['profile', 'compile', GOOD, '--format', 'elf'], 125), [/argument 'elf' is invalid. Allowed choices are raw, hex, asm/]);
  t.same(errorLines(t, ['profile', 'compile', GOOD, '--stats', file('s.json', { arch: 'x86_64' }), '-o', out], 125), [`jailctl: ${join(dir, 's.json')}: /counts: must be an object of syscall names to call counts`]);
  t.notOk(existsSync(out));
});

t.test('disasm: a file that is not whole instructions names the file', async (t) => {
  t.same(errorLines(t, ['profile', 'disasm', GOOD], 125), [`jailctl: ${GOOD}: BPF program of ${readFileSync(GOOD).length} bytes is not a whole number of 8-byte instructions`]);
});

t.test('merge: writes an OCI profile of the union; conflicts write nothing', async (t) => {
  const out = join(dir, 'merged.json');
  const r = jailctl(['profile', 'merge', GOOD, LEGACY, '-o', out]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^note: default actions differ \(.*good\.json: ERRNO\(EPERM\), .*legacy-whitelist\.json: KILL_THREAD\): the merged profile uses the strictest, KILL_THREAD\nwrote .*merged\.json: 35 syscalls from 2 profiles\n$/);
  t.equal(jailctl(['profile', 'check', out, '--arch', 'arm']).code, 0);
  const deny = file('deny.json', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['write'], action: 'SCMP_ACT_ERRNO' }] });
  const conflictOut = join(dir, 'conflict.json');
  t.same(errorLines(t, ['profile', 'merge', GOOD, deny, '-o', conflictOut], 125), [
    `jailctl: ${deny}: /syscalls/0/names/0: contradictory rules for "write": ERRNO(EPERM) here, ALLOW at ${GOOD} /syscalls/0/names/1; the first one wins (as in libseccomp and procd), this one is ignored`,
  ]);
  t.notOk(existsSync(conflictOut));
  t.match(errorLines(t, ['profile', 'merge', GOOD, LEGACY], 125), [/required option '-o, --output <file>' not specified/]);
});

t.test('diff: readable lines; explain: the table', async (t) => {
  const r = jailctl(['profile', 'diff', GOOD, LEGACY]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^--- .*good\.json\n\+\+\+ .*legacy-whitelist\.json\ndefault action: ERRNO\(EPERM\) -> KILL_THREAD\n\+ bind: ALLOW\n\+ brk: ALLOW\n/);
  t.match(jailctl(['profile', 'diff', GOOD, GOOD]).stdout, /good\.json and .*good\.json mean the same\n$/);
  const explain = jailctl(['profile', 'explain', GOOD, '--arch', 'riscv64', '--stats', file('st.json', { arch: 'riscv64', counts: { write: 9, getpid: 2 } })]);
  t.equal(explain.code, 0, explain.stderr);
  t.match(explain.stdout, /SYSCALL +ACTION +CONDITIONS +CALLS\nwrite +ALLOW +- +9\n/);
  t.match(explain.stdout, /called but not in the profile \(they get ERRNO\(EPERM\)\): getpid \(2\)/);
});

t.test('run --seccomp: a bad profile stops the run with exit 125 before anything starts', async (t) => {
  const lines = errorLines(t, ['run', '--dry-run', '--seccomp', BAD, '--', '/bin/true'], 125);
  // no execve is no problem at run time: the jail's pid 1 answers the service's first execve
  t.same(lines.filter((l) => !l.startsWith('jailctl: warning:')).map((l) => l.replace(`jailctl: ${BAD}: `, '')), [
    '/syscalls/0/args/0/index: 7 is not an argument index: accepted 0-5 (syscalls have six arguments, counted from 0)',
  ]);
  const warned = jailctl(['run', '--dry-run', '--seccomp', WARNED, '--', '/bin/true']);
  t.equal(warned.code, 0, `no execve, an unknown name and a duplicate: run accepts it with warnings: ${warned.stderr}`);
  const warnings = warned.stderr.trim().split('\n');
  t.equal(warnings.length, 2, 'the unknown name and the duplicate, not the missing execve');
  t.ok(warnings.every((l) => l.startsWith(`jailctl: warning: ${WARNED}: /syscalls`)), warned.stderr);
  t.same(errorLines(t, ['run', '--dry-run', '--seccomp-strict', '--seccomp', WARNED, '--', '/bin/true'], 125), warnings.map((l) => l.replace('jailctl: warning: ', 'jailctl: ')));
  const strict = errorLines(t, ['run', '--dry-run', '--seccomp-strict', '--seccomp', file('strict.json', { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['execve', 'execve'], action: 'SCMP_ACT_ALLOW' }] }), '--', '/bin/true'], 125);
  t.match(strict, [/duplicate rule for "execve"/]);
  t.same(errorLines(t, ['run', '--dry-run', '--seccomp', join(dir, 'none.json'), '--', '/bin/true'], 125), [`jailctl: --seccomp ${join(dir, 'none.json')}: cannot read the file (ENOENT)`]);
});

t.test('run --seccomp: the compiled filter is the last step before execve', async (t) => {
  const r = jailctl(['run', '--dry-run', '--seccomp', GOOD, '--', '/bin/true']);
  t.equal(r.code, 0, r.stderr);
  const plan = JSON.parse(r.stdout) as { steps: { op: string; filter?: { bytes: number } }[] };
  const ops = plan.steps.map((s) => s.op);
  t.same(ops.slice(-2), ['seccomp', 'execve']);
  t.equal(plan.steps.at(-2)!.filter!.bytes, compileFilter(parseProfileOrThrow(readFileSync(GOOD, 'utf8'), GOOD).profile, archFromNode()).program.length);
});

t.test('a reader that goes away (| head) ends jailctl quietly with 141, no stack trace', async (t) => {
  // the shell closes the pipe before jailctl writes: `:` reads nothing and exits at once
  const bash = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" profile explain "${OCI}" | :; echo \${PIPESTATUS[0]}`], { encoding: 'utf8' });
  t.equal(bash.stdout.trim(), '141', bash.stderr);
  t.equal(bash.stderr, '', 'nothing on stderr');
});

t.test('output that cannot be written (a full disk) is one line and exit 125', async (t) => {
  const r = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" profile explain "${OCI}" > /dev/full`], { encoding: 'utf8' });
  t.equal(r.status, 125);
  t.equal(r.stderr, 'jailctl: cannot write to standard output: ENOSPC: no space left on device, write\n');
});
