// `jailctl run`, end to end (edge): read the spec, gather host facts, build the plan, then
// either print it (--dry-run) or become the launcher. Never starts anything unjailed.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JailctlError } from '../errors.js';
import { readInputTextIfExists } from '../io/input-file.js';
import { INPUT_LIMITS } from '../io/input-limits.js';
import { execLaunchPlan } from '../native/index.js';
import { liftingCapabilities, prebuiltBaselinePath, readPrebuiltBaseline } from './baseline-file.js';
import type { BaselineOptions } from './baseline.js';
import { buildLaunchPlan, type PlanInputs } from './build-plan.js';
import { capabilityList, parseCapabilities } from './caps.js';
import { createHostFs } from './host-fs.js';
import { createRootedHost } from './host-root.js';
import type { HostFacts } from './host.js';
import { cacheableDependencies, PlanCacheSettingError, planCacheDir, planCacheKey, recordingHost, storePlan, type PlanDependency } from './plan-cache.js';
import type { LaunchPlan } from './plan.js';
import type { SeccompCompiler, SeccompContext, SeccompForRun } from './seccomp-input.js';
import { DEFAULT_PATH, hostSearchPath, mergeRawSpecs, normalizeJailSpec, type JailSpec, type RawJailSpec } from './spec.js';
import { readJailSpecFile } from './spec-file.js';

export interface RunContext {
  raw: RawJailSpec;
  specFile?: string;
  dryRun: boolean;
  cwd: string;
  /** receives warning lines (a profile accepted with parts ignored) */
  warn?: (line: string) => void;
  /** --save-plan FILE: write the plan with its fingerprints instead of starting it */
  savePlan?: string;
  /** --arch/--root: plan for another machine's root filesystem */
  target?: PlanTarget;
}

/** Another machine: its architecture and its root filesystem here. */
export interface PlanTarget {
  arch: string;
  root: string;
}

export type { SeccompCompiler, SeccompContext } from './seccomp-input.js';

/** For plans that cannot hold a profile (it was taken out, or none was given) nor need the baseline
 * compiled (no capabilities kept, set-ID bits refused: the prebuilt one serves). */
export const NO_SECCOMP: SeccompCompiler = {
  profile: (file) => {
    throw new JailctlError('JAIL_INVALID', `--seccomp ${file}: no profile was expected here`);
  },
  baseline: () => {
    throw new JailctlError('JAIL_INVALID', 'the baseline seccomp filter was not built with jailctl, and the compiler was not loaded', { hint: 'run npm run build:ts, or pass --no-baseline-filter' });
  },
};

/** Builds the plan for a run context (everything but the launch); `compileSeccomp` makes the
 * filter of --seccomp (seccomp-input.ts; learning mode passes its own). */
/** `deps` receives every path the plan depends on: the machine's (through HostFacts) and, for a
 * plan of this machine, the files options name (spec, profile, the prebuilt baseline). */
export function planRun(context: RunContext, compileSeccomp: SeccompCompiler, deps?: Map<string, PlanDependency>): LaunchPlan {
  const fromFile = context.specFile === undefined ? {} : readJailSpecFile(context.specFile);
  const spec = normalizeJailSpec(mergeRawSpecs(fromFile, context.raw), context.cwd);
  if (context.specFile !== undefined && context.target === undefined) noteFile(deps, resolve(context.cwd, context.specFile));
  return planSpec(spec, context.cwd, compileSeccomp, deps, context.target);
}

/** The plan of a normalized spec, on this host or for `target`; `cwd` is where relative command
 * paths start (a target's: its root). */
export function planSpec(spec: JailSpec, cwd: string, compileSeccomp: SeccompCompiler, deps?: Map<string, PlanDependency>, target?: PlanTarget): LaunchPlan {
  const machine = target === undefined ? createHostFs() : createRootedHost(target.root, target.arch);
  const host = deps === undefined ? machine : recordingHost(machine, deps);
  // the files options name are the machine's own only when planning for this one
  const noted = target === undefined ? deps : undefined;
  if (spec.seccompFile !== undefined) noteFile(noted, spec.seccompFile); // read outside HostFacts
  const inputs: PlanInputs = target === undefined
    ? { launcherPid: process.pid, hostPath: hostSearchPath(), hostCwd: cwd }
    : { launcherPid: process.pid, hostPath: DEFAULT_PATH, hostCwd: '/', readOption: readHere };
  const readOption = inputs.readOption ?? ((path: string) => host.readText(path));
  const seccomp = spec.seccompFile === undefined ? undefined : compileSeccomp.profile(spec.seccompFile, host.arch, seccompContext(spec, readOption));
  if (seccomp !== undefined) inputs.seccomp = seccomp;
  inputs.baseline = (keptCaps) => baselineFor(spec, host.arch, keptCaps, seccomp, compileSeccomp, noted);
  return buildLaunchPlan(spec, host, inputs);
}

