// Differential test: our compiler against libseccomp 2.5.4 on x86_64 and aarch64, for every
// syscall number 0-479, a sample of x32 and out-of-range numbers, and argument vectors around
// every condition. Intended divergence: ERRNO(ENOSYS) above our table when the default is ERRNO.
import t from 'tap';
import { ARCHES, syscallTable, X32_SYSCALL_BIT, type ArchName } from '../../../src/profile/arch.js';
import { compileFilter } from '../../../src/profile/compile.js';
import type { SeccompProfile } from '../../../src/profile/model.js';
import { ALLOW, KILL_PROCESS, argRules, argRules32, cond, denyList, errno, errnoAllowList, killAllowList, profileOf, rule } from '../../fixtures/seccomp/profiles.js';
import { runFilter } from '../../helpers/bpf-run.js';
import { compileWithLibseccomp, hasLibseccomp } from '../../helpers/libseccomp.js';
import { compareFilters, probesFor, type Probe } from '../../helpers/libseccomp-compare.js';

if (!hasLibseccomp) t.plan(0, 'needs /usr/bin/python3 with python3-seccomp');

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const OUT_OF_RANGE = [999, 1000, 4000, 5000, 0xf0002, 0x3fffffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const X32_SAMPLE = [0, 1, 3, 60, 231, 334, 435, 512, 520, 547, 548, 1000].map((n) => (X32_SYSCALL_BIT + n) >>> 0);

const PROFILES: Record<string, () => SeccompProfile> = {
  'allow-list, kill default': killAllowList,
  'allow-list, errno default': errnoAllowList,
  'deny-list, allow default': () => denyList(),
  'deny-list with i386 and x32 sections': () => denyList(['i386', 'x32']),
  'argument rules, every op and action': argRules,
  'argument rules with i386 and x32 sections (32-bit compares)': () => ({ ...argRules32(), architectures: ['i386', 'x32'] }),
};

/** Numbers above the table get ENOSYS from us when the default is ERRNO; libseccomp keeps the default. */
function enosysAboveTable(arch: ArchName) {
  return (probe: Probe, ours: string, theirs: string): boolean => {
    const x32 = arch === 'x86_64' && probe.nr >= X32_SYSCALL_BIT;
    const table = syscallTable(x32 ? 'x32' : arch);
    const known = Object.values(table.syscalls).includes(probe.nr);
    return probe.nr > table.newAbove && !known && ours === `ERRNO(${arch === 'x86_64' || arch === 'aarch64' ? 38 : 89})` && theirs.startsWith('ERRNO');
  };
}

function probes(profile: SeccompProfile, arch: ArchName): Probe[] {
  const nrs = [...range(0, 480), ...OUT_OF_RANGE, ...(arch === 'x86_64' ? X32_SAMPLE : [])];
  const out = probesFor(profile, arch, nrs);
  if (arch === 'x86_64' && profile.architectures.includes('i386')) out.push(...probesFor(profile, 'i386', [...range(0, 480), ...OUT_OF_RANGE]));
  if (arch === 'x86_64' && profile.architectures.includes('x32')) out.push(...probesFor(profile, 'x32', Object.values(syscallTable('x32').syscalls)));
  // A foreign ABI: the bad-arch action on both sides.
  out.push({ nr: 0, arch: ARCHES.arm.auditArch, args: [] }, { nr: 0, arch: ARCHES.i386.auditArch, args: [] });
  return out;
}

for (const arch of ['x86_64', 'aarch64'] as const) {
  t.test(`compileFilter() decides like libseccomp on ${arch}`, async (t) => {
    const names = Object.keys(PROFILES);
    const profiles = names.map((n) => PROFILES[n]!());
    const theirs = compileWithLibseccomp(profiles.map((profile) => ({ profile, arch })));
    names.forEach((name, i) => {
      const profile = profiles[i]!;
      t.same(theirs[i]!.skipped, [], `${name}: libseccomp took every rule`);
      const ours = compileFilter(profile, arch);
      const list = probes(profile, arch);
      const mismatches = compareFilters(ours.instructions, theirs[i]!.insns, list, ARCHES[arch].endian, enosysAboveTable(arch));
      t.same(mismatches.slice(0, 5), [], `${name}: ${list.length} probes agree`);
    });
  });
}

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

t.test('documented divergences from libseccomp 2.5.4', async (t) => {
  const HI = 1n << 32n;
  const cases: { name: string; arch: ArchName; profile: SeccompProfile; nr: number; args: bigint[]; ours: string; theirs: string }[] = [
    { name: 'libseccomp reuses a loaded low word as the high word (64-bit LT then GE on one argument)', arch: 'x86_64',
      profile: profileOf(errno(1), [rule('fcntl', ALLOW, cond(1, 'LT', 5n)), rule('fcntl', errno(22), cond(1, 'GE', HI + 7n))]),
      nr: 72, args: [0n, 5n], ours: 'ERRNO(1)', theirs: 'ERRNO(22)' },
    { name: 'an unconditional rule after a conditional one is the "else" for us; libseccomp drops the conditional rule', arch: 'x86_64',
      profile: profileOf(KILL_PROCESS, [rule('socket', ALLOW, cond(0, 'EQ', 2n)), rule('socket', errno(97))]),
      nr: 41, args: [2n], ours: 'ALLOW', theirs: 'ERRNO(97)' },
    { name: 'overlapping rules on different arguments: profile order for us, argument order for libseccomp', arch: 'aarch64',
      profile: profileOf(KILL_PROCESS, [rule('ioctl', ALLOW, cond(0, 'EQ', 1n)), rule('ioctl', errno(3), cond(1, 'EQ', 5n))]),
      nr: 29, args: [1n, 5n], ours: 'ALLOW', theirs: 'ERRNO(3)' },
    { name: 'on 32-bit ABIs libseccomp truncates 64-bit values; we compare them zero-extended (never equal)', arch: 'arm',
      profile: profileOf(errno(1), [rule('ioctl', ALLOW, cond(1, 'EQ', (1n << 32n) + 0x5413n))]),
      nr: 54, args: [0n, 0x5413n], ours: 'ERRNO(1)', theirs: 'ALLOW' },
    { name: 'libseccomp also matches socketcall(SYS_SOCKET) for "socket" on i386; we match the direct syscall only', arch: 'i386',
      profile: profileOf(errno(1), [rule('socket', ALLOW)]),
      nr: 102, args: [1n], ours: 'ERRNO(1)', theirs: 'ALLOW' },
  ];
  const theirs = compileWithLibseccomp(cases.map((c) => ({ profile: c.profile, arch: c.arch })));
  cases.forEach((c, i) => {
    const probe = { nr: c.nr, arch: ARCHES[c.arch].auditArch, args: c.args };
    t.equal(runFilter(compileFilter(c.profile, c.arch).instructions, probe).action, c.ours, `${c.name}: ours`);
    t.equal(runFilter(theirs[i]!.insns, probe).action, c.theirs, `${c.name}: libseccomp`);
  });
});
