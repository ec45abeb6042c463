// compileFilter() against the rule-database oracle on every arch (the BPF decides what the
// database decides), plus libseccomp's precedence, byte order, 32-bit ABIs, x32/i386 on x86_64,
// the compile report, errno names, errors and the size limit.
import t from 'tap';
import { ARCHES, ARCH_NAMES, resolveSyscall, syscallTable, type ArchName } from '../../../src/profile/arch.js';
import { BPF, SECCOMP_DATA } from '../../../src/profile/bpf.js';
import { compileFilter } from '../../../src/profile/compile.js';
import type { SeccompProfile } from '../../../src/profile/model.js';
import {
  ALLOW, KILL_PROCESS, argRules, argRules32, cond, denyList, errno, errnoAllowList, killAllowList, profileOf, rule,
} from '../../fixtures/seccomp/profiles.js';
import { runFilter } from '../../helpers/bpf-run.js';
import { argVectors } from '../../helpers/libseccomp-compare.js';
import { Oracle } from './oracle.js';

/** Every known number, a few unknown ones, with argument vectors around each condition. */
function mismatches(profile: SeccompProfile, arch: ArchName, audit = ARCHES[arch].auditArch): string[] {
  const filter = compileFilter(profile, arch);
  const oracle = new Oracle(profile, arch);
  const table = syscallTable(arch);
  const nrs = [...Object.values(table.syscalls), table.base, table.newAbove + 1, table.newAbove + 100, 0, 0xffffffff, 0x40000005];
  const out: string[] = [];
  for (const nr of nrs) {
    for (const args of argVectors(profile, arch, nr)) {
      const got = runFilter(filter.instructions, { nr, arch: audit, args }, ARCHES[arch].endian).action;
      const want = oracle.decide(audit, nr, args);
      if (got !== want) out.push(`${arch} nr ${nr} args ${args.join(',')}: got ${got}, want ${want}`);
    }
  }
  return out.slice(0, 5);
}

t.test('compileFilter() follows the profile semantics on every arch', async (t) => {
  for (const arch of ARCH_NAMES) {
    for (const [name, profile] of [['kill allow-list', killAllowList()], ['errno allow-list', errnoAllowList()],
      ['deny-list', denyList()], ['argument rules', argRules()], ['32-bit argument rules', argRules32()]] as const) {
      t.same(mismatches(profile, arch), [], `${arch}: ${name}`);
    }
  }
});

t.test('rules take precedence as in libseccomp 2.5.4, not in profile order', async (t) => {
  const profile = profileOf(errno(1), [
    rule('mkdir', errno(13), cond(1, 'EQ', 0o777n)), // before an allow-list that allows mkdir
    rule('mkdir', ALLOW),
    rule('socket', ALLOW, cond(0, 'EQ', 2n)),
    rule('socket', errno(97)), // an unconditional rule replaces the conditional ones
    rule('read', errno(5)), rule('read', ALLOW), // the first unconditional rule stays
    rule('ioctl', ALLOW, cond(0, 'EQ', 1n)),
    rule('ioctl', errno(3), cond(1, 'EQ', 5n)), // higher argument tested first
    rule('fcntl', ALLOW, cond(1, 'LT', 5n)),
    rule('fcntl', errno(22), cond(1, 'LT', 0x1_0000_0007n)),
    rule('lseek', ALLOW, cond(2, 'LE', 64n)),
    rule('lseek', errno(5), cond(2, 'GT', 128n)),
    rule('lseek', errno(6), cond(2, 'GT', 256n)), // the larger bound is the more specific
    rule('write', ALLOW, cond(0, 'EQ', 1n), cond(1, 'EQ', 2n)),
    rule('write', errno(9), cond(0, 'EQ', 1n)), // contradicts the longer rule on a shared test: refused
  ]);
  for (const arch of ['x86_64', 'aarch64', 'mips', 'arm'] as const) t.same(mismatches(profile, arch), [], arch);
  const f = compileFilter(profile, 'x86_64');
  const run = (nr: number, args: bigint[]) => runFilter(f.instructions, { nr, arch: ARCHES.x86_64.auditArch, args }).action;
  t.equal(run(83, [0n, 0o777n]), 'ALLOW', 'mkdir: the unconditional allow wins over the earlier conditional ERRNO (runc, crun)');
  t.equal(run(41, [2n]), 'ERRNO(97)');
  t.equal(run(0, []), 'ERRNO(5)');
  t.equal(run(16, [1n, 5n]), 'ERRNO(3)', 'argument 1 is tested before argument 0');
  t.equal(run(16, [1n, 4n]), 'ALLOW');
  t.equal(run(72, [0n, 4n]), 'ALLOW');
  t.equal(run(72, [0n, 5n]), 'ERRNO(22)');
  t.equal(run(8, [0n, 0n, 200n]), 'ERRNO(5)');
  t.equal(run(8, [0n, 0n, 300n]), 'ERRNO(6)');
  t.equal(run(8, [0n, 0n, 100n]), 'ERRNO(1)', 'between the bounds: the default');
  t.equal(run(1, [1n, 2n]), 'ALLOW');
  t.equal(run(1, [1n, 3n]), 'ERRNO(1)', 'the refused rule is not in the filter');
  t.same(f.droppedRules, [{ rule: 14, syscall: 'write', reason: 'conflict' }]);
});

