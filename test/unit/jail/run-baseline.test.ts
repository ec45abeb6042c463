// planRun() and the baseline filter: the prebuilt program in the common case (no compiler load),
// compiled when a kept capability lifts an entry, set-ID bits are allowed or a profile is given;
// none with --no-baseline-filter; the flags and spec keys that choose. Plans the real host.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { toRawSpec, type JailFlags } from '../../../src/cli/jail-options.js';
import { prebuiltBaselinePath } from '../../../src/jail/baseline-file.js';
import type { BaselineOptions } from '../../../src/jail/baseline.js';
import type { LaunchPlan, PlanStep } from '../../../src/jail/plan.js';
import { NO_SECCOMP, planRun, type SeccompCompiler } from '../../../src/jail/run.js';
import { SECCOMP_COMPILER } from '../../../src/jail/seccomp-input.js';
import { normalizeJailSpec, type RawJailSpec } from '../../../src/jail/spec.js';
import { archFromNode } from '../../../src/profile/arch.js';

const dir = mkdtempSync(join(tmpdir(), 'jailctl-run-baseline-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** The real compiler, recording what it was asked to compile. */
function spy(): { compiler: SeccompCompiler; asked: BaselineOptions[] } {
  const asked: BaselineOptions[] = [];
  return { asked, compiler: { profile: SECCOMP_COMPILER.profile, baseline: (arch, options) => { asked.push(options); return SECCOMP_COMPILER.baseline(arch, options); } } };
}

const plan = (raw: RawJailSpec, compiler: SeccompCompiler): LaunchPlan => planRun({ raw: { autoLibs: false, command: ['/bin/true'], ...raw }, dryRun: true, cwd: dir }, compiler);
const filters = (p: LaunchPlan) => p.steps.filter((s): s is Extract<PlanStep, { op: 'seccomp' }> => s.op === 'seccomp');

t.test('by default: the prebuilt baseline, and the compiler is never needed', async (t) => {
  const p = plan({}, NO_SECCOMP);
  const [baseline] = filters(p);
  t.equal(filters(p).length, 1);
  t.equal(baseline?.profile, '(baseline)');
  t.same(baseline?.filter, new Uint8Array(readFileSync(prebuiltBaselinePath(archFromNode()))));
});

t.test('a kept capability that lifts an entry compiles it; one that lifts none keeps the prebuilt one', async (t) => {
  const time = file('time.json', JSON.stringify({ bounding: ['CAP_SYS_TIME'], permitted: ['CAP_SYS_TIME'], effective: ['CAP_SYS_TIME'] }));
  const s = spy();
  t.match(filters(plan({ caps: time }, s.compiler))[0], { describe: /calls of kept CAP_SYS_TIME allowed/ });
  t.same(s.asked.map((o) => o.keptCaps), [['CAP_SYS_TIME']]);
  const bind = file('bind.json', JSON.stringify({ bounding: ['CAP_NET_BIND_SERVICE'], permitted: ['CAP_NET_BIND_SERVICE'], effective: ['CAP_NET_BIND_SERVICE'] }));
  const again = spy();
  plan({ caps: bind }, again.compiler);
  t.same(again.asked, [], 'CAP_NET_BIND_SERVICE lifts nothing: prebuilt');
});

t.test('--allow-suid-sgid and --seccomp compile it; --no-baseline-filter drops it', async (t) => {
  const s = spy();
  plan({ allowSuidSgid: true }, s.compiler);
  t.match(s.asked, [{ allowSuidSgid: true }]);
  const profile = file('p.json', JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['keyctl'], action: 'SCMP_ACT_ALLOW' }] }));
  const withProfile = spy();
  const p = plan({ seccomp: profile }, withProfile.compiler);
  t.equal(withProfile.asked.length, 1);
  t.ok(withProfile.asked[0]?.profile, 'compiled under the profile');
  t.same(filters(p).map((f) => f.profile), ['(baseline)', profile], 'the baseline first, the profile last');
  t.same(filters(plan({ baselineFilter: false }, NO_SECCOMP)), []);
  t.same(filters(plan({ baselineFilter: false, seccomp: profile }, SECCOMP_COMPILER)).map((f) => f.profile), [profile]);
});

t.test('flags and spec keys: on and refusing set-ID bits unless told otherwise', async (t) => {
  t.match(normalizeJailSpec({ command: ['/bin/true'] }, '/'), { baselineFilter: true, allowSuidSgid: false });
  t.match(normalizeJailSpec({ command: ['/bin/true'], baselineFilter: false, allowSuidSgid: true }, '/'), { baselineFilter: false, allowSuidSgid: true });
  const flags = { ro: [], rw: [], tmpfs: [], env: [], rlimit: [] } as JailFlags;
  t.same(toRawSpec(['/bin/true'], { ...flags, baselineFilter: true }), { command: ['/bin/true'] }, 'commander\'s default true is not written');
  t.match(toRawSpec(['/bin/true'], { ...flags, baselineFilter: false, allowSuidSgid: true }), { baselineFilter: false, allowSuidSgid: true });
  const spec = file('spec.json', JSON.stringify({ command: ['/bin/true'], baselineFilter: false }));
  t.same(filters(planRun({ raw: { autoLibs: false }, specFile: spec, dryRun: true, cwd: dir }, NO_SECCOMP)), [], 'from a --spec file');
});
