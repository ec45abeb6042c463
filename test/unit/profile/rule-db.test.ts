// The rule database (compile-db.ts) against libseccomp 2.5.4's own rule trees: for seeded random
// profiles (overlapping conditions, every operator, 64-bit values, socket and IPC calls, rules
// with the default action, contradictions) on ten ABIs, every syscall's tree written as
// libseccomp's pseudo filter code must equal libseccomp's, node for node, and the rules refused
// must be the same. Then the emitted BPF (both layouts) must decide as the tree does.
import t from 'tap';
import { ARCHES, resolveArch, syscallTable, type ArchName } from '../../../src/profile/arch.js';
import { compileFilter } from '../../../src/profile/compile.js';
import { buildRuleDb } from '../../../src/profile/compile-db.js';
import type { Action, ArgCond, Rule, SeccompProfile } from '../../../src/profile/model.js';
import { cond, errno, profileOf, rule } from '../../fixtures/seccomp/profiles.js';
import { runFilter } from '../../helpers/bpf-run.js';
import { compileWithLibseccomp, hasLibseccomp } from '../../helpers/libseccomp.js';
import { entryPfc, parsePfc, pfcArchName } from '../../helpers/pfc.js';
import { Oracle } from './oracle.js';

if (!hasLibseccomp) t.plan(0, 'needs /usr/bin/python3 with python3-seccomp');

const ARCH_LIST: ArchName[] = ['x86_64', 'i386', 'x32', 'aarch64', 'arm', 'mips', 'mips64', 'mips64n32', 'ppc64le', 'powerpc'];
const VALUES = [0n, 1n, 2n, 5n, 64n, 128n, 0xffn, 0x1ffn, 0xffff_ffffn, 0x1_0000_0000n, 0x1_0000_0005n, 1n << 63n, (1n << 64n) - 1n];
const OPS: ArgCond['op'][] = ['EQ', 'NE', 'LT', 'LE', 'GT', 'GE', 'MASKED_EQ'];
const ACTIONS: Action[] = [{ kind: 'ALLOW' }, errno(1), errno(2), { kind: 'TRAP' }, { kind: 'KILL_THREAD' }];
const NAMES = ['read', 'mkdir', 'socket', 'semget', 'recv', 'ioctl'];

/** A small LCG: the same profiles on every run. */
function randomProfiles(seed: number, count: number): SeccompProfile[] {
  let state = seed;
  const next = () => { state = (state * 1103515245 + 12345) & 0x7fffffff; return state / 0x7fffffff; };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  return Array.from({ length: count }, () => {
    const rules: Rule[] = [];
    const n = 1 + Math.floor(next() * 12);
    for (let i = 0; i < n; i++) {
      const used = new Set<number>();
      const conds: ArgCond[] = [];
      for (let k = Math.floor(next() * 4); k > 0; k--) {
        const index = Math.floor(next() * 4);
        if (used.has(index)) continue;
        used.add(index);
        const op = pick(OPS);
        conds.push(op === 'MASKED_EQ' ? cond(index, op, pick(VALUES), pick(VALUES)) : cond(index, op, pick(VALUES)));
      }
      rules.push(rule(pick(NAMES), pick(ACTIONS), ...conds));
    }
    return profileOf(pick([{ kind: 'KILL_PROCESS' }, errno(1)] as Action[]), rules);
  });
}

/** The profiles our database merges (the rest are the ones libseccomp never finishes). */
function mergeable(profiles: SeccompProfile[]): SeccompProfile[] {
  return profiles.filter((p) => ARCH_LIST.every((arch) => {
    try { buildRuleDb(p, [resolveArch(arch)]); return true; } catch { return false; }
  }));
}

const cases = mergeable(randomProfiles(7, 70)).flatMap((profile) => ARCH_LIST.map((arch) => ({ profile, arch })));

