// The launcher of every router architecture (build/targets/ARCH/jailctl-launch) as far as
// qemu-user can run it: the plan, encoded little-endian by src/native/plan-codec.ts, decoded on
// every CPU (big-endian mips included) down to its strings and 64-bit integers, and the one-line
// errors. qemu-user cannot go further: it refuses clone() with namespace flags (EINVAL), so
// no jail, mount, pivot_root or pid 1 runs under it; seccomp is refused (and the host kernel
// would check the host's audit arch); ptrace is not emulated. Those run on the device itself.
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { LaunchPlan } from '../../src/jail/plan.js';
import { takeFingerprint } from '../../src/jail/fingerprint-fs.js';
import { encodeLaunchPlan } from '../../src/native/plan-codec.js';
import { encodeStoredPlan } from '../../src/native/stored-plan-codec.js';
import { withParentDeath } from '../../src/native/spawn.js';
import { TARGETS, target, type TargetRun } from '../helpers/targets.js';

const dir = mkdtempSync(join(tmpdir(), 'jailctl-target-launch-'));
chmodSync(dir, 0o700); // stored plans are run from directories only root can write
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const plan: LaunchPlan = {
  name: 'probe-é',
  namespaces: [],
  summary: { command: ['/bin/true'], mounts: 0, user: { uid: 0, gid: 0, groups: [] }, capabilities: [], seccomp: null, cgroup: [] },
  steps: [
    { phase: 'config', op: 'clone', namespaces: ['mount', 'pid'], describe: 'create the jail\'s namespaces', hint: 'qemu-user cannot' },
    { phase: 'jail', op: 'fork-service', describe: 'fork' },
    { phase: 'service', op: 'execve', path: '/bin/true', argv: ['true'], env: [], exitIfMissing: 127, exitIfDenied: 126, describe: 'exec' },
  ],
};

function launch(tg: TargetRun, bytes: Uint8Array) {
  const file = join(dir, `plan-${tg.arch}-${Math.random()}`);
  writeFileSync(file, bytes);
  const fd = openSync(file, 'r');
  try {
    return spawnSync(tg.argv('jailctl-launch', ['3'])[0]!, tg.argv('jailctl-launch', ['3']).slice(1), { stdio: ['ignore', 'pipe', 'pipe', fd], encoding: 'utf8', timeout: 30_000 });
  } finally {
    closeSync(fd);
  }
}

for (const arch of TARGETS) {
  const tg = target(arch);
  t.test(`${arch}: bad plans are one line and exit 125`, { skip: tg.skip }, async (t) => {
    const good = encodeLaunchPlan(plan);
    const cases: [string, Uint8Array, string][] = [
      ['bad magic', new TextEncoder().encode('NOTAPLAN'), 'jailctl: launch plan: bad magic\n'],
      ['truncated', good.subarray(0, good.length - 3), 'jailctl: launch plan: malformed operation\n'],
      ['trailing bytes', new Uint8Array([...good, 1, 2]), 'jailctl: launch plan: trailing bytes\n'],
      ['empty', new Uint8Array(), 'jailctl: launch plan: bad magic\n'],
    ];
    for (const [name, bytes, line] of cases) {
      const r = launch(tg, bytes);
      t.equal(r.status, 125, name);
      t.equal(r.stderr, line, name);
    }
    const usage = spawnSync(tg.argv('jailctl-launch', [])[0]!, tg.argv('jailctl-launch', []).slice(1), { encoding: 'utf8' });
    t.equal(usage.status, 125);
    t.equal(usage.stderr, 'usage: jailctl-launch PLAN_FD [TAG] (run by jailctl) | jailctl-launch --plan FILE [--check]\n');
  });

  t.test(`${arch}: a plan's integers and strings decode as TypeScript wrote them`, { skip: tg.skip }, async (t) => {
    // a 64-bit pid that is not our parent: decoded right, the launcher names it and stops
    const gone = launch(tg, encodeLaunchPlan(withParentDeath(plan, 0x7fff_fff1)));
    t.equal(gone.status, 125);
    t.equal(gone.stderr, `jailctl: the jailctl that started this launcher (pid ${0x7fff_fff1}) is gone; starting nothing\n`);
    const r = launch(tg, encodeLaunchPlan(plan));
    if (tg.native && process.geteuid?.() === 0) {
      t.equal(r.status, 0, `this machine runs the musl launcher for real: ${r.stderr}`);
      return;
    }
    // the clone step's words and hint come back from the plan; qemu-user refuses the namespaces
    t.equal(r.status, 125);
    t.match(r.stderr, /^jailctl: probe-é: create the jail's namespaces: clone\(2\): EINVAL \(Invalid argument\)\nhint: qemu-user cannot\n$/);
  });
}

/** `jailctl-launch --plan FILE --check` of `tg` on a stored plan made for `arch`. */
function checkStored(tg: TargetRun, arch: string, watched: string) {
  const file = join(dir, `stored-${tg.arch}`);
  const fingerprint = takeFingerprint({ path: watched, follow: true }, { mode: 'identity', errnoFamily: arch.startsWith('mips') ? 'mips' : 'generic' }).fingerprint;
  const absent = takeFingerprint({ path: join(dir, 'absent'), follow: true }, { mode: 'identity', errnoFamily: arch.startsWith('mips') ? 'mips' : 'generic' }).fingerprint;
  writeFileSync(file, encodeStoredPlan({ arch, refresh: 'save it again', fingerprints: [fingerprint, absent], plan: encodeLaunchPlan(plan) }), { mode: 0o600 });
  const argv = tg.argv('jailctl-launch', ['--plan', file, '--check']);
  return { file, run: () => spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 30_000 }) };
}

for (const arch of TARGETS) {
  const tg = target(arch);
  const skip = tg.skip || (process.geteuid?.() === 0 ? false : 'the launcher runs only root\'s stored plans');
  t.test(`${arch}: a stored plan's fingerprints decode and compare, its machine is checked`, { skip }, async (t) => {
    const watched = join(dir, `watched-${arch}`);
    writeFileSync(watched, 'x'.repeat(70_000));
    // times beyond 32 bits of seconds and a nanosecond part: 64-bit fields decoded in the target's order
    utimesSync(watched, 5_000_000_000.25, 5_000_000_000.75);
    const { file, run } = checkStored(tg, arch, watched);
    const fresh = run();
    t.equal(fresh.status, 0, `unchanged: ${fresh.stderr}`);
    utimesSync(watched, 5_000_000_000.25, 5_000_000_001.75);
    const stale = run();
    t.equal(stale.status, 125);
    t.equal(stale.stderr, `jailctl: ${file}: stale: ${watched} changed since the plan was saved (mtime); save it again\n`);
    const other = arch === 'mips' ? 'mipsel' : 'mips';
    const foreign = checkStored(tg, other, watched);
    t.equal(foreign.run().stderr, `jailctl: ${foreign.file}: made for ${other}, but this launcher runs ${arch} code; save the plan with --arch ${arch}\n`);
  });
}
