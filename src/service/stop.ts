// `jailctl service NAME stop` (edge): SIGTERM to each supervisor (which forwards it, waits
// term_timeout, SIGKILLs the jail and removes its cgroup), then proof that nothing is left: no
// supervisor, no process in the jail's pid or mount namespace (its mounts die with the last
// one), no cgroup folder. Anything left is an error that names it.
import { existsSync, rmdirSync, rmSync } from 'node:fs';
import { JailctlError } from '../errors.js';
import type { ServiceContext } from './context.js';
import { evaluateInitScript } from './script/evaluate.js';
import { describeProcess, launcherAlive, namespaceOf, processAlive, processesInNamespace, firstChildOf, waitUntil } from './proc.js';
import { readServiceRecord, readTextIfExists, removeServiceRecord, type InstanceRecord, type ServiceRecord } from './record.js';
import { parseLauncherState } from './status.js';

/** Extra time after term_timeout for the supervisor to kill, reap and clean up. */
const GRACE_MS = 5000;

interface Namespaces { mnt?: string; pid?: string }

/** The jail's namespaces, read before it goes away; a recycled pid in our namespaces is not the jail. */
function jailNamespaces(inst: InstanceRecord): Namespaces {
  const state = parseLauncherState(readTextIfExists(inst.stateFile) ?? '');
  const jail = state?.jail || firstChildOf(inst.launcherPid);
  if (jail === undefined || jail <= 0) return {};
  const out: Namespaces = {};
  for (const kind of ['mnt', 'pid'] as const) {
    const ns = namespaceOf(jail, kind);
    if (ns !== undefined && ns !== namespaceOf(process.pid, kind)) out[kind] = ns;
  }
  return out;
}

/** Stops one instance; returns what is left of it (empty when clean). */
async function stopInstance(inst: InstanceRecord): Promise<string[]> {
  const ns = jailNamespaces(inst);
  if (launcherAlive(inst.launcherPid)) {
    signal(inst.launcherPid, 'SIGTERM');
    const gone = await waitUntil(() => !launcherAlive(inst.launcherPid), inst.termTimeoutMs + GRACE_MS);
    // the jail's pid 1 dies with its supervisor (PR_SET_PDEATHSIG), taking the service along
    if (!gone) signal(inst.launcherPid, 'SIGKILL');
  }
  // processes killed with their pid namespace still take a moment to go on a loaded machine
  await waitUntil(() => !launcherAlive(inst.launcherPid) && leftoverProcesses(ns).length === 0, 5000);
  const left: string[] = [];
  if (launcherAlive(inst.launcherPid)) left.push(`supervisor pid ${inst.launcherPid}`);
  const procs = leftoverProcesses(ns);
  if (procs.length > 0) left.push(`processes ${procs.map(describeProcess).join(', ')} in the jail's namespaces`);
  for (const dir of inst.cgroup) {
    if (!existsSync(dir)) continue;
    try {
      rmdirSync(dir);
    } catch (err) {
      left.push(`cgroup ${dir} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  return left.map((l) => `instance "${inst.instance}": ${l}`);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err; // it ended by itself meanwhile
  }
}

function leftoverProcesses(ns: Namespaces): number[] {
  const pids = new Set<number>();
  if (ns.pid !== undefined) for (const p of processesInNamespace('pid', ns.pid)) pids.add(p);
  if (ns.mnt !== undefined) for (const p of processesInNamespace('mnt', ns.mnt)) pids.add(p);
  return [...pids].sort((a, b) => a - b);
}

/** Stops every instance of a record and removes it; throws naming whatever survived. */
export async function stopRecordedService(stateDir: string, record: ServiceRecord): Promise<void> {
  const left = (await Promise.all(record.instances.map(stopInstance))).flat();
  if (record.tracerPid !== undefined) {
    // the tracer writes the profile once its launcher is gone: wait for it to finish
    await waitUntil(() => !processAlive(record.tracerPid!), 30_000, 50);
  }
  if (left.length > 0) {
    throw new JailctlError('JAIL_SETUP_FAILED', `${record.name}: stop left ${left.join('; ')}`, {
      hint: 'kill what is listed by hand (kill -9 PID, rmdir CGROUP) and report this',
    });
  }
  for (const inst of record.instances) {
    rmSync(inst.stateFile, { force: true });
    if (inst.pidfile !== undefined) rmSync(inst.pidfile, { force: true });
  }
  removeServiceRecord(stateDir, record.name);
}

export interface StopOutcome {
  wasRunning: boolean;
  /** what the script's stop_service hook said, or why it could not run */
  warnings: string[];
}

/** Runs the script's stop_service hook first, as procd does; the service is stopped either way. */
export async function stopService(context: ServiceContext): Promise<StopOutcome> {
  const record = readServiceRecord(context.stateDir, context.name);
  if (record === undefined) return { wasRunning: false, warnings: [] };
  const wasRunning = record.instances.some((i) => launcherAlive(i.launcherPid)) || (record.tracerPid !== undefined && processAlive(record.tracerPid));
  const warnings = wasRunning && record.mode === 'supervise' ? runStopHook(record.script, context) : [];
  await stopRecordedService(context.stateDir, record);
  return { wasRunning, warnings };
}

function runStopHook(script: string, context: ServiceContext): string[] {
  if (!existsSync(script)) return [`${script} is gone; its stop_service hook was not run`];
  try {
    return evaluateInitScript({ script, name: context.name, configDir: context.configDir, action: 'stop' }).warnings;
  } catch (err) {
    // documented fallback: a failing hook must not keep the service running
    if (err instanceof JailctlError) return [`stop_service: ${err.message}`];
    throw err;
  }
}
