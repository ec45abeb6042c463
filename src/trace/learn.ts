// `jailctl run --seccomp P --learn FILE` (edge): the jail runs under P, but a call P would
// refuse stops for the jail's pid 1, which counts it and lets it run. When the tree is gone the
// calls P lacked are written to FILE as an OCI profile fragment with P's default action, ready
// for `jailctl profile merge P FILE -o P`. Node stays beside the jail to read the counts.
import { JailctlError } from '../errors.js';
import { writeFileAtomic } from '../io/write-atomic.js';
import type { LaunchPlan } from '../jail/plan.js';
import { readRunProfile, type SeccompContext, type SeccompForRun } from '../jail/seccomp-input.js';
import { planRun, type RunContext } from '../jail/run.js';
import { TRACE_FD } from '../native/spawn.js';
import { archFromNode, type ArchName } from '../profile/arch.js';
import { compileFilter } from '../profile/compile.js';
import type { Action } from '../profile/model.js';
import { serializeOci } from '../profile/serialize.js';
import { TraceAggregator, type TraceExit } from './aggregate.js';
import { buildLearningPlan, LEARN_ACTION, withLearningDefault } from './learn-plan.js';
import { buildProfileFromCounts, totalCounts } from './profile-from-trace.js';
import { traceLaunchPlan } from './session.js';

export interface LearnOutcome {
  exitCode: number;
  /** the calls the profile lacked, most frequent first */
  learned: string[];
  /** false when the jail never started (the launcher said why) */
  written: boolean;
}

/** The learning plan: the jail `jailctl run` would build, its filter stopping instead of refusing. */
export function planLearning(context: RunContext): { plan: LaunchPlan; defaultAction: Action } {
  let defaultAction: Action | undefined;
  // learning runs without the baseline filter: its refusals would hide calls from the tracer
  const plan = planRun(context, {
    profile: (file, arch, seccompContext) => {
      const compiled = compileLearningSeccomp(file, arch, { ...seccompContext, ...(context.warn ? { warn: context.warn } : {}) });
      defaultAction = compiled.defaultAction;
      return compiled.seccomp;
    },
    baseline: () => undefined,
  });
  if (defaultAction === undefined) {
    throw new JailctlError('USAGE', '--learn needs --seccomp PROFILE: what it learns are the calls outside that profile', { hint: 'jailctl run --seccomp P --learn NEW.json -- COMMAND' });
  }
  return { plan: buildLearningPlan(plan, TRACE_FD), defaultAction };
}

/** Runs the jail in learning mode and writes `learnFile`. */
export async function runLearning(context: RunContext, learnFile: string): Promise<LearnOutcome> {
  const { plan, defaultAction } = planLearning(context);
  if (process.geteuid?.() !== 0) {
    throw new JailctlError('NOT_SUPPORTED', 'jailctl run needs root: namespaces, mounts and pivot_root need CAP_SYS_ADMIN', { hint: 'run it as root (sudo jailctl run ...), or use --dry-run to see the plan' });
  }
  const hostArch = archFromNode();
  const aggregator = new TraceAggregator(hostArch);
  const { exitCode } = await traceLaunchPlan(plan, aggregator, {});
  const result = aggregator.result();
  const learned = [...totalCounts(result.counts).keys()];
  if (!serviceRan(result.exit, learned.length)) return { exitCode, learned, written: false };
  const fragment = buildProfileFromCounts(result.counts, hostArch, { defaultAction, always: false });
  writeFileAtomic(learnFile, serializeOci(fragment));
  return { exitCode, learned, written: true };
}

/**
 * Whether the service got as far as its program. Without an exit record it never forked; a
 * service that failed a setup step (or its execve) ends with 125, 126 or 127 having made no call
 * the tracer saw. The launcher has printed why; an empty fragment would only mislead.
 */
function serviceRan(exit: TraceExit | undefined, learned: number): boolean {
  if (exit === undefined) return false;
  return learned > 0 || exit.code === undefined || exit.code < 125 || exit.code > 127;
}

/** P compiled for the host with its default action (and unknown ABIs) stopping for the tracer. */
export function compileLearningSeccomp(file: string, arch: ArchName | string, context: Partial<SeccompContext> = {}): { seccomp: SeccompForRun; defaultAction: Action } {
  const profile = readRunProfile(file, arch, context);
  const compiled = compileFilter(withLearningDefault(profile), arch, { badArchAction: LEARN_ACTION });
  return { seccomp: { filter: compiled.program, profile: `${file} (learning)`, flags: compiled.flags, parsed: profile }, defaultAction: profile.defaultAction };
}
