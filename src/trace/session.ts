// `jailctl trace` end to end (edge): plan the traced run (outside any jail, or inside the jail
// `jailctl run` would build), spawn the launcher while Node stays to read the records, forward
// SIGINT/SIGTERM/SIGHUP to it, and once the whole tree is gone write the profile, stats and mount
// list. The traced program's exit status is returned for jailctl to exit with.
import { readlinkSync } from 'node:fs';
import { JailctlError } from '../errors.js';
import { resolveCommand } from '../jail/build-plan.js';
import { createHostFs } from '../jail/host-fs.js';
import type { LaunchPlan } from '../jail/plan.js';
import { DEFAULT_PATH, hostSearchPath, type RawJailSpec } from '../jail/spec.js';
import { spawnLaunchPlan, TRACE_FD } from '../native/spawn.js';
import { archFromNode, type ArchName } from '../profile/arch.js';
import { countTotals, TraceAggregator, type TraceProgress, type TraceResult } from './aggregate.js';
import { buildBarePlan } from './bare-plan.js';
import type { TraceJailMounts } from './mounts-from-trace.js';
import { checkMergeInputs, checkOutputsWritable, writeTraceOutputs, type TraceOutputs } from './outputs.js';
import { buildTracedPlan } from './trace-plan.js';

export interface TraceContext {
  command: string[];
  cwd: string;
  /** the caller's environment: its PATH finds the command of a trace outside a jail */
  env: Record<string, string | undefined>;
  /** --env: variables the program gets besides PATH, outside a jail (inside, `jail.raw.env`) */
  setEnv?: Record<string, string>;
  /** trace inside the jail these run options describe (its seccomp profile left out) */
  jail?: { raw: RawJailSpec; specFile?: string };
  outputs: TraceOutputs;
  /** the program's standard output goes to our standard error (--json keeps stdout for itself) */
  stdoutToStderr?: boolean;
}

export interface TraceReporter {
  /** called a few times a second while the program runs */
  progress?: (progress: TraceProgress) => void;
  warn: (line: string) => void;
}

export interface TraceOutcome {
  /** the traced program's status as jailctl's exit code: its own, or 128+N for signal N */
  exitCode: number;
  result: TraceResult;
  /** one line per file written */
  written: string[];
  /** the profile's text when no -o was given */
  profileText?: string;
}

export interface PlannedTrace {
  plan: LaunchPlan;
  hostArch: ArchName;
  /** the executable as the traced tree starts it */
  executable: string;
  /** where the program starts: relative paths are taken from here */
  cwd: string;
  /** the jail's own mounts, for a trace inside a jail */
  jailMounts?: TraceJailMounts;
}

export async function planTraceSession(context: TraceContext, warn: (line: string) => void = () => undefined): Promise<PlannedTrace> {
  const hostArch = archFromNode();
  // the planners of `jailctl run` are loaded only for a trace inside a jail
  const { plan, jailMounts } = context.jail === undefined
    ? { plan: planBare(context), jailMounts: undefined }
    : (await import('./jail-trace-plan.js')).planJailedTrace(context.command, context.cwd, context.jail, warn);
  const exec = plan.steps.find((s) => s.op === 'execve');
  const chdir = plan.steps.find((s) => s.op === 'chdir' && s.phase === 'service');
  // the in-kernel counter knows tasks by the kernel's thread ids: only a tracer that sees those
  // (no pid namespace of its own or around it) can tell it which tasks are traced
  // (JAILCTL_TRACE_COUNTER=off: every call stops, as where the kernel has no counter; =count:
  // counted in the kernel, but calls with arguments stop, as where it has no recorder)
  const counter = context.jail === undefined && process.geteuid?.() === 0 && context.env['JAILCTL_TRACE_COUNTER'] !== 'off' && inInitialPidNamespace();
  const recorder = context.env['JAILCTL_TRACE_COUNTER'] !== 'count';
  return {
    plan: buildTracedPlan(plan, hostArch, TRACE_FD, { counter, recorder }),
    hostArch,
    executable: exec?.op === 'execve' ? exec.path : context.command[0]!,
    cwd: chdir?.op === 'chdir' ? chdir.path : context.cwd,
    ...(jailMounts !== undefined ? { jailMounts } : {}),
  };
}

/** The pid namespace of the host's init: /proc/self/ns/pid is PROC_PID_INIT_INO there. */
function inInitialPidNamespace(): boolean {
  try {
    return readlinkSync('/proc/self/ns/pid') === 'pid:[4026531836]';
  } catch {
    // documented fallback: no /proc, no counter (every call then stops for the tracer)
    return false;
  }
}

