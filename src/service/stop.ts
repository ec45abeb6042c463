// `jailctl service NAME stop` (edge): rc.common's stop, as procd runs it: the script's
// stop_service, procd_kill of the service (each supervisor gets SIGTERM, forwards it, SIGKILLs
// the jail after term_timeout), then service_stopped. Then proof that nothing is left: no
// supervisor, recorded or not, no process in a jail's namespaces, no cgroup. Anything left is
// an error that names it. A script that cannot run no longer keeps its service running.
import { JailctlError } from '../errors.js';
import { emptyReport, killService, type ApplyReport } from './apply.js';
import type { ServiceContext } from './context.js';
import { stopInstance, stopLeftError, taggedLaunchers } from './instances.js';
import { trapInterrupts } from './interrupts.js';
import { performAction } from './perform.js';
import { launcherAlive, processAlive, waitUntil } from './proc.js';
import { readServiceRecord, removeServiceRecord, type ServiceRecord } from './record.js';
import { ScriptError } from './script/evaluate.js';

export interface StopOutcome {
  wasRunning: boolean;
  /** what the script printed and jailctl's notes */
  lines: string[];
}

/** Stops every instance of a record and removes it; throws naming whatever survived. */
export async function stopRecordedService(stateDir: string, record: ServiceRecord): Promise<void> {
  const left = (await Promise.all(record.instances.map(stopInstance))).flat();
  if (record.tracerPid !== undefined) {
    // the tracer writes the profile once its launcher is gone: wait for it to finish
    await waitUntil(() => !processAlive(record.tracerPid!), 30_000, 50);
  }
  if (left.length > 0) throw stopLeftError(record.name, left);
  removeServiceRecord(stateDir, record.name);
}

export async function stopService(context: ServiceContext, action: 'stop' | 'shutdown' = 'stop'): Promise<StopOutcome> {
  const record = readServiceRecord(context.stateDir, context.name);
  const stray = taggedLaunchers(context.stateDir, context.name);
  const wasRunning = stray.size > 0 || (record !== undefined && (record.instances.some((i) => launcherAlive(i.launcherPid)) || (record.tracerPid !== undefined && processAlive(record.tracerPid))));
  if (record === undefined && stray.size === 0) return { wasRunning: false, lines: [] };
  if (record?.mode === 'trace') {
    await stopRecordedService(context.stateDir, record);
    return { wasRunning, lines: [] };
  }
  const report = emptyReport();
  if (wasRunning) await runStop(context, action, report);
  // whatever the script did or failed to do, the service ends here
  const guard = trapInterrupts(`service ${context.name} stop`);
  try {
    await killService({ context, description: record?.description ?? { hooks: [], commands: [], start: '', stop: '' }, guard, report, depth: 0 }, context);
  } finally {
    guard.release();
  }
  if (report.left.length > 0) throw stopLeftError(context.name, report.left);
  return { wasRunning, lines: report.lines };
}

/** The script's own stop; a script that is gone or fails is noted, and the stop goes on. */
async function runStop(context: ServiceContext, action: 'stop' | 'shutdown', report: ApplyReport): Promise<void> {
  try {
    await performAction(context, action, [], { report });
  } catch (err) {
    if (!(err instanceof JailctlError)) throw err;
    if (err instanceof ScriptError) report.lines.push(...err.output);
    // documented fallback: a failing stop_service must not keep the service running
    report.lines.push(`jailctl: warning: ${action}: ${err.message}; stopping the service anyway`);
  }
}
