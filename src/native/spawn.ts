// Running a launch plan while Node stays (jailctl trace): the launcher is spawned as a child,
// gets the plan on fd 3 and writes trace records to fd 4, which we decode as they arrive. The plan
// tells it to die with us (a killed trace leaves nothing stopped or orphaned).
import { spawn } from 'node:child_process';
import { endianness } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { JailctlError } from '../errors.js';
import type { LaunchPlan, PlanStep } from '../jail/plan.js';
import { TraceRecordDecoder, type TraceRecord, type TraceRecordSink } from '../trace/records.js';
import { launcherPath } from './binding.js';
import { encodeLaunchPlan } from './plan-codec.js';

/** The launcher's descriptor for trace records (see the 'trace' plan step). */
export const TRACE_FD = 4;

export interface SpawnedJail {
  pid: number;
  /** resolves with the launcher's exit status (the service's, or 125 when the jail failed) */
  exit: Promise<{ code: number; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

/** The plan for a launcher whose parent stays: it dies with `parentPid` (pure). */
export function withParentDeath(plan: LaunchPlan, parentPid: number): LaunchPlan {
  const step: PlanStep = { phase: 'config', op: 'die-with-parent', parentPid, describe: `die with jailctl (pid ${parentPid}), which stays to read the trace` };
  return { ...plan, steps: [step, ...plan.steps.filter((s) => s.op !== 'die-with-parent')] };
}

/**
 * Starts the launcher as our child; `onRecord` receives every trace record (a sink gets them
 * without an object per record). With `stdoutToStderr` the jail's standard output is our
 * standard error (ours stays for a summary).
 */
export function spawnLaunchPlan(plan: LaunchPlan, onRecord: ((record: TraceRecord) => void) | TraceRecordSink, options: { stdoutToStderr?: boolean } = {}): SpawnedJail {
  // as execLaunchPlan does: no host path in the launcher's (and pid 1's) argv, no environment
  const child = spawn(launcherPath(), ['3'], { argv0: 'jailctl-launch', env: {}, stdio: ['inherit', options.stdoutToStderr === true ? 2 : 'inherit', 'inherit', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new JailctlError('JAIL_SETUP_FAILED', 'cannot start the launcher');
  const planPipe = child.stdio[3] as Writable;
  const tracePipe = child.stdio[TRACE_FD] as Readable;
  planPipe.on('error', () => undefined); // the launcher reports plan problems itself
  planPipe.end(Buffer.from(encodeLaunchPlan(withParentDeath(plan, process.pid))));
  const decoder = new TraceRecordDecoder(endianness() === 'LE');
  tracePipe.on('data', (chunk: Buffer) => {
    if (typeof onRecord !== 'function') decoder.feed(chunk, onRecord);
    else for (const record of decoder.push(chunk)) onRecord(record);
  });
  const traceClosed = new Promise<void>((resolve) => tracePipe.on('close', resolve));
  const exited = new Promise<{ code: number; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code: code ?? 128 + (signal ? 15 : 0), signal })),
  );
  return {
    pid: child.pid,
    exit: Promise.all([exited, traceClosed]).then(([status]) => status),
    kill: (signal) => child.kill(signal),
  };
}
