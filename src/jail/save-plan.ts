// Stored plans (edge): `jailctl run --save-plan FILE` and `jailctl service NAME save-plan` plan as
// usual while recording every path planning looks at, take those paths' fingerprints
// (fingerprint.ts decides what the launcher compares), and write plan and fingerprints as one
// file, atomically, for `jailctl-launch --plan FILE` to run without Node.
import { JailctlError } from '../errors.js';
import { writeFileAtomic } from '../io/write-atomic.js';
import { encodeLaunchPlan } from '../native/plan-codec.js';
import { encodeStoredPlan } from '../native/stored-plan-codec.js';
import { resolveArch } from '../profile/arch.js';
import { takeFingerprint, type FingerprintSource } from './fingerprint-fs.js';
import type { Fingerprint } from './fingerprint.js';
import { kernelArch } from './host-fs.js';
import { RACY_NS, type PlanDependency } from './plan-cache.js';
import type { LaunchPlan } from './plan.js';
import type { PlanTarget } from './run.js';

/** One plan to store, with every path it depended on. */
export interface PlanToStore {
  file: string;
  plan: LaunchPlan;
  deps: Map<string, PlanDependency>;
}

export interface StoreOptions {
  /** another machine (content fingerprints below its root); this one (identity) when unset */
  target?: PlanTarget;
  /** what the stale line tells to do */
  refresh: string;
  /** file mode of the stored plans */
  mode?: number;
}

const MAX_ATTEMPTS = 5;

/** A plan that depends on the launcher's pid, or on /proc and /sys, cannot be stored. */
function checkStorable(item: PlanToStore): void {
  if (item.plan.summary.cgroup.length > 0) {
    throw new JailctlError('USAGE', `${item.file}: cgroup limits (--memory, --pids, --cpu-weight) name the jail's cgroup after the launcher's pid, which a stored plan cannot know`, {
      hint: 'drop the cgroup limits from the stored plan, or start it with jailctl run',
    });
  }
  for (const { path } of item.deps.values()) {
    if (/^\/(proc|sys)(\/|$)/.test(path)) throw new JailctlError('USAGE', `${item.file}: the plan depends on ${path}, which describes the running system, not a file`, { path });
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Plans with `make` (again while a file planning read changed in the last second: its times
 * could repeat with other bytes, git's "racily clean" problem) and writes every plan it returns.
 */
export function storePlans(make: () => PlanToStore[], options: StoreOptions): void {
  const arch = options.target?.arch ?? kernelArch();
  const source: FingerprintSource = { mode: options.target === undefined ? 'identity' : 'content', errnoFamily: resolveArch(arch).errnoFamily };
  if (options.target !== undefined) source.root = options.target.root;
  for (let attempt = 1; ; attempt++) {
    const planned = make();
    planned.forEach(checkStorable);
    const taken = planned.map((item) => [...item.deps.values()].map((dep) => takeFingerprint(dep, source)));
    // only times the launcher compares can be racy (a busy /tmp only walked through is not)
    const timed = taken.flat().filter((t) => t.fingerprint.checks.includes('ctime'));
    const newest = timed.reduce((max, t) => (t.localCtimeNs > max ? t.localCtimeNs : max), 0n);
    const racyUntilMs = Number((newest + RACY_NS) / 1_000_000n);
    if (racyUntilMs < Date.now()) {
      planned.forEach((item, i) => writeStored(item, arch, taken[i]!.map((t) => t.fingerprint), options));
      return;
    }
    if (attempt === MAX_ATTEMPTS) {
      const busy = timed.find((t) => t.localCtimeNs === newest)!.fingerprint.path;
      throw new JailctlError('IO_FAILED', `${planned[0]?.file ?? 'stored plan'}: ${busy} keeps changing; a plan made from it would not stay true`, { path: busy, hint: 'save the plan once it has settled' });
    }
    sleepMs(racyUntilMs - Date.now() + 10);
  }
}

function writeStored(item: PlanToStore, arch: string, fingerprints: Fingerprint[], options: StoreOptions): void {
  // this machine's own numbers, or the kernel numbering of the target's architecture
  const signals = options.target === undefined ? 'host' : resolveArch(arch).errnoFamily === 'mips' ? 'mips' : 'generic';
  const plan = encodeLaunchPlan(item.plan, signals);
  writeFileAtomic(item.file, encodeStoredPlan({ arch, refresh: options.refresh, fingerprints, plan }), options.mode ?? 0o600);
}
