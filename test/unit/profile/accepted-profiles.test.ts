// Profiles runc, crun or procd accept load here too: one test per acceptance rule, each showing
// the warning line, that --strict refuses it, and what the compiled filter then decides (the
// same as libseccomp/runc: the BPF interpreter runs it). Plus the committed profiles written
// here with the constructs Docker's, Podman's and OpenWrt's files use, and the cap on floods.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { ARCHES, ARCH_NAMES, resolveSyscall, type ArchName } from '../../../src/profile/arch.js';
import { compileFilter } from '../../../src/profile/compile.js';
import { ERROR_LINES, LINES_PER_KIND } from '../../../src/profile/findings.js';
import { parseProfile, type ParseOptions } from '../../../src/profile/parse.js';
import { runFilter } from '../../helpers/bpf-run.js';
import { compileWithLibseccomp, hasLibseccomp } from '../../helpers/libseccomp.js';
import { compareFilters, probesFor } from '../../helpers/libseccomp-compare.js';
import { REPO } from '../../helpers/jailctl.js';

const FIXTURES = join(REPO, 'test/fixtures/profiles-compat');
const EXEC = { names: ['execve', 'exit_group'], action: 'SCMP_ACT_ALLOW' };

function parse(obj: unknown, options: ParseOptions = {}) {
  return parseProfile(typeof obj === 'string' ? obj : JSON.stringify(obj), 'p.json', { arch: 'x86_64', ...options });
}

/** What the compiled filter returns for `name` on `arch` with these arguments. */
function decide(obj: unknown, name: string, args: bigint[] = [], arch: ArchName = 'x86_64'): string {
  const r = parse(obj, { arch });
  if (r.parsed === undefined || r.problems.length > 0) throw new Error(r.problems.join('\n'));
  const nr = resolveSyscall(arch, name);
  if (nr === undefined) throw new Error(`${name} has no number on ${arch}`);
  const filter = compileFilter(r.parsed.profile, arch);
  return runFilter(filter.instructions, { nr, arch: ARCHES[arch].auditArch, args }, ARCHES[arch].endian).action;
}

/** Accepted with exactly these warnings (patterns), refused with the same lines under --strict. */
function acceptedWith(t: Test, obj: unknown, patterns: RegExp[]): void {
  const r = parse(obj);
  t.same(r.problems, [], 'no errors');
  t.match(r.warnings, patterns);
  t.equal(r.warnings.length, patterns.length, r.warnings.join('\n'));
  const strict = parse(obj, { strict: true });
  t.same(strict.problems, r.warnings, '--strict: each warning is an error');
  t.same(strict.warnings, []);
}

t.test('names that are not syscalls on the target: skipped there, kept where they are', async (t) => {
  const profile = { defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [{ ...EXEC, names: [...EXEC.names, 'read', 'fcntl64', 'recv', 'getenv'] }] };
  acceptedWith(t, profile, [/"fcntl64" is not a syscall on x86_64/, /"recv" is not a syscall on x86_64/, /"getenv" is not a syscall on x86_64 or any other architecture/]);
  t.equal(decide(profile, 'read'), 'ALLOW', 'the rest of the list still holds');
  t.equal(decide(profile, 'fcntl'), 'KILL_PROCESS', 'nothing else is allowed in place of a skipped name');
  t.equal(decide(profile, 'fcntl64', [], 'arm'), 'ALLOW', 'on arm fcntl64 is a syscall and allowed');
  t.equal(decide(profile, 'recv', [], 'mipsel'), 'ALLOW');
});

t.test('duplicate names and rules: kept once', async (t) => {
  const profile = { defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [EXEC, { names: ['read', 'read'], action: 'SCMP_ACT_ALLOW' }, { names: ['read'], action: 'SCMP_ACT_ALLOW' }] };
  acceptedWith(t, profile, [/\/syscalls\/1\/names\/1: duplicate rule for "read"/, /\/syscalls\/2\/names\/0: duplicate rule for "read"/]);
  t.equal(decide(profile, 'read'), 'ALLOW');
});

t.test('contradictory rules: the first one wins, as libseccomp keeps the first', async (t) => {
  const profile = { defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [EXEC, { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 5 }, { names: ['mkdir'], action: 'SCMP_ACT_ALLOW' }] };
  acceptedWith(t, profile, [/contradictory rules for "mkdir": ALLOW here, ERRNO\(5\) at \/syscalls\/1\/names\/0; the first one wins/]);
  t.equal(decide(profile, 'mkdir'), 'ERRNO(5)');
  const cond = [{ index: 1, value: 0o700, op: 'SCMP_CMP_EQ' }];
  const conditional = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: cond }, { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: cond }] };
  acceptedWith(t, conditional, [/contradictory rules for "mkdir": ERRNO\(1\) if arg1 == 448 here/]);
  t.equal(decide(conditional, 'mkdir', [0n, 0o700n]), 'ERRNO(13)', 'procd too tries rules in order');
});