/** The --caps file where jailctl runs (a plan for another machine), read as every input is. */
function readHere(path: string): string | undefined {
  return readInputTextIfExists(path, '--caps', INPUT_LIMITS.caps);
}

/** What the profile is read for: the jail's bounding set (Docker-format caps conditions), strictness. */
function seccompContext(spec: JailSpec, readOption: (path: string) => string | undefined): SeccompContext {
  const caps = spec.capsFile === undefined ? [] : capabilityList(parseCapabilities(readOption(spec.capsFile) ?? '{}', spec.capsFile).bounding);
  return { caps, strict: spec.seccompStrict };
}

/** The compiler with every profile warning sent to `warn`. */
export function withWarnings(compiler: SeccompCompiler, warn: (line: string) => void): SeccompCompiler {
  return { ...compiler, profile: (file, arch, context) => compiler.profile(file, arch, { ...context, warn }) };
}

function cacheDirOrThrow(): string | undefined {
  try {
    return planCacheDir();
  } catch (err) {
    if (err instanceof PlanCacheSettingError) throw new JailctlError('USAGE', err.message, { hint: 'unset it to use /run/jailctl/plans' });
    throw err;
  }
}

/** The baseline filter: prebuilt in the common case (no profile, no capability that lifts an
 * entry, set-ID bits refused), compiled otherwise. */
function baselineFor(spec: JailSpec, arch: string, keptCaps: readonly string[], seccomp: SeccompForRun | undefined, compiler: SeccompCompiler, deps: Map<string, PlanDependency> | undefined): { filter: Uint8Array; describe: string } | undefined {
  if (!spec.baselineFilter) return undefined;
  const options: BaselineOptions = { keptCaps: liftingCapabilities(keptCaps), allowSuidSgid: spec.allowSuidSgid };
  if (seccomp !== undefined) options.profile = seccomp.parsed;
  const prebuilt = seccomp === undefined && options.keptCaps!.length === 0 && !spec.allowSuidSgid;
  if (prebuilt) noteFile(deps, prebuiltBaselinePath(arch));
  const filter = (prebuilt ? readPrebuiltBaseline(arch) : undefined) ?? compiler.baseline(arch, options);
  return filter === undefined ? undefined : { filter, describe: describeBaseline(options) };
}

function describeBaseline(options: BaselineOptions): string {
  const under = options.profile === undefined ? '' : ' under the profile (for the calls it leaves to its default)';
  const suid = options.allowSuidSgid === true ? ', set-ID bits allowed' : '';
  const caps = options.keptCaps !== undefined && options.keptCaps.length > 0 ? `, calls of kept ${options.keptCaps.join(', ')} allowed` : '';
  return `load the baseline seccomp filter${under}${suid}${caps}`;
}

function noteFile(deps: Map<string, PlanDependency> | undefined, path: string): void {
  deps?.set(`1${path}`, { path, follow: true });
}

/** Prints the plan (dry run) and returns, or replaces this process with the jail's launcher. */
export async function runJail(context: RunContext, print: (plan: LaunchPlan) => void = defaultPrint): Promise<void> {
  // the profile compiler and every syscall table load only when a profile may be asked for, or the
  // prebuilt baseline may not be the one (kept capabilities, set-ID bits allowed)
  const { raw } = context;
  const mayCompile = raw.seccomp !== undefined || context.specFile !== undefined || raw.caps !== undefined || raw.allowSuidSgid === true;
  const compiler = mayCompile ? (await import('./seccomp-input.js')).SECCOMP_COMPILER : NO_SECCOMP;
  // a plan whose profile has warnings is not cached, so that every run prints them
  let warned = false;
  const warn = (line: string): void => {
    warned = true;
    context.warn?.(line);
  };
  const compile = withWarnings(compiler, warn);
  if (context.savePlan !== undefined) return savePlan(context, context.savePlan, compile);
  const cacheDir = context.dryRun ? undefined : cacheDirOrThrow();
  const deps = cacheDir === undefined ? undefined : new Map<string, PlanDependency>();
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

/** --save-plan FILE: the plan and its fingerprints, for `jailctl-launch --plan FILE`; nothing starts. */
async function savePlan(context: RunContext, file: string, compile: SeccompCompiler): Promise<void> {
  const { storePlans } = await import('./save-plan.js');
  const make = () => {
    const deps = new Map<string, PlanDependency>();
    return [{ file, plan: planRun(context, compile, deps), deps }];
  };
  storePlans(make, { refresh: 'run jailctl run --save-plan again', ...(context.target === undefined ? {} : { target: context.target }) });
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
