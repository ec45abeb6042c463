// Measured cost of a syscall under a filter, in the same run: no filter, libseccomp's (default
// layout and binary tree) and jailctl's, for the same server allow-list and for Docker's default
// profile. getppid has no argument rule, so every filter whose allow the kernel's action cache
// can prove costs about nothing; getpriority (server list) and personality (Docker's profile)
// have argument rules, so BPF runs on each call and layout matters. Then the baseline filter.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileBaseline } from '../src/jail/baseline.js';
import { archFromNode, resolveSyscall, type ArchName } from '../src/profile/arch.js';
import { encodeProgram } from '../src/profile/bpf.js';
import { compileFilter } from '../src/profile/compile.js';
import { ALLOW, KILL_PROCESS, SERVER_SYSCALLS, allowAll, cond, profileOf, rule } from '../test/fixtures/seccomp/profiles.js';
import type { SeccompProfile } from '../src/profile/model.js';
import { compileWithLibseccomp, hasLibseccomp } from '../test/helpers/libseccomp.js';
import { dockerDefault } from './docker-profile.js';
import type { Row } from './table.js';

const SOURCE = fileURLToPath(new URL('../../bench/syscall-loop.c', import.meta.url));
const CALLS = 2_000_000;

export function runSyscallCostBench(): Row[] {
  const arch = archFromNode();
  if (arch !== 'x86_64' && arch !== 'aarch64') return [];
  const dir = mkdtempSync(join(tmpdir(), 'jailctl-bench-'));
  const probe = join(dir, 'syscall-loop');
  if (spawnSync('gcc', ['-O2', '-o', probe, SOURCE]).status !== 0) return [{ bench: 'ns per syscall', subject: 'skipped', value: '-', note: 'gcc missing' }];
  const names = SERVER_SYSCALLS.filter((n) => resolveSyscall(arch, n) !== undefined && n !== 'getppid' && n !== 'getpriority');
  // the measured calls sit at the end of the profile: the worst place in a linear filter
  const profile = profileOf(KILL_PROCESS, [
    ...allowAll([...names, 'exit_group', 'exit', 'clock_gettime', 'write', 'fstat', 'newfstatat', 'brk']),
    rule('getppid', ALLOW),
    rule('getpriority', ALLOW, cond(0, 'EQ', 0n)),
  ]);
  const docker = dockerDefault(arch).profile;
  return [
    ...measure(probe, dir, 'server allow-list', filtersFor(profile, arch), [['plain', 'getppid (cacheable allow)'], ['args', 'getpriority (argument rule)']]),
    ...measure(probe, dir, 'Docker default profile', filtersFor(docker, arch), [['plain', 'getppid (cacheable allow)'], ['persona', 'personality (argument rule)']]),
    ...baselineCost(probe, dir, arch),
  ];
}

function filtersFor(profile: SeccompProfile, arch: ArchName): [string, Uint8Array | undefined][] {
  const filters: [string, Uint8Array | undefined][] = [['no filter', undefined], ['jailctl', compileFilter(profile, arch).program]];
  if (hasLibseccomp) {
    const [plain, tree] = compileWithLibseccomp([{ profile, arch }, { profile, arch, optimize: 2 }]);
    filters.push(['libseccomp default', encodeProgram(plain!.insns, 'little')], ['libseccomp binary tree', encodeProgram(tree!.insns, 'little')]);
  }
  return filters;
}

function measure(probe: string, dir: string, what: string, filters: [string, Uint8Array | undefined][], modes: [string, string][]): Row[] {
  const rows: Row[] = [];
  for (const [mode, label] of modes) {
    for (const [subject, program] of filters) {
      let file = '-';
      if (program) {
        file = join(dir, `${what}-${subject}.bpf`.replace(/[^\w.]+/g, '-'));
        writeFileSync(file, program);
      }
      const runs = [0, 1, 2].map(() => Number(spawnSync(probe, [file, String(CALLS), mode], { encoding: 'utf8' }).stdout.trim()));
      rows.push({ bench: `ns per syscall, ${label}, ${what}`, subject, value: `${Math.min(...runs).toFixed(1)} ns`, note: `best of 3 x 2M calls${program ? `, ${program.length / 8}-insn program` : ''}` });
    }
  }
  return rows;
}

/** What the baseline filter every `jailctl run` loads costs an ordinary call, and one it checks. */
function baselineCost(probe: string, dir: string, arch: 'x86_64' | 'aarch64'): Row[] {
  const file = join(dir, 'baseline.bpf');
  writeFileSync(file, compileBaseline(arch)!.program);
  const rows: Row[] = [];
  for (const [mode, label] of [['plain', 'getppid (cacheable allow)'], ['ioctl', 'ioctl (request checked)']] as const) {
    for (const [subject, filter] of [['no filter', '-'], ['jailctl baseline filter', file]] as const) {
      const runs = [0, 1, 2].map(() => Number(spawnSync(probe, [filter, String(CALLS), mode], { encoding: 'utf8' }).stdout.trim()));
      rows.push({ bench: `ns per syscall under the baseline, ${label}`, subject, value: `${Math.min(...runs).toFixed(1)} ns`, note: 'best of 3 x 2M calls' });
    }
  }
  return rows;
}