t.test('a conditional rule beside an unconditional one with another action: never used, after or before it', async (t) => {
  const profile = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [EXEC, { names: ['kill'], action: 'SCMP_ACT_ALLOW' }, { names: ['kill'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 9, op: 'SCMP_CMP_EQ' }] }] };
  acceptedWith(t, profile, [/rule for "kill" \(ERRNO\(EPERM\) if arg1 == 9\) is never used/]);
  t.equal(decide(profile, 'kill', [1n, 9n]), 'ALLOW');
  const before = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [EXEC, { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 1, value: 0o777, op: 'SCMP_CMP_EQ' }] }, { names: ['mkdir'], action: 'SCMP_ACT_ALLOW' }] };
  acceptedWith(t, before, [/rule for "mkdir" \(ERRNO\(13\) if arg1 == 511\) is never used: \/syscalls\/2\/names\/0 decides every call/]);
  t.equal(decide(before, 'mkdir', [0n, 0o777n]), 'ALLOW', 'placed before it, as runc and crun decide (issue 11)');
});

t.test('"args": null is no conditions; "names": [] and null apply to nothing', async (t) => {
  const profile = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [EXEC, { names: ['getpid'], action: 'SCMP_ACT_ALLOW', args: null }, { names: [], action: 'SCMP_ACT_ALLOW' }, { names: null, action: 'SCMP_ACT_KILL' }] };
  acceptedWith(t, profile, [/\/syscalls\/2\/names: no names: the entry applies to no syscall and is ignored/, /\/syscalls\/3\/names: null: the entry applies/]);
  t.equal(decide(profile, 'getpid', [123n]), 'ALLOW');
  t.equal(decide(profile, 'getppid'), 'ERRNO(1)');
  t.same(parse({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: null }).problems, [], '"syscalls": null is no rules');
});

t.test('listenerPath without a notify rule: ignored', async (t) => {
  const profile = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/agent.sock', listenerMetadata: 'm', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] };
  acceptedWith(t, profile, [/\/listenerPath: "\/run\/agent\.sock" is ignored: no rule is SCMP_ACT_NOTIFY/]);
  t.equal(decide(profile, 'mkdir'), 'ERRNO(1)');
});

t.test('no execve (OpenWrt profiles: procd filters after execve): compiled as written', async (t) => {
  const profile = { defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [{ names: ['read', 'write', 'exit_group'], action: 'SCMP_ACT_ALLOW' }] };
  acceptedWith(t, profile, [/execve is not allowed \(it gets the default action SCMP_ACT_KILL_PROCESS\): runtimes that load the filter before execve/]);
  t.equal(decide(profile, 'execve'), 'KILL_PROCESS');
  t.match(parse(profile, { forRun: true }).problems, [/jailctl installs the filter just before execve/], 'refused for a run that does not answer the first execve');
  const run = parse(profile, { forRun: true, execveAnswered: true });
  t.same([...run.problems, ...run.warnings], [], '`run` starts it: the jail\'s pid 1 answers the first execve');
});

t.test('errnoRet where no errno is returned, valueTwo on a plain comparison: ignored', async (t) => {
  const profile = { defaultAction: 'SCMP_ACT_KILL_PROCESS', defaultErrnoRet: 3, syscalls: [EXEC, { names: ['getuid'], action: 'SCMP_ACT_ALLOW', errnoRet: 22 }, { names: ['dup'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, valueTwo: 7, op: 'SCMP_CMP_EQ' }] }] };
  acceptedWith(t, profile, [/\/defaultErrnoRet: 3 is ignored/, /\/syscalls\/1\/errnoRet: 22 is ignored/, /\/syscalls\/2\/args\/0\/valueTwo: 7 is ignored/]);
  t.equal(decide(profile, 'getuid'), 'ALLOW');
  t.equal(decide(profile, 'dup', [0n]), 'ALLOW');
  t.equal(decide(profile, 'dup', [7n]), 'KILL_PROCESS');
});

t.test('errnoRet 4095 and up: the kernel clamps it, so does the filter (libseccomp refuses it)', async (t) => {
  const profile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['sync'], action: 'SCMP_ACT_ERRNO', errnoRet: 12345 }] };
  acceptedWith(t, profile, [/\/syscalls\/0\/errnoRet: 12345 is not an errno: the kernel returns 4095 for it \(procd and jailctl pass it on\), runc and crun refuse it/]);
  t.equal(decide(profile, 'sync'), 'ERRNO(4095)');
});

