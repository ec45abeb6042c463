// Starting the resident supervisor (edge): the native launcher, detached in its own session,
// gets the plan (with its supervise step) on fd 3 and answers on fd 4 with "R" once the
// service's execve succeeded (and its pidfile is written), or with the 12-byte failure
// record. Node does not stay.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { endianness } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { JailctlError } from '../errors.js';
import type { LaunchPlan, SupervisePolicy } from '../jail/plan.js';
import { launcherPath } from '../native/binding.js';
import { FAIL_RECORD_SIZE, failRecordToError } from '../native/fail-record.js';
import { encodeLaunchPlan } from '../native/index.js';

export const PLAN_FD = 3;
export const READY_FD = 4;

/** The plan with the launcher's supervise step in front. */
export function withSupervision(plan: LaunchPlan, policy: Omit<SupervisePolicy, 'readyFd'>): LaunchPlan {
  return {
    ...plan,
    steps: [{ phase: 'config', op: 'supervise', ...policy, readyFd: READY_FD, describe: 'supervise the service (respawn, logs, state)' }, ...plan.steps],
  };
}

function readAll(stream: Readable): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', () => resolve(Buffer.concat(chunks)));
    stream.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** Starts the launcher; resolves with its pid once the service runs, or throws the jail's error.
 * `tag` is the launcher's argv[2], by which `service stop` finds it even unrecorded;
 * `onSpawned` hears its pid before anything is awaited, so that it can be recorded at once. */
export async function spawnSupervisor(plan: LaunchPlan, logFile: string, tag: string, onSpawned: (pid: number) => void = () => undefined): Promise<number> {
  const logFd = openSync(logFile, 'a', 0o640);
  let child;
  try {
    const stdio: ('ignore' | 'pipe' | number)[] = ['ignore', logFd, logFd, 'pipe', ...Array<'ignore'>(READY_FD - PLAN_FD - 1).fill('ignore'), 'pipe'];
    child = spawn(launcherPath(), [String(PLAN_FD), tag], { detached: true, cwd: '/', env: {}, stdio });
  } finally {
    closeSync(logFd);
  }
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const spawnError = new Promise<Error>((resolve) => child.on('error', resolve));
  if (child.pid === undefined) throw new JailctlError('JAIL_SETUP_FAILED', `${plan.name}: cannot start the launcher: ${(await spawnError).message}`);
  onSpawned(child.pid);
  const planPipe = child.stdio[PLAN_FD] as Writable;
  planPipe.on('error', () => undefined); // the launcher reports plan problems in the log
  planPipe.end(Buffer.from(encodeLaunchPlan(plan)));
  const answer = await readAll((child.stdio as unknown[])[READY_FD] as Readable);
  if (answer.length === 1 && answer[0] === 0x52 /* R */) {
    child.unref();
    return child.pid;
  }
  if (answer.length === FAIL_RECORD_SIZE) {
    await exited;
    throw failRecordToError(plan, answer, endianness() === 'LE');
  }
  const code = await exited;
  throw new JailctlError('JAIL_SETUP_FAILED', `${plan.name}: the launcher exited (status ${code ?? 'by a signal'}) before the service started`, {
    hint: `see ${logFile}`,
  });
}