t.test('rules with the default action are left out, as runc and libseccomp do', async (t) => {
  const profile = profileOf(errno(1), [rule('mkdir', ALLOW, cond(0, 'EQ', 5n)), rule('mkdir', errno(1))]);
  const f = compileFilter(profile, 'x86_64');
  t.same(f.droppedRules, [{ rule: 1, syscall: 'mkdir', reason: 'default-action' }]);
  const run = (a0: bigint) => runFilter(f.instructions, { nr: 83, arch: ARCHES.x86_64.auditArch, args: [a0] }).action;
  t.equal(run(5n), 'ALLOW', 'an unconditional rule with the default action does not replace the conditional one');
  t.equal(run(6n), 'ERRNO(1)');
});

t.test('MASKED_EQ compares the masked value: bits of valueTwo outside the mask do not count', async (t) => {
  const profile = profileOf(ALLOW, [rule('clone', errno(1), cond(0, 'MASKED_EQ', 0xffn, 0x1ffn))]);
  for (const arch of ['x86_64', 'arm', 'mips64'] as const) {
    const f = compileFilter(profile, arch);
    const run = (a0: bigint) => runFilter(f.instructions, { nr: resolveSyscall(arch, 'clone')!, arch: ARCHES[arch].auditArch, args: [a0] }, ARCHES[arch].endian).action;
    t.equal(run(0xffn), 'ERRNO(1)', `${arch}: (0xff & 0xff) == (0x1ff & 0xff)`);
    t.equal(run(0x3ffn), 'ERRNO(1)', `${arch}: bits outside the mask are ignored on both sides`);
    t.equal(run(0xfen), 'ALLOW', arch);
  }
});

t.test('conditions on one argument AND (jailctl\'s own profiles; OCI entries are split before)', async (t) => {
  const profile = profileOf(errno(1), [rule('tgkill', ALLOW, cond(0, 'GT', 10n), cond(0, 'LT', 20n)), rule('personality', errno(13), cond(0, 'NE', 0n), cond(0, 'NE', 8n))]);
  for (const arch of ['x86_64', 'arm', 'mips64'] as const) {
    const f = compileFilter(profile, arch);
    const run = (name: string, a0: bigint) => runFilter(f.instructions, { nr: resolveSyscall(arch, name)!, arch: ARCHES[arch].auditArch, args: [a0] }, ARCHES[arch].endian).action;
    t.equal(run('tgkill', 15n), 'ALLOW', arch);
    t.equal(run('tgkill', 10n), 'ERRNO(1)', arch);
    t.equal(run('tgkill', 20n), 'ERRNO(1)', arch);
    t.equal(run('personality', 8n), 'ERRNO(1)', `${arch}: not refused for an allowed value`);
    t.equal(run('personality', 3n), 'ERRNO(13)', arch);
    t.same(mismatches(profile, arch), [], `${arch}: as the database decides`);
  }
});