t.test('every syscall\'s rule tree is libseccomp\'s, node for node', async (t) => {
  const theirs = compileWithLibseccomp(cases.map(({ profile, arch }) => ({ profile, arch, pfc: true })));
  let compared = 0;
  const bad: string[] = [];
  cases.forEach(({ profile, arch }, i) => {
    const db = buildRuleDb(profile, [ARCHES[arch]]);
    const ours = new Map([...db.tables.get(arch)!].map(([nr, entry]) => [nr, entryPfc(entry, arch)]));
    const lib = parsePfc(theirs[i]!.pfc!).get(pfcArchName(arch)) ?? new Map<number, string>();
    // libseccomp also keeps pseudo-syscall entries (negative numbers); they never reach its BPF
    for (const nr of new Set([...ours.keys(), ...lib.keys()])) {
      if (nr > 0x7fffffff) continue;
      compared++;
      if (ours.get(nr) !== lib.get(nr)) bad.push(`${arch} nr ${nr}:\n${ours.get(nr)}\n--- libseccomp:\n${lib.get(nr)}`);
    }
    const conflicts = db.dropped.filter((d) => d.reason === 'conflict').map((d) => `${d.syscall}: Library error (errno = -17)`);
    const refused = theirs[i]!.skipped.filter((s) => /errno = -17/.test(s));
    if (conflicts.join() !== refused.join()) bad.push(`${arch}: we refuse ${conflicts.join(', ') || 'nothing'}, libseccomp ${refused.join(', ') || 'nothing'}`);
  });
  t.ok(compared > 1000, `${compared} syscall trees compared over ${cases.length} filters`);
  t.same(bad.slice(0, 2), []);
});

t.test('the emitted BPF decides as the rule tree does, in both layouts', async (t) => {
  const bad: string[] = [];
  let probes = 0;
  for (const { profile, arch } of cases.filter((_, i) => i % 2 === 0)) {
    const oracle = new Oracle(profile, arch);
    const filters = (['fast', 'compact'] as const).map((layout) => compileFilter(profile, arch, { layout }));
    const table = syscallTable(arch).syscalls;
    const nrs = [...new Set([...NAMES, 'socketcall', 'ipc'].map((n) => table[n]).filter((nr): nr is number => nr !== undefined))];
    for (const nr of nrs) {
      for (const a of [0n, 1n, 5n, 64n, 0xffn, 0x1ffn, 0x1_0000_0000n, 1n << 63n, (1n << 64n) - 1n]) {
        for (const b of [0n, 0x1_0000_0005n, (1n << 64n) - 1n]) {
          const args = [a, b, a ^ b, b, 0n, 0n];
          const audit = ARCHES[arch].auditArch;
          const want = oracle.decide(audit, nr, args);
          for (const f of filters) {
            probes++;
            const got = runFilter(f.instructions, { nr, arch: audit, args }, ARCHES[arch].endian).action;
            if (got !== want) bad.push(`${arch} ${f.layout} nr ${nr} args ${args.join(',')}: ${got}, tree ${want}`);
          }
        }
      }
    }
  }
  t.ok(probes > 50000, `${probes} probes`);
  t.same(bad.slice(0, 3), []);
});

t.test('a rule order libseccomp 2.5.4 loops on forever is refused at once', async (t) => {
  const top = 1n << 63n;
  const profile = profileOf(errno(1), [
    rule('read', { kind: 'KILL_THREAD' }, cond(0, 'GE', top), cond(1, 'NE', 255n)),
    rule('read', errno(2), cond(0, 'GE', top), cond(1, 'NE', (1n << 64n) - 1n)),
  ]);
  t.throws(() => compileFilter(profile, 'x86_64'), { code: 'PROFILE_INVALID', message: /never finishes adding this rule/ });
  t.throws(() => compileWithLibseccomp([{ profile, arch: 'x86_64' }], 3000), { message: /gave no answer in 3000 ms/ }, 'libseccomp itself does not come back');
});
