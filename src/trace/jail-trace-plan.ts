// The plan of a trace inside a jail (`jailctl trace --jail`, pure but for reading a --spec file):
// the jail `jailctl run` would build from the same options, its seccomp profile left out (the
// trace records what the program needs), and the jail's own mounts, where the mount list starts.
import type { LaunchPlan } from '../jail/plan.js';
import { NO_SECCOMP, planSpec } from '../jail/run.js';
import { mergeRawSpecs, normalizeJailSpec, type RawJailSpec } from '../jail/spec.js';
import { readJailSpecFile } from '../jail/spec-file.js';
import type { TraceJailMounts } from './mounts-from-trace.js';

export function planJailedTrace(command: string[], cwd: string, jail: { raw: RawJailSpec; specFile?: string }, warn: (line: string) => void): { plan: LaunchPlan; jailMounts: TraceJailMounts } {
  const fromFile = jail.specFile === undefined ? {} : readJailSpecFile(jail.specFile);
  const raw: RawJailSpec = mergeRawSpecs(fromFile, { ...jail.raw, command });
  if (raw.seccomp !== undefined) {
    warn(`the seccomp profile ${raw.seccomp} is left out while tracing: the trace records what the program needs`);
    delete raw.seccomp;
  }
  // no baseline filter either: it would hide the calls it refuses from the trace
  const spec = normalizeJailSpec({ ...raw, baselineFilter: false }, cwd);
  const plan = planSpec(spec, cwd, NO_SECCOMP);
  const { binds, tmpfs, proc, sys, dev, cwd: jailCwd } = spec;
  return { plan, jailMounts: { binds, tmpfs, proc, sys, dev, cwd: jailCwd } };
}
