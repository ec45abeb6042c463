// Learning mode's plan (pure): the service runs under its profile with the default action
// replaced by SECCOMP_RET_TRACE, and the jail's pid 1 traces it. Calls the profile allows never
// stop; every other one stops once, is counted and then allowed, so the run goes on and the
// counts are exactly what the profile lacks.
import { JailctlError } from '../errors.js';
import type { LaunchPlan, PlanStep } from '../jail/plan.js';
import type { Action, SeccompProfile } from '../profile/model.js';

/** RET_DATA of the learning stop. */
export const LEARN_TRACE_DATA = 2;
export const LEARN_ACTION: Action = { kind: 'TRACE', data: LEARN_TRACE_DATA };

/** The profile with its default action (what refuses unknown calls) replaced by the learning stop. */
export function withLearningDefault(profile: SeccompProfile): SeccompProfile {
  return { ...profile, defaultAction: LEARN_ACTION };
}

/** Adds the tracer (records to `fd`, no arguments captured) and the service's trace-me, which
 * must come before the filter: once loaded, the filter would stop PTRACE_TRACEME itself. */
export function buildLearningPlan(plan: LaunchPlan, fd: number): LaunchPlan {
  const seccomp = plan.steps.findIndex((s) => s.op === 'seccomp' && s.phase === 'service');
  if (seccomp < 0) throw new JailctlError('USAGE', '--learn needs a seccomp profile to learn from', { hint: 'pass --seccomp PROFILE with --learn FILE' });
  if (plan.steps.some((s) => s.op === 'trace' || s.op === 'trace-me' || s.op === 'seccomp-notify')) {
    throw new JailctlError('JAIL_INVALID', 'the plan is already traced; learning needs a plan without a tracer');
  }
  const trace: PlanStep = { phase: 'config', op: 'trace', fd, captures: [], describe: 'record the calls the profile lacks' };
  const traceMe: PlanStep = { phase: 'service', op: 'trace-me', describe: 'stop for the learning tracer (ptrace PTRACE_TRACEME)' };
  const steps = [...plan.steps];
  steps.splice(seccomp, 0, traceMe);
  return { ...plan, steps: [trace, ...steps] };
}
