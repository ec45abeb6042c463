// Differential test: our compiler against libseccomp 2.5.4's filters, for every syscall number
// 0-479 (and the ABI's own block), a sample of x32 and out-of-range numbers, and argument vectors
// around every condition, on every arch both support. Intended divergences: ERRNO(ENOSYS) above
// our table when the default is ERRNO, and the places where libseccomp's BPF contradicts its own
// rule tree (its code generator's bugs; we decide as the tree does).
import t from 'tap';
import { ARCHES, syscallTable, X32_SYSCALL_BIT, type ArchName } from '../../../src/profile/arch.js';
import { compileFilter } from '../../../src/profile/compile.js';
import type { SeccompProfile } from '../../../src/profile/model.js';
import { ALLOW, KILL_PROCESS, argRules, argRules32, cond, denyList, errno, errnoAllowList, killAllowList, profileOf, rule } from '../../fixtures/seccomp/profiles.js';
import { runFilter } from '../../helpers/bpf-run.js';
import { compileWithLibseccomp, hasLibseccomp } from '../../helpers/libseccomp.js';
import { compareFilters, probesFor, type Probe } from '../../helpers/libseccomp-compare.js';
import { Oracle } from './oracle.js';

if (!hasLibseccomp) t.plan(0, 'needs /usr/bin/python3 with python3-seccomp');

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const OUT_OF_RANGE = [999, 1000, 4000, 5000, 6000, 0xf0002, 0x3fffffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const X32_SAMPLE = [0, 1, 3, 60, 231, 334, 435, 512, 520, 547, 548, 1000].map((n) => (X32_SYSCALL_BIT + n) >>> 0);

/** Socket and IPC calls too: on i386, ppc and mips o32 they also reach socketcall(2)/ipc(2). */
const socketRules = () => profileOf(errno(1), [
  rule('socket', ALLOW, cond(0, 'EQ', 1n)), rule('socket', errno(97), cond(0, 'EQ', 10n)), rule('connect', ALLOW),
  rule('recv', ALLOW), rule('sendmsg', ALLOW, cond(2, 'MASKED_EQ', 0x40n, 0n)), rule('semget', errno(38)), rule('shmat', ALLOW),
  rule('socketcall', errno(13), cond(0, 'EQ', 18n)), rule('read', ALLOW), rule('exit_group', ALLOW),
]);

const PROFILES: Record<string, () => SeccompProfile> = {
  'allow-list, kill default': killAllowList,
  'allow-list, errno default': errnoAllowList,
  'deny-list, allow default': () => denyList(),
  'argument rules, every op and action': argRules,
  'argument rules with 32-bit values': argRules32,
  'socket and IPC rules (multiplexers)': socketRules,
};
const ARCH_LIST: ArchName[] = ['x86_64', 'i386', 'x32', 'aarch64', 'arm', 'mips', 'mipsel', 'mips64', 'mips64el', 'mips64n32', 'mipsel64n32', 'riscv64', 'powerpc', 'ppc64', 'ppc64le'];

/** Numbers above the table get ENOSYS from us when the default is ERRNO; libseccomp keeps the default. */
function enosysAboveTable(arch: ArchName) {
  return (probe: Probe, ours: string, theirs: string): boolean => {
    const x32 = arch === 'x86_64' && probe.nr >= X32_SYSCALL_BIT;
    const table = syscallTable(x32 ? 'x32' : arch);
    const known = Object.values(table.syscalls).includes(probe.nr);
    return probe.nr > table.newAbove && !known && /^ERRNO\((38|89)\)$/.test(ours) && theirs.startsWith('ERRNO');
  };
}

function probes(profile: SeccompProfile, arch: ArchName): Probe[] {
  const base = syscallTable(arch).base;
  const nrs = [...new Set([...range(0, 480), ...range(base, base + 480), ...OUT_OF_RANGE, ...(arch === 'x86_64' ? X32_SAMPLE : [])])];
  const out = probesFor(profile, arch, nrs);
  out.push({ nr: 0, arch: ARCHES.arm.auditArch === ARCHES[arch].auditArch ? ARCHES.aarch64.auditArch : ARCHES.arm.auditArch, args: [] });
  return out;
}

t.test('compileFilter() decides like libseccomp on every arch both support', async (t) => {
  const names = Object.keys(PROFILES);
  const cases = ARCH_LIST.flatMap((arch) => names.map((name) => ({ arch, name, profile: PROFILES[name]!() })));
  const theirs = compileWithLibseccomp(cases.map(({ profile, arch }) => ({ profile, arch })));
  cases.forEach(({ arch, name, profile }, i) => {
    const ours = compileFilter(profile, arch);
    // libseccomp refuses contradicting rules (EEXIST) where we drop them: the same ones
    const conflicts = ours.droppedRules.filter((d) => d.reason === 'conflict').map((d) => `${d.syscall}: Library error (errno = -17)`);
    t.same(theirs[i]!.skipped.filter((s) => /errno = -17/.test(s)), conflicts, `${arch} ${name}: the same rules refused`);
    const list = probes(profile, arch);
    const mismatches = compareFilters(ours.instructions, theirs[i]!.insns, list, ARCHES[arch].endian, enosysAboveTable(arch));
    t.same(mismatches.slice(0, 3), [], `${arch} ${name}: ${list.length} probes agree`);
  });
});

t.test('the issue 11 examples now decide as runc and crun do', async (t) => {
  const cases: { name: string; arch: ArchName; profile: SeccompProfile; nr: number; args: bigint[]; want: string }[] = [
    { name: 'an ERRNO rule for mkdir before an allow-list that allows mkdir: allowed', arch: 'x86_64',
      profile: profileOf(errno(1), [rule('mkdir', errno(13), cond(1, 'EQ', 0o777n)), rule('mkdir', ALLOW), rule('read', ALLOW)]),
      nr: 83, args: [0n, 0o777n], want: 'ALLOW' },
    { name: 'an unconditional rule after a conditional one replaces it', arch: 'x86_64',
      profile: profileOf(KILL_PROCESS, [rule('socket', ALLOW, cond(0, 'EQ', 2n)), rule('socket', errno(97))]),
      nr: 41, args: [2n], want: 'ERRNO(97)' },
    { name: 'overlapping rules on different arguments: the higher argument is tested first', arch: 'aarch64',
      profile: profileOf(KILL_PROCESS, [rule('ioctl', ALLOW, cond(0, 'EQ', 1n)), rule('ioctl', errno(3), cond(1, 'EQ', 5n))]),
      nr: 29, args: [1n, 5n], want: 'ERRNO(3)' },
    { name: 'MASKED_EQ masks valueTwo too', arch: 'x86_64',
      profile: profileOf(ALLOW, [rule('clone', errno(1), cond(0, 'MASKED_EQ', 0xffn, 0x1ffn))]),
      nr: 56, args: [0x2ffn], want: 'ERRNO(1)' },
    { name: '32-bit ABIs truncate 64-bit values to the low word', arch: 'arm',
      profile: profileOf(errno(1), [rule('ioctl', ALLOW, cond(1, 'EQ', (1n << 32n) + 0x5413n))]),
      nr: 54, args: [0n, 0x5413n], want: 'ALLOW' },
    { name: 'a socket rule also covers socketcall(SYS_SOCKET) on i386', arch: 'i386',
      profile: profileOf(errno(1), [rule('socket', ALLOW)]), nr: 102, args: [1n], want: 'ALLOW' },
    { name: 'a socket deny rule is not bypassed through socketcall on i386', arch: 'i386',
      profile: profileOf(ALLOW, [rule('socket', errno(1))]), nr: 102, args: [1n], want: 'ERRNO(1)' },
    { name: 'an IPC rule covers ipc(SEMGET) on mips o32', arch: 'mips',
      profile: profileOf(ALLOW, [rule('semget', errno(1))]), nr: 4117, args: [2n], want: 'ERRNO(1)' },
  ];
  const theirs = compileWithLibseccomp(cases.map((c) => ({ profile: c.profile, arch: c.arch })));
  cases.forEach((c, i) => {
    const probe = { nr: c.nr, arch: ARCHES[c.arch].auditArch, args: c.args };
    const endian = ARCHES[c.arch].endian;
    t.equal(runFilter(compileFilter(c.profile, c.arch).instructions, probe, endian).action, c.want, `${c.name}: jailctl`);
    t.equal(runFilter(theirs[i]!.insns, probe, endian).action, c.want, `${c.name}: libseccomp`);
  });
});

t.test('where libseccomp 2.5.4 emits BPF that contradicts its own rule tree, we follow the tree', async (t) => {
  const HI = 1n << 32n;
  const cases: { name: string; arch: ArchName; profile: SeccompProfile; nr: number; args: bigint[]; tree: string; theirs: string }[] = [
    { name: 'a high-word test after a low-word branch fell through reuses the low word (no reload)', arch: 'x86_64',
      profile: profileOf(errno(1), [rule('fcntl', ALLOW, cond(1, 'LT', 5n)), rule('fcntl', errno(22), cond(1, 'GE', HI + 7n))]),
      nr: 72, args: [0n, 5n], tree: 'ERRNO(1)', theirs: 'ERRNO(22)' },
    { name: 'a pseudo-syscall laid out first (recv on i386) swallows the syscall-number load', arch: 'i386',
      profile: profileOf(errno(1), [
        rule('semget', errno(2), cond(1, 'EQ', 255n), cond(3, 'LT', 255n)), rule('read', errno(1)), rule('recv', errno(2)),
        rule('socket', errno(2), cond(3, 'LT', 1n << 63n), cond(0, 'GE', 1n << 63n)),
        rule('mkdir', errno(2), cond(0, 'EQ', 1n << 63n), cond(3, 'LT', 255n)),
        rule('socket', errno(1), cond(1, 'LT', 1n << 63n), cond(2, 'LE', (1n << 64n) - 1n)), rule('semget', errno(2), cond(0, 'GE', HI)),
      ]),
      nr: 39, args: [0n, 64n, 0n, 5n], tree: 'ERRNO(2)', theirs: 'ERRNO(1)' },
  ];
  const theirs = compileWithLibseccomp(cases.map((c) => ({ profile: c.profile, arch: c.arch })));
  cases.forEach((c, i) => {
    const probe = { nr: c.nr, arch: ARCHES[c.arch].auditArch, args: c.args };
    t.equal(new Oracle(c.profile, c.arch).decide(probe.arch, c.nr, c.args), c.tree, `${c.name}: the rule tree`);
    t.equal(runFilter(compileFilter(c.profile, c.arch).instructions, probe).action, c.tree, `${c.name}: jailctl`);
    t.equal(runFilter(theirs[i]!.insns, probe).action, c.theirs, `${c.name}: libseccomp's BPF`);
  });
});

t.test('above the table an ERRNO default becomes ENOSYS, other defaults stay', async (t) => {
  for (const arch of ['x86_64', 'aarch64', 'mips', 'mips64el'] as const) {
    const table = syscallTable(arch);
    const errnoFilter = compileFilter(errnoAllowList(), arch);
    const killFilter = compileFilter(killAllowList(), arch);
    const audit = ARCHES[arch].auditArch;
    const enosys = ARCHES[arch].errnoFamily === 'mips' ? 89 : 38;
    const run = (f: typeof errnoFilter, nr: number) => runFilter(f.instructions, { nr, arch: audit }, ARCHES[arch].endian).action;
    t.equal(run(errnoFilter, table.newAbove + 1), `ERRNO(${enosys})`, `${arch}: first number above the table`);
    t.equal(run(errnoFilter, table.newAbove), 'ERRNO(1)', `${arch}: the newest known syscall keeps the default`);
    t.equal(run(killFilter, table.newAbove + 1), 'KILL_PROCESS', `${arch}: kill default unchanged`);
  }
});
