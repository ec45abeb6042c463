// `jailctl run`, end to end (edge): read the spec, gather host facts, build the plan, then
// either print it (--dry-run) or become the launcher. Never starts anything unjailed.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JailctlError } from '../errors.js';
import { execLaunchPlan } from '../native/index.js';
import { buildLaunchPlan, type PlanInputs } from './build-plan.js';
import { capabilityList, parseCapabilities } from './caps.js';
import { createHostFs } from './host-fs.js';
import { cacheableDependencies, PlanCacheSettingError, planCacheDir, planCacheKey, recordingHost, storePlan, type PlanDependency } from './plan-cache.js';
import type { LaunchPlan } from './plan.js';
import type { SeccompForRun } from './seccomp-input.js';
import { hostSearchPath, mergeRawSpecs, normalizeJailSpec, type JailSpec, type RawJailSpec } from './spec.js';
import { readJailSpecFile } from './spec-file.js';

export interface RunContext {
  raw: RawJailSpec;
  specFile?: string;
  dryRun: boolean;
  cwd: string;
  /** receives warning lines (a profile accepted with parts ignored) */
  warn?: (line: string) => void;
}

/** What the filter is made for besides the file and arch: the jail's bounding set, strictness. */
export interface SeccompContext {
  caps: readonly string[];
  strict: boolean;
}

/** Makes the filter of --seccomp for the host arch. */
export type SeccompCompiler = (file: string, arch: string, context: SeccompContext) => SeccompForRun;

/** For plans that cannot hold a profile (it was taken out, or none was given). */
export const NO_SECCOMP: SeccompCompiler = (file) => {
  throw new JailctlError('JAIL_INVALID', `--seccomp ${file}: no profile was expected here`);
};

/** Builds the plan for a run context (everything but the launch); `compileSeccomp` makes the
 * filter of --seccomp (seccomp-input.ts; learning mode passes its own). */
export function planRun(context: RunContext, compileSeccomp: SeccompCompiler, deps?: Map<string, PlanDependency>): LaunchPlan {
  const fromFile = context.specFile === undefined ? {} : readJailSpecFile(context.specFile);
  const spec = normalizeJailSpec(mergeRawSpecs(fromFile, context.raw), context.cwd);
  if (context.specFile !== undefined) noteFile(deps, resolve(context.cwd, context.specFile));
  return planSpec(spec, context.cwd, compileSeccomp, deps);
}

/** The plan of a normalized spec, on this host; `cwd` is where relative command paths start. */
export function planSpec(spec: JailSpec, cwd: string, compileSeccomp: SeccompCompiler, deps?: Map<string, PlanDependency>): LaunchPlan {
  const host = deps === undefined ? createHostFs() : recordingHost(createHostFs(), deps);
  if (spec.seccompFile !== undefined) noteFile(deps, spec.seccompFile); // read outside HostFacts
  const inputs: PlanInputs = { launcherPid: process.pid, hostPath: hostSearchPath(), hostCwd: cwd };
  if (spec.seccompFile !== undefined) {
    const caps = spec.capsFile === undefined ? [] : capabilityList(parseCapabilities(host.readText(spec.capsFile) ?? '{}', spec.capsFile).bounding);
    inputs.seccomp = compileSeccomp(spec.seccompFile, host.arch, { caps, strict: spec.seccompStrict });
  }
  return buildLaunchPlan(spec, host, inputs);
}

function cacheDirOrThrow(): string | undefined {
  try {
    return planCacheDir();
  } catch (err) {
    if (err instanceof PlanCacheSettingError) throw new JailctlError('USAGE', err.message, { hint: 'unset it to use /run/jailctl/plans' });
    throw err;
  }
}

function noteFile(deps: Map<string, PlanDependency> | undefined, path: string): void {
  deps?.set(`1${path}`, { path, follow: true });
}

/** Prints the plan (dry run) and returns, or replaces this process with the jail's launcher. */
export async function runJail(context: RunContext, print: (plan: LaunchPlan) => void = defaultPrint): Promise<void> {
  const cacheDir = context.dryRun ? undefined : cacheDirOrThrow();
  const deps = cacheDir === undefined ? undefined : new Map<string, PlanDependency>();
  // the profile compiler and every syscall table load only when a profile may be asked for
  const mayUseSeccomp = context.raw.seccomp !== undefined || context.specFile !== undefined;
  const compileForRun = mayUseSeccomp ? (await import('./seccomp-input.js')).compileSeccompForRun : undefined;
  // a plan whose profile has warnings is not cached, so that every run prints them
  let warned = false;
  const warn = (line: string): void => {
    warned = true;
    context.warn?.(line);
  };
  const compile: SeccompCompiler = compileForRun === undefined ? NO_SECCOMP : (file, arch, ctx) => compileForRun(file, arch, { ...ctx, warn });
  const plan = planRun(context, compile, deps);
  if (context.dryRun) {
    print(plan);
    return;
  }
  if (process.geteuid?.() !== 0) {
    throw new JailctlError('NOT_SUPPORTED', 'jailctl run needs root: namespaces, mounts and pivot_root need CAP_SYS_ADMIN', {
      hint: 'run it as root (sudo jailctl run ...), or use --dry-run to see the plan',
    });
  }
  // a cgroup is named after the launcher's pid: such a plan is never the same twice
  const store = cacheDir !== undefined && deps !== undefined && !warned && plan.summary.cgroup.length === 0 && cacheableDependencies(deps.values());
  if (store) {
    // the planner's own code is part of what made the plan (the key holds only the entry script)
    noteFile(deps, fileURLToPath(import.meta.url));
  }
  execLaunchPlan(plan, store ? (bytes, addon, launcher) => storePlan(cacheDir, () => planCacheKey(), deps.values(), bytes, addon, launcher) : undefined);
}

function defaultPrint(plan: LaunchPlan): void {
  process.stdout.write(`${JSON.stringify(plan, planReplacer, 2)}\n`);
}

/** bigints as strings, filters as their size and hex. */
export function planReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return { bytes: value.length, hex: Buffer.from(value).toString('hex') };
  return value;
}