function planBare(context: TraceContext): LaunchPlan {
  if (context.command.length === 0 || context.command[0] === '') {
    throw new JailctlError('USAGE', 'no command given', { hint: 'usage: jailctl trace [options] -- COMMAND [ARGS...]' });
  }
  const executable = resolveCommand(createHostFs(), context.command[0]!, hostSearchPath(context.env), context.cwd);
  const uid = process.geteuid?.() ?? 0;
  // The environment `jailctl run` gives the program, not the caller's: traced with HOME, PWD or
  // LANG set, a program skips calls it makes without them (dash's getcwd, getpwuid's files),
  // and the profile would kill it under `jailctl run --seccomp`.
  const env = { PATH: DEFAULT_PATH, ...context.setEnv };
  return buildBarePlan({
    executable,
    argv: context.command,
    env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    uid,
    gid: process.getegid?.() ?? 0,
    noNewPrivs: uid !== 0,
  });
}

/** Traces the program until its whole tree is gone, then writes what was asked for. */
export async function runTraceSession(context: TraceContext, reporter: TraceReporter): Promise<TraceOutcome> {
  const planned = await planTraceSession(context, reporter.warn);
  if (context.jail !== undefined && process.geteuid?.() !== 0) {
    throw new JailctlError('NOT_SUPPORTED', 'jailctl trace --jail needs root: namespaces, mounts and pivot_root need CAP_SYS_ADMIN', {
      hint: 'run it as root, or trace without --jail',
    });
  }
  const merge = await checkMergeInputs(context.outputs);
  checkOutputsWritable(context.outputs);
  const aggregator = new TraceAggregator(planned.hostArch, { cwd: planned.cwd });
  const { exitCode, sawCalls } = await traceLaunchPlan(planned.plan, aggregator, reporter, { stdoutToStderr: context.stdoutToStderr === true });
  const result = aggregator.result();
  if (!sawCalls) return { exitCode, result, written: [] }; // the launcher said why
  for (const [call, n] of Object.entries(result.unknown)) reporter.warn(`${n} calls of ${call}, which no syscall table names, are left out of the profile`);
  if (result.lostRecords !== undefined) {
    reporter.warn(`the in-kernel recorder lost the arguments of ${result.lostRecords} calls (its ring buffer was full): the profile is complete, the files and sockets are not; trace again, or with JAILCTL_TRACE_COUNTER=count`);
  }
  const mountOptions = { command: planned.executable, cwd: planned.cwd, ...(planned.jailMounts !== undefined ? { jail: planned.jailMounts } : {}) };
  const written = writeTraceOutputs(result, context.outputs, mountOptions, reporter.warn, merge);
  return { exitCode, result, written: written.lines, ...(written.profileText !== undefined ? { profileText: written.profileText } : {}) };
}

/**
 * Spawns a traced plan and feeds its records to `aggregator` until the tree is gone. SIGINT,
 * SIGTERM and SIGHUP sent to jailctl go to the launcher, which hands them on to the program.
 * `sawCalls` is false when no call was ever traced: the jail or the exec failed, and the
 * launcher has already printed why.
 */
export async function traceLaunchPlan(plan: LaunchPlan, aggregator: TraceAggregator, reporter: Pick<TraceReporter, 'progress'>, options: { stdoutToStderr?: boolean } = {}): Promise<{ exitCode: number; sawCalls: boolean }> {
  // records go straight into the aggregator, without an object per record
  const jail = spawnLaunchPlan(plan, aggregator, options);
  const forward = (signal: NodeJS.Signals): void => jail.kill(signal);
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, forward);
  const timer = reporter.progress === undefined ? undefined : setInterval(() => reporter.progress!(aggregator.progress()), 200);
  try {
    const launcher = await jail.exit;
    reporter.progress?.(aggregator.progress());
    const exit = aggregator.exitStatus();
    // a failed first execve: the service's own status is the 125 of a jail step; the launcher
    // read the failure and exits 126/127 like env(1)
    const exitCode = aggregator.execFailed() ? launcher.code : (exit?.code ?? (exit?.signal !== undefined ? 128 + exit.signal : launcher.code));
    // counts arrive as records: some counted call means some record came
    return { exitCode, sawCalls: aggregator.counted() && !aggregator.execFailed() };
  } finally {
    if (timer !== undefined) clearInterval(timer);
    for (const s of signals) process.off(s, forward);
  }
}

/** What `--json` prints: the status, totals, ABIs, files and sockets seen, and what was written. */
export function summarizeTrace(outcome: TraceOutcome): TraceProgress & Record<string, unknown> {
  const { result } = outcome;
  return {
    exitCode: outcome.exitCode,
    ...(result.exit?.signal !== undefined ? { signal: result.exit.signal } : {}),
    arch: result.hostArch,
    processes: result.processes,
    ...countTotals(result.counts),
    ...(result.kernelCounted !== undefined ? { kernelCounted: result.kernelCounted } : {}),
    ...(result.kernelRecorded !== undefined ? { kernelRecorded: result.kernelRecorded } : {}),
    ...(result.lostRecords !== undefined ? { lostRecords: result.lostRecords } : {}),
    abis: Object.keys(result.counts),
    files: result.files.length,
    sockets: result.sockets.map((s) => s.family),
    written: outcome.written,
    ...(outcome.profileText !== undefined ? { profile: JSON.parse(outcome.profileText) as unknown } : {}),
  };
}