t.test('a rule order libseccomp 2.5.4 never finishes merging is refused, not a hang', async (t) => {
  // libseccomp 2.5.4 (and so runc and crun) loops forever in seccomp_rule_add on the second rule
  const top = 1n << 63n;
  const profile = profileOf(errno(1), [
    rule('read', { kind: 'KILL_THREAD' }, cond(0, 'GE', top), cond(1, 'NE', 255n)),
    rule('read', errno(2), cond(0, 'GE', top), cond(1, 'NE', (1n << 64n) - 1n)),
  ]);
  t.throws(() => compileFilter(profile, 'x86_64'), {
    code: 'PROFILE_INVALID',
    message: /^rules\[1\] \(read\): libseccomp 2\.5\.4 never finishes adding this rule/,
  });
  t.doesNotThrow(() => compileFilter(profile, 'arm'), '32-bit ABIs merge it (one node per condition)');
});

t.test('arguments are read with the right word order on big-endian arches', async (t) => {
  const profile = profileOf(errno(1), [rule('ioctl', ALLOW, cond(1, 'EQ', 0x1_0000_5401n))]);
  for (const arch of ['mips64', 'ppc64', 'x86_64'] as const) {
    const f = compileFilter(profile, arch);
    const loads = f.instructions.filter((i) => i.code === (BPF.LD | BPF.W | BPF.ABS) && i.k >= SECCOMP_DATA.ARGS).map((i) => i.k);
    const big = ARCHES[arch].endian === 'big';
    t.same(loads, big ? [24, 28] : [28, 24], `${arch}: high word of args[1] first, at ${big ? 24 : 28}`);
    const nr = resolveSyscall(arch, 'ioctl')!;
    const run = (v: bigint) => runFilter(f.instructions, { nr, arch: ARCHES[arch].auditArch, args: [0n, v] }, ARCHES[arch].endian).action;
    t.equal(run(0x1_0000_5401n), 'ALLOW');
    t.equal(run(0x5401n), 'ERRNO(1)', `${arch}: a wrong high word is not ignored`);
    t.equal(run(0x1_0000_0000n), 'ERRNO(1)');
  }
  t.equal(compileFilter(profile, 'mips64').program[0], 0x00, 'program bytes are big-endian for mips64 (code high byte first)');
  t.equal(compileFilter(profile, 'mips64').program[1], 0x20);
});

t.test('32-bit ABIs compare the low word of values, truncated as libseccomp does', async (t) => {
  const atFdcwd = (1n << 64n) - 100n;
  const profile = profileOf(errno(1), [
    rule('openat', ALLOW, cond(0, 'EQ', atFdcwd)),
    rule('read', ALLOW, cond(0, 'LT', 0x1_0000_0000n)), // truncated to LT 0: never
    rule('write', ALLOW, cond(0, 'EQ', 0x1_0000_0001n)), // truncated to EQ 1
  ]);
  const f = compileFilter(profile, 'arm');
  const audit = ARCHES.arm.auditArch;
  const run = (name: string, a0: bigint) => runFilter(f.instructions, { nr: resolveSyscall('arm', name)!, arch: audit, args: [a0] }).action;
  t.equal(run('openat', 0xffff_ff9cn), 'ALLOW', 'AT_FDCWD as the kernel passes it (32 bits)');
  t.equal(run('read', 0n), 'ERRNO(1)', 'LT 2^32 is LT 0 in 32 bits');
  t.equal(run('write', 1n), 'ALLOW', '2^32 + 1 is 1 in 32 bits');
  t.notOk(f.instructions.some((i) => i.code === (BPF.LD | BPF.W | BPF.ABS) && i.k === 20), 'never loads a high word');
});

t.test('x32 and i386 calls on x86_64', async (t) => {
  const audit64 = ARCHES.x86_64.auditArch;
  const plain = compileFilter(denyList(), 'x86_64');
  const run = (f: typeof plain, nr: number, arch = audit64) => runFilter(f.instructions, { nr, arch }).action;
  t.equal(run(plain, resolveSyscall('x32', 'ptrace')!), 'KILL_PROCESS', 'x32 ptrace cannot slip past the deny-list');
  t.equal(run(plain, 0x40000000), 'KILL_PROCESS', 'x32 is not in the filter at all');
  t.equal(run(plain, 26, ARCHES.i386.auditArch), 'KILL_PROCESS', 'i386 via int 0x80 is killed when not listed');
  t.equal(run(plain, 0xffffffff), 'ALLOW', 'nr -1 (a tracer skipping a call) gets the x86_64 default, like libseccomp');
  const both = compileFilter(denyList(['i386', 'x32']), 'x86_64');
  t.same(both.abis, ['x86_64', 'i386', 'x32']);
  t.equal(run(both, resolveSyscall('x32', 'ptrace')!), 'KILL_PROCESS', 'x32 ptrace (0x40000209) is denied by name');
  t.equal(run(both, 0x40000000), 'ALLOW', 'x32 read is allowed');
  t.equal(run(both, 26, ARCHES.i386.auditArch), 'KILL_PROCESS', 'i386 ptrace (26) is denied by name');
  t.equal(run(both, 3, ARCHES.i386.auditArch), 'ALLOW');
});

