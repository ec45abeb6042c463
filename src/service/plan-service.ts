// A service set (procd's instance JSON) -> a launch plan per instance, or why an instance cannot
// start (edge: reads the host, compiles seccomp profiles). As under procd, a failing instance
// fails alone; its error names the script and the instance.
import { JailctlError } from '../errors.js';
import { createHostFs } from '../jail/host-fs.js';
import { compileSeccompForRun } from '../jail/seccomp-input.js';
import { inInstance } from './context.js';
import { applyOverlay, type ServiceOverlay } from './harden/overlay.js';
import { planInstance } from './instance-plan.js';
import { PROCD_PATH } from './instance-spec.js';
import type { PlannedInstance } from './instances.js';
import { buildServiceInstances, isFailed, type FailedInstance, type ProcdService } from './procd.js';

export type PlanMode = 'start' | 'trace' | 'check';

/** How instances are planned besides the mode: what runc, crun or procd accept in a seccomp
 * profile is a warning line (`warn`), or a refusal with --seccomp-strict (`strict`); `overlay`
 * is the service's hardening overlay, if any. */
export interface ProfileReading {
  strict?: boolean;
  warn?: (line: string) => void;
  overlay?: ServiceOverlay | undefined;
}

/** `trace` plans every instance as its script asks, without its seccomp profile (the trace
 * writes it) and without a hardening overlay; `check` with the overlay but without its profile
 * (harden --check compares the calls with it). */
export function planServiceInstances(service: ProcdService, mode: PlanMode = 'start', reading: ProfileReading = {}): (PlannedInstance | FailedInstance)[] {
  const { overlay } = reading;
  const host = createHostFs();
  return buildServiceInstances(service, host, { seccompMayBeMissing: mode !== 'start' }).map((built) => {
    if (isFailed(built)) return built;
    try {
      const hardening = mode === 'trace' ? undefined : overlay?.instances[built.instance];
      if (overlay !== undefined && mode !== 'trace') {
        built.notes.push(hardening === undefined ? `not hardened: ${overlay.file ?? 'the overlay'} has no entry for this instance (run harden again)` : `hardened by ${overlay.file ?? 'the overlay'}`);
      }
      let spec = hardening === undefined ? { ...built.spec } : applyOverlay(built.spec, hardening, overlay!.file ?? '(overlay)');
      built.spec = spec;
      if (mode !== 'start') { spec = { ...spec }; delete spec.seccomp; }
      const plan = inInstance(service.script, built.instance, () => planInstance(spec, host, {
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