t.test('unknown keys: ignored, with the key they were probably meant as', async (t) => {
  const profile = { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoret: 38, syscalls: [EXEC, { names: ['read'], action: 'SCMP_ACT_ALLOW', arg: [], args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ', vlaue: 2 }] }] };
  acceptedWith(t, profile, [
    /\(top level\): unknown key "defaultErrnoret" \(did you mean "defaultErrnoRet"\?\) is ignored, as runc ignores it/,
    /\/syscalls\/1: unknown key "arg" \(did you mean "args"\?\) is ignored/,
    /\/syscalls\/1\/args\/0: unknown key "vlaue" \(did you mean "value"\?\) is ignored/,
  ]);
  t.equal(decide(profile, 'read', [1n]), 'ALLOW');
  t.equal(decide(profile, 'read', [2n]), 'ERRNO(1)');
  t.match(parse({ whitelist: ['read', 'execve'], polciy: 1 }).warnings, [/unknown key "polciy" \(did you mean "policy"\?\)/], 'procd legacy too');
});

t.test('a flood of findings is a few lines and one summary per kind', async (t) => {
  const many = Array.from({ length: 10000 }, () => 'read');
  const dup = parse({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [EXEC, { names: many, action: 'SCMP_ACT_ALLOW' }] });
  t.equal(dup.warnings.length, LINES_PER_KIND + 1, dup.warnings.join('\n'));
  t.match(dup.warnings.at(-1), /^p\.json: 9996 more duplicate rules \(kept once\), the next at \/syscalls\/1\/names\/4: read$/);
  t.equal(parse({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [EXEC, { names: many, action: 'SCMP_ACT_ALLOW' }] }, { strict: true }).problems.length, LINES_PER_KIND + 1, '--strict: as many lines');
  const unknown = parse({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [EXEC, { names: many.map((_, i) => `nosuch${i}`), action: 'SCMP_ACT_ALLOW' }] });
  t.equal(unknown.warnings.length, LINES_PER_KIND + 1);
  t.match(unknown.warnings.at(-1), /9997 more names that are not syscalls there \(skipped\), the next at \/syscalls\/1\/names\/3: nosuch3, nosuch4, .*\(9997 distinct\)$/);
  const bad = parse({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: many.map(() => ({ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 9, value: 0, op: 'SCMP_CMP_EQ' }] })) });
  t.equal(bad.problems.length, ERROR_LINES + 1, 'errors are capped too');
  t.match(bad.problems.at(-1), /9990 more problems, the next at \/syscalls\/10\/args\/0\/index$/);
  const schema = parse({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: many.map(() => ({ names: ['read'], action: 'SCMP_ACT_NOPE' })) });
  t.equal(schema.problems.length, ERROR_LINES + 1, 'schema errors too');
});

const files = ['docker-style.json', 'podman-style.json', 'openwrt-style.json', 'oddities.json'];
for (const name of files) {
  t.test(`${name} (written here, with the constructs of real profiles) loads and compiles for every arch`, async (t) => {
    const text = readFileSync(join(FIXTURES, name), 'utf8');
    for (const arch of ARCH_NAMES) {
      const r = parseProfile(text, name, { arch, docker: { arch, kernel: '6.1.0' } });
      t.same(r.problems, [], `${arch}: no errors`);
      const filter = compileFilter(r.parsed!.profile, arch);
      t.ok(filter.instructions.length > 3, `${arch}: ${filter.instructions.length} instructions`);
    }
  });
}

t.test('oddities.json decides as runc would (libseccomp keeps the first of two rules)', async (t) => {
  const text = readFileSync(join(FIXTURES, 'oddities.json'), 'utf8');
  const strict = parseProfile(text, 'oddities.json', { arch: 'x86_64', strict: true });
  t.equal(strict.problems.length, 11, strict.problems.join('\n'));
  t.equal(decide(text, 'close'), 'ALLOW');
  t.equal(decide(text, 'read', [3n]), 'ALLOW');
  t.equal(decide(text, 'getpid', [2n]), 'ERRNO(13)');
  t.equal(decide(text, 'sync'), 'ERRNO(4095)');
  t.equal(decide(text, 'getppid'), 'ALLOW');
});

t.test('what is accepted compiles to what libseccomp (runc, crun) makes of it', { skip: hasLibseccomp ? false : 'needs /usr/bin/python3 with python3-seccomp' }, async (t) => {
  const profile = {
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
    syscalls: [
      { names: ['execve', 'exit_group', 'read', 'read', 'fcntl64', 'getenv', 'mmap2'], action: 'SCMP_ACT_ALLOW', args: null },
      { names: ['read'], action: 'SCMP_ACT_ALLOW' },
      { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 5 },
      { names: ['mkdir'], action: 'SCMP_ACT_ALLOW' },
      { names: ['kill'], action: 'SCMP_ACT_ALLOW' },
      { names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 3, args: [{ index: 1, value: 9, op: 'SCMP_CMP_EQ' }] },
      { names: [], action: 'SCMP_ACT_KILL' },
      { names: ['getuid'], action: 'SCMP_ACT_ALLOW', errnoRet: 7 },
    ],
  };
  const parsed = parse(profile).parsed!;
  const [theirs] = compileWithLibseccomp([{ profile: parsed.profile, arch: 'x86_64' }]);
  const ours = compileFilter(parsed.profile, 'x86_64');
  const range = Array.from({ length: 460 }, (_, i) => i);
  const probes = [...probesFor(parsed.profile, 'x86_64', range), ...probesFor(parsed.profile, 'i386', range)];
  t.same(compareFilters(ours.instructions, theirs!.insns, probes, 'little').slice(0, 5), [], `${probes.length} probes agree`);
});
