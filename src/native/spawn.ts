// Running a launch plan while Node stays (jailctl trace): the launcher is started as our child by
// the addon (native/launcher-spawn.c) with the whole plan on fd 3, and writes trace records to
// fd 4, which we decode as they arrive. Neither node:child_process nor node:net is loaded: a trace
// of a short program is mostly start-up. The plan tells the launcher to die with us (a killed
// trace leaves nothing stopped or orphaned).
import { close, read } from 'node:fs';
import { constants, endianness } from 'node:os';
import { JailctlError, isErrnoError } from '../errors.js';
import type { LaunchPlan, PlanStep } from '../jail/plan.js';
import { TraceRecordDecoder, type TraceRecord, type TraceRecordSink } from '../trace/records.js';
import { launcherPath, loadAddon } from './binding.js';
import { encodeLaunchPlan } from './plan-codec.js';

/** The launcher's descriptor for trace records (see the 'trace' plan step). */
export const TRACE_FD = 4;

/** One read of the record pipe: the tracer writes batches of up to 64 KiB. */
const READ_BYTES = 64 * 1024;

export interface SpawnedJail {
  pid: number;
  /** resolves with the launcher's exit status (the service's, or 125 when the jail failed) once
   * it is gone and every record it sent has been handed to `onRecord` */
  exit: Promise<{ code: number; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

/** The plan for a launcher whose parent stays: it dies with `parentPid` (pure). */
export function withParentDeath(plan: LaunchPlan, parentPid: number): LaunchPlan {
  const step: PlanStep = { phase: 'config', op: 'die-with-parent', parentPid, describe: `die with jailctl (pid ${parentPid}), which stays to read the trace` };
  return { ...plan, steps: [step, ...plan.steps.filter((s) => s.op !== 'die-with-parent')] };
}

/** A launcher killed by signal N: 128+15 as its code, and N's name (as child_process gives it). */
function exitStatus(status: { code: number | null; signal: number | null }): { code: number; signal: NodeJS.Signals | null } {
  if (status.code !== null) return { code: status.code, signal: null };
  const name = Object.entries(constants.signals).find(([, n]) => n === status.signal)?.[0] as NodeJS.Signals | undefined;
  return { code: 128 + (status.signal !== null ? 15 : 0), signal: name ?? null };
}

/** Reads `fd` until end of file, handing each chunk to `onChunk`; closes it at the end. */
function readUntilEnd(fd: number, onChunk: (chunk: Uint8Array) => void): Promise<void> {
  return new Promise((resolve) => {
    const next = (): void => {
      // a new buffer each time: the decoder may keep a view of what it was given
      const buffer = new Uint8Array(READ_BYTES);
      read(fd, buffer, 0, READ_BYTES, null, (err, n) => {
        if (err === null && n > 0) {
          onChunk(buffer.subarray(0, n));
          next();
          return;
        }
        // an error reading our own pipe ends the records as its end would
        close(fd, () => resolve());
      });
    };
    next();
  });
}

/**
 * Starts the launcher as our child; `onRecord` receives every trace record (a sink gets them
 * without an object per record). With `stdoutToStderr` the jail's standard output is our
 * standard error (ours stays for a summary).
 */
export function spawnLaunchPlan(plan: LaunchPlan, onRecord: ((record: TraceRecord) => void) | TraceRecordSink, options: { stdoutToStderr?: boolean } = {}): SpawnedJail {
  // encoded before the launcher starts: it reads the whole plan at once
  const bytes = encodeLaunchPlan(withParentDeath(plan, process.pid));
  const path = launcherPath();
  let child: { pid: number; traceFd: number };
  const addon = loadAddon();
  try {
    child = addon.spawnLauncher(path, bytes, options.stdoutToStderr === true);
  } catch (err) {
    throw new JailctlError('JAIL_SETUP_FAILED', `cannot start the launcher ${path}: ${(err as Error).message}`, {
      path,
      ...(isErrnoError(err) && err.code !== undefined ? { errno: err.code } : {}),
      cause: err,
    });
  }
  let reaped = false;
  const exited = addon.waitChild(child.pid).then((status) => {
    reaped = true;
    return exitStatus(status);
  });
  const decoder = new TraceRecordDecoder(endianness() === 'LE');
  const traceClosed = readUntilEnd(child.traceFd, (chunk) => {
    if (typeof onRecord !== 'function') decoder.feed(chunk, onRecord);
    else for (const record of decoder.push(chunk)) onRecord(record);
  });
  return {
    pid: child.pid,
    exit: Promise.all([exited, traceClosed]).then(([status]) => status),
    kill: (signal) => {
      // never a signal to a pid that may already be another process's
      if (reaped) return;
      try {
        process.kill(child.pid, signal);
      } catch {
        // documented fallback: it is exiting (ESRCH); its exit is reported all the same
      }
    },
  };
}
