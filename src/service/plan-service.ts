// A service set (procd's instance JSON) -> a launch plan per instance, or why an instance cannot
// start (edge: reads the host, compiles seccomp profiles). As under procd, a failing instance
// fails alone; its error names the script and the instance.
import { JailctlError } from '../errors.js';
import { createHostFs } from '../jail/host-fs.js';
import { recordingHost, type PlanDependency } from '../jail/plan-cache.js';
import { compileSeccompForRun } from '../jail/seccomp-input.js';
import { inInstance } from './context.js';
import { planInstance } from './instance-plan.js';
import { PROCD_PATH } from './instance-spec.js';
import type { PlannedInstance } from './instances.js';
import { buildServiceInstances, isFailed, type FailedInstance, type ProcdService } from './procd.js';

export type PlanMode = 'start' | 'trace';

/** How instances' seccomp profiles are read: what runc, crun or procd accept is a warning line
 * (`warn`), or a refusal with --seccomp-strict (`strict`). */
export interface ProfileReading {
  strict?: boolean;
  warn?: (line: string) => void;
  /** receives, per instance, every path its plan was made from (service save-plan) */
  depsOf?: (instance: string) => Map<string, PlanDependency>;
}

/** `trace` plans every instance without its seccomp profile (the trace writes it). */
export function planServiceInstances(service: ProcdService, mode: PlanMode = 'start', reading: ProfileReading = {}): (PlannedInstance | FailedInstance)[] {
  const host = createHostFs();
  return buildServiceInstances(service, host, { seccompMayBeMissing: mode === 'trace' }).map((built) => {
    if (isFailed(built)) return built;
    try {
      const spec = { ...built.spec };
      if (mode === 'trace') delete spec.seccomp;
      const deps = reading.depsOf?.(built.instance);
      // the profile is read outside HostFacts
      if (deps !== undefined && spec.seccomp !== undefined) deps.set(`1${spec.seccomp}`, { path: spec.seccomp, follow: true });
      const plan = inInstance(service.script, built.instance, () => planInstance(spec, deps === undefined ? host : recordingHost(host, deps), {
        launcherPid: process.pid, hostPath: PROCD_PATH, hostCwd: '/',
        ...(spec.seccomp !== undefined ? { seccomp: compileSeccompForRun(spec.seccomp, host.arch, profileContext(built.instance, reading)) } : {}),
      }));
      return { instance: built, plan };
    } catch (err) {
      if (!(err instanceof JailctlError)) throw err;
      return { instance: built.instance, config: built.config, error: err, notes: built.notes };
    }
  });
}

function profileContext(instance: string, reading: ProfileReading): { strict: boolean; what: string; warn?: (line: string) => void } {
  const { warn } = reading;
  // messages about the profile name the script's parameter, not --seccomp
  return { strict: reading.strict === true, what: 'procd_set_param seccomp', ...(warn !== undefined ? { warn: (line: string) => warn(`instance "${instance}": ${line}`) } : {}) };
}

export function isPlanned(p: PlannedInstance | FailedInstance): p is PlannedInstance {
  return 'plan' in p;
}
