// Seccomp compiler benchmark: compile time for a 350-syscall profile, and the expected number
// of BPF instructions the kernel runs per syscall under a server's syscall mix, with the program
// sizes, against libseccomp 2.5.4 (default layout and SCMP_FLTATR_CTL_OPTIMIZE=2), for allow-lists,
// Docker's default profile and an argument-heavy profile covering every syscall.
// runSeccompBench() returns rows.
import { pathToFileURL } from 'node:url';
import { ARCHES, resolveSyscall, syscallTable, type ArchName } from '../src/profile/arch.js';
import { SECCOMP_RET, type Insn } from '../src/profile/bpf.js';
import { compileFilter } from '../src/profile/compile.js';
import type { SeccompProfile, SyscallStats } from '../src/profile/model.js';
import { KILL_PROCESS, SERVER_SYSCALLS, allowAll, cond, errno, profileOf, rule } from '../test/fixtures/seccomp/profiles.js';
import { dockerDefault } from './docker-profile.js';
import { emulateConstant, runFilter } from '../test/helpers/bpf-run.js';
import { compileWithLibseccomp, hasLibseccomp } from '../test/helpers/libseccomp.js';

export interface Row {
  benchmark: string;
  subject: string;
  value: number;
  unit: string;
  note?: string;
}

/**
 * Share of calls per syscall for an event-driven network daemon (nginx/redis/haproxy-like),
 * rounded from `strace -c -f` summaries: epoll and socket I/O dominate, then futex, file I/O.
 */
export const SERVER_MIX: SyscallStats = {
  epoll_wait: 140, read: 120, write: 100, recvfrom: 80, sendto: 80, futex: 70, epoll_ctl: 40,
  close: 40, openat: 30, fstat: 25, writev: 30, accept4: 20, newfstatat: 20, mmap: 20, munmap: 15,
  rt_sigprocmask: 15, pread64: 10, setsockopt: 10, sendmsg: 10, recvmsg: 10, fcntl: 10, ioctl: 10,
  lseek: 10, readv: 10, clock_gettime: 10, getsockopt: 5, getpid: 5, brk: 5, mprotect: 5, madvise: 5,
  nanosleep: 5, poll: 5, statx: 5, pwrite64: 5, getrandom: 3, sendmmsg: 3, shutdown: 3, timerfd_settime: 3,
};

/** What the same calls are named where the old ones are missing (arm64 and riscv have no epoll_wait). */
const NEWER_NAMES: Readonly<Record<string, string>> = {
  epoll_wait: 'epoll_pwait', poll: 'ppoll', select: 'pselect6', open: 'openat', stat: 'newfstatat', fstat: 'newfstatat',
};

/** The mix with each name as `arch` spells it. */
export function mixFor(arch: ArchName, mix: SyscallStats = SERVER_MIX): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, count] of Object.entries(mix)) {
    const spelled = resolveSyscall(arch, name) !== undefined ? name : NEWER_NAMES[name];
    if (spelled !== undefined && resolveSyscall(arch, spelled) !== undefined) out[spelled] = (out[spelled] ?? 0) + count;
  }
  return out;
}

/** 350 allowed syscalls: the server's, most frequent first, then the rest of the table by number. */
export function bigAllowList(arch: ArchName, size = 350): SeccompProfile {
  const names = [...new Set([...Object.keys(mixFor(arch)), ...SERVER_SYSCALLS])].filter((n) => resolveSyscall(arch, n) !== undefined);
  const rest = Object.entries(syscallTable(arch).syscalls).sort((a, b) => a[1] - b[1]).map(([n]) => n);
  for (const n of rest) if (names.length < size && !names.includes(n)) names.push(n);
  return profileOf(KILL_PROCESS, allowAll(names.slice(0, size)));
}

function expectedInsns(insns: readonly Insn[], arch: ArchName, mix: SyscallStats): number {
  let total = 0;
  let weighted = 0;
  for (const [name, count] of Object.entries(mix)) {
    const nr = resolveSyscall(arch, name);
    if (nr === undefined) continue;
    total += count;
    weighted += count * runFilter(insns, { nr, arch: ARCHES[arch].auditArch }, ARCHES[arch].endian).executed;
  }
  return weighted / total;
}

/** Share of the syscalls a filter allows that the kernel's action cache proves constant. */
function cachedShare(insns: readonly Insn[], profile: SeccompProfile, arch: ArchName): number {
  const audit = ARCHES[arch].auditArch;
  const nrs = profile.rules.map((r) => resolveSyscall(arch, r.syscall)).filter((n): n is number => n !== undefined);
  const allowed = nrs.filter((nr) => runFilter(insns, { nr, arch: audit }, ARCHES[arch].endian).value === SECCOMP_RET.ALLOW);
  const cached = allowed.filter((nr) => emulateConstant(insns, nr, audit) === SECCOMP_RET.ALLOW);
  return cached.length / allowed.length;
}

