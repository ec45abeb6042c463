// Real-world profiles that may not be committed (Docker's default.json, Podman's seccomp.json,
// OpenWrt's umdns.json and transmission-daemon.json ...): every *.json in the folder
// JAILCTL_PROFILE_CORPUS names loads without errors for every arch (warnings allowed: what runc,
// crun and procd accept), compiles within the kernel's 4096 instructions, and decides like
// libseccomp (runc, crun) on x86_64 and aarch64 when python3-seccomp is there.
// Run: JAILCTL_PROFILE_CORPUS=/path/to/profiles npx tap build-test/test/unit/profile/corpus.test.js
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ARCHES, resolveSyscall, syscallTable, type ArchName } from '../../../src/profile/arch.js';
import { compileFilter } from '../../../src/profile/compile.js';
import { resolveErrno } from '../../../src/profile/errno.js';
import type { Action, SeccompProfile } from '../../../src/profile/model.js';
import { parseProfile } from '../../../src/profile/parse.js';
import { compileWithLibseccomp, hasLibseccomp } from '../../helpers/libseccomp.js';
import { compareFilters, probesFor, type Probe } from '../../helpers/libseccomp-compare.js';

const corpus = process.env['JAILCTL_PROFILE_CORPUS'];
if (corpus === undefined) t.plan(0, 'set JAILCTL_PROFILE_CORPUS to a folder of real-world profiles to run this');

const ARCHES_TRIED: ArchName[] = ['x86_64', 'i386', 'aarch64', 'arm', 'mipsel', 'mips', 'mips64el', 'riscv64', 'powerpc', 'ppc64le'];
const KERNEL = '6.1.0';
const files = corpus === undefined ? [] : readdirSync(corpus).filter((f) => f.endsWith('.json')).sort();

for (const name of files) {
  const text = readFileSync(join(corpus!, name), 'utf8');
  t.test(name, async (t) => {
    for (const arch of ARCHES_TRIED) {
      const r = parseProfile(text, name, { arch, docker: { arch, kernel: KERNEL } });
      t.same(r.problems, [], `${arch}: accepted (${r.warnings.length} warning lines)`);
      if (r.parsed === undefined) continue;
      const size = compileFilter(r.parsed.profile, arch).instructions.length;
      t.ok(size <= 4096, `${arch}: ${size} BPF instructions (${r.format}${r.parsed.docker ? `, ${r.parsed.docker.kept} of ${r.parsed.docker.entries} entries` : ''})`);
    }
  });
}

/**
 * Intended divergences: numbers above our table get ENOSYS from us when the default is ERRNO, and
 * libseccomp 2.5.4 refuses rules we keep (syscalls newer than its table, errno 4095 and up:
 * runc and crun refuse such a profile, procd and jailctl take it).
 */
function intended(arch: ArchName, skipped: readonly string[]) {
  const refused = new Set(skipped.map((s) => resolveSyscall(arch, s.slice(0, s.indexOf(':')))));
  return (probe: Probe, ours: string, theirs: string): boolean =>
    refused.has(probe.nr) || (probe.nr > syscallTable(arch).newAbove && ours.startsWith('ERRNO') && theirs.startsWith('ERRNO'));
}

/** libseccomp gets numbers: errno names (Podman's "errno") resolved for the arch. */
function numericErrnos(profile: SeccompProfile, arch: ArchName): SeccompProfile {
  const fix = (a: Action): Action => (a.kind === 'ERRNO' && a.errnoName !== undefined ? { kind: 'ERRNO', errno: resolveErrno(ARCHES[arch].errnoFamily, a.errnoName)! } : a);
  return { ...profile, defaultAction: fix(profile.defaultAction), rules: profile.rules.map((r) => ({ ...r, action: fix(r.action) })) };
}

t.test('they decide like libseccomp', { skip: hasLibseccomp ? false : 'needs /usr/bin/python3 with python3-seccomp' }, async (t) => {
  for (const arch of ['x86_64', 'aarch64'] as ArchName[]) {
    const parsed = files.map((name) => ({ name, profile: numericErrnos(parseProfile(readFileSync(join(corpus!, name), 'utf8'), name, { arch, docker: { arch, kernel: KERNEL } }).parsed!.profile, arch) }));
    const theirs = compileWithLibseccomp(parsed.map((p) => ({ profile: p.profile, arch })));
    parsed.forEach(({ name, profile }, i) => {
      const nrs = Array.from({ length: 460 }, (_, n) => n);
      const ours = compileFilter(profile, arch);
      const mismatches = compareFilters(ours.instructions, theirs[i]!.insns, probesFor(profile, arch, nrs), ARCHES[arch].endian, intended(arch, theirs[i]!.skipped));
      t.same(mismatches.slice(0, 5), [], `${name} on ${arch} (libseccomp refused: ${theirs[i]!.skipped.length} rules)`);
    });
  }
});