t.test('the compile result reports what it did', async (t) => {
  const profile = { ...profileOf(KILL_PROCESS, [rule('read', ALLOW), rule('fstat64', ALLOW), rule('no_such_call', ALLOW)], ['aarch64', 'arm']), flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_TSYNC'] };
  const f = compileFilter(profile, 'x86_64');
  t.same(f.ignoredArchitectures, ['aarch64', 'arm']);
  t.same(f.unknownSyscalls, [{ arch: 'x86_64', syscall: 'fstat64' }, { arch: 'x86_64', syscall: 'no_such_call' }]);
  t.equal(f.flags, 3);
  t.equal(f.endian, 'little');
  t.equal(f.program.length, f.instructions.length * 8);
  t.same(compileFilter(profile, 'aarch64').abis, ['aarch64', 'arm']);
});

t.test('errno names resolve per arch', async (t) => {
  const profile = profileOf({ kind: 'ERRNO', errno: 38, errnoName: 'ENOSYS' }, [rule('read', ALLOW)]);
  const ret = (arch: ArchName) => compileFilter(profile, arch).instructions.filter((i) => i.code === (BPF.RET | BPF.K)).map((i) => i.k & 0xffff);
  t.ok(ret('x86_64').includes(38));
  t.ok(ret('mips').includes(89));
  t.notOk(ret('mips').includes(38));
});

t.test('invalid profiles are refused with one clear line', async (t) => {
  const bad = (r: ReturnType<typeof rule>) => () => compileFilter(profileOf(KILL_PROCESS, [r]), 'x86_64');
  t.throws(bad(rule('read', ALLOW, cond(6, 'EQ', 1n))), { code: 'PROFILE_INVALID', message: 'rules[0] (read): argument index 6 is not 0-5' });
  t.throws(bad(rule('read', errno(70000))), { code: 'PROFILE_INVALID', message: /errno 70000 is not an integer in 0-4095/ });
  t.throws(bad(rule('read', ALLOW, cond(0, 'MASKED_EQ', 1n))), { message: /MASKED_EQ on args\[0\] needs valueTwo/ });
  t.throws(bad(rule('read', ALLOW, cond(0, 'EQ', 1n << 64n))), { message: /is not an unsigned 64-bit integer/ });
  t.throws(bad(rule('read', { kind: 'ERRNO', errno: 1, errnoName: 'EWHAT' })), { message: /unknown errno name "EWHAT" on x86_64/ });
  t.throws(() => compileFilter({ ...profileOf(KILL_PROCESS, []), flags: ['TSYNC'] }, 'x86_64'), { message: 'unknown seccomp flag "TSYNC"' });
  t.throws(() => compileFilter(profileOf(KILL_PROCESS, []), 's390x'), { code: 'ARCH_UNKNOWN' });
});

t.test('filters past 4096 instructions are refused', async (t) => {
  // 4400 distinct values (equal tests would be shared): no layout holds them in 4096 instructions
  const names = ['ioctl', 'fcntl', 'prctl', 'setsockopt', 'getsockopt', 'madvise', 'mmap', 'mprotect', 'socket', 'clone', 'kill'];
  const rules = names.flatMap((name, n) => Array.from({ length: 400 }, (_, i) => rule(name, ALLOW, cond(1, 'EQ', BigInt(n * 1000 + i)), cond(0, 'EQ', 1n))));
  t.throws(() => compileFilter(profileOf(errno(1), rules), 'x86_64'), {
    code: 'PROFILE_TOO_LARGE',
    message: /^seccomp filter for x86_64 needs \d+ BPF instructions; the kernel accepts at most 4096$/,
  });
});