function timeCompile(profile: SeccompProfile, arch: ArchName, runs = 30): number {
  for (let i = 0; i < 5; i++) compileFilter(profile, arch);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    compileFilter(profile, arch);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return times.sort((a, b) => a - b)[runs >> 1]!;
}

/**
 * Every syscall of the table with argument rules (three patterns, so argument tests repeat across
 * syscalls as in real profiles), names libseccomp 2.5.4 does not know left out.
 */
export function argHeavy(arch: ArchName, architectures: ArchName[] = []): SeccompProfile {
  const all = Object.keys(syscallTable(arch).syscalls);
  const rules = all.flatMap((name, i) => [
    rule(name, { kind: 'ALLOW' }, cond(0, 'EQ', BigInt(i % 5))),
    ...(i % 2 === 0 ? [rule(name, errno(13), cond(1, 'MASKED_EQ', 3n, 1n))] : []),
    ...(i % 3 === 0 ? [rule(name, { kind: 'ALLOW' }, cond(2, 'LE', 4096n), cond(0, 'NE', 3n))] : []),
  ]);
  const profile = profileOf(errno(1), rules, architectures);
  if (!hasLibseccomp) return profile;
  const unknown = new Set(compileWithLibseccomp([{ profile, arch }])[0]!.skipped.map((s) => s.split(':')[0]!));
  return { ...profile, rules: rules.filter((r) => !unknown.has(r.syscall)) };
}

function filtersFor(profile: SeccompProfile, arch: ArchName): [string, Insn[]][] {
  const out: [string, Insn[]][] = [
    ['jailctl (profile order)', compileFilter(profile, arch).instructions],
    ['jailctl (with call counts)', compileFilter(profile, arch, { stats: mixFor(arch) }).instructions],
    ['jailctl compact layout', compileFilter(profile, arch, { layout: 'compact' }).instructions],
  ];
  if (!hasLibseccomp) return out;
  const priorities = Object.fromEntries(Object.entries(mixFor(arch)).map(([n, c]) => [n, Math.min(255, c)]));
  const [plain, tree, prio] = compileWithLibseccomp([
    { profile, arch }, { profile, arch, optimize: 2 }, { profile, arch, optimize: 2, priorities },
  ]);
  out.push(['libseccomp 2.5.4 default', plain!.insns], ['libseccomp 2.5.4 binary tree', tree!.insns],
    ['libseccomp 2.5.4 binary tree + priorities', prio!.insns]);
  return out;
}

export async function runSeccompBench(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const arch of ['x86_64', 'aarch64'] as const) {
    const big = bigAllowList(arch);
    rows.push({ benchmark: `compile 350-syscall profile (${arch})`, subject: 'jailctl', value: round(timeCompile(big, arch)), unit: 'ms', note: 'median of 30' });
    const server = profileOf(KILL_PROCESS, allowAll(SERVER_SYSCALLS.filter((n) => resolveSyscall(arch, n) !== undefined)));
    rows.push(...dispatchRows(`350-syscall allow-list, ${arch}`, big, arch), ...dispatchRows(`${server.rules.length}-syscall server allow-list, ${arch}`, server, arch));
    const docker = dockerDefault(arch);
    rows.push(...dispatchRows(`Docker default profile, ${arch} with ${docker.profile.architectures.join(', ')}`, docker.profile, arch, docker.source));
    for (const extra of [[], arch === 'x86_64' ? ['i386', 'x32'] : ['arm']] as ArchName[][]) {
      const heavy = argHeavy(arch, extra);
      rows.push(...dispatchRows(`${heavy.rules.length} argument rules over every syscall, ${[arch, ...extra].join(', ')}`, heavy, arch));
    }
  }
  return rows;
}

function dispatchRows(what: string, profile: SeccompProfile, arch: ArchName, source?: string): Row[] {
  const rows: Row[] = [];
  const filters = filtersFor(profile, arch);
  const tree = filters.find(([name]) => name === 'libseccomp 2.5.4 binary tree')?.[1];
  const mix = mixFor(arch);
  const treeCost = tree ? expectedInsns(tree, arch, mix) : undefined;
  for (const [subject, insns] of filters) {
    const cost = expectedInsns(insns, arch, mix);
    const ratio = treeCost ? `, ${(cost / treeCost).toFixed(2)}x libseccomp tree` : '';
    rows.push({ benchmark: `BPF insns per syscall, server mix (${what})`, subject, value: round(cost), unit: 'insns', note: `${insns.length}-insn program${ratio}${source && subject.startsWith('jailctl (profile') ? `; ${source}` : ''}` });
    rows.push({ benchmark: `allowed syscalls the kernel action cache proves (${what})`, subject, value: round(100 * cachedShare(insns, profile, arch)), unit: '%' });
  }
  return rows;
}

const round = (v: number) => Math.round(v * 100) / 100;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await runSeccompBench()) console.log(`${r.benchmark} | ${r.subject} | ${r.value} ${r.unit}${r.note ? ` | ${r.note}` : ''}`);
}
