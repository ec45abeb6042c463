// Running one rc.common command of a script and carrying out what it asked of procd (edge):
// every verb (start, stop, restart, reload, boot, the script's extra commands, triggers) goes
// through here, so each does exactly what the same command does under procd. Interrupted by a
// signal, it stops what it had started and ends with 128 + the signal.
import { basename, dirname, join, resolve } from 'node:path';
import { applyActions, emptyReport, runRunningHook, type ApplyReport } from './apply.js';
import { scriptPath, type ServiceContext } from './context.js';
import { runningSnapshot } from './inspect.js';
import { stopInstance } from './instances.js';
import { InterruptedError, trapInterrupts, type InterruptGuard } from './interrupts.js';
import { readServiceRecord, writeServiceRecord } from './record.js';
import { runInitScript, type ScriptResult } from './script/evaluate.js';

export interface PerformOptions {
  /** capture (printed by the caller) or inherit (an extra command talks to the terminal) */
  output?: 'capture' | 'inherit';
  /** nested runs (triggers) add to their caller's report, under its guard */
  report?: ApplyReport;
  guard?: InterruptGuard;
  depth?: number;
}

export interface Performed {
  result: ScriptResult;
  report: ApplyReport;
}

/** The rc.d folder of enable/disable and the prefix its links point through. */
export function rcdOf(context: ServiceContext): { dir: string; link: string } {
  const dir = resolve(context.rcd ?? join(dirname(context.initd), 'rc.d'));
  const link = dirname(dir) === dirname(context.initd) ? `../${basename(context.initd)}` : context.initd;
  return { dir, link };
}

export async function performAction(context: ServiceContext, action: string, args: readonly string[], options: PerformOptions = {}): Promise<Performed> {
  const guard = options.guard ?? trapInterrupts(`service ${context.name} ${action}`);
  const report = options.report ?? emptyReport();
  try {
    const result = runInitScript({
      script: scriptPath(context), name: context.name, configDir: context.configDir, action, args: [...args],
      running: runningSnapshot(context.stateDir), rcd: rcdOf(context), output: options.output ?? 'capture',
    });
    report.lines.push(...result.output);
    // interrupted while the script ran: carry out nothing of what it asked
    guard.check();
    const apply = { context, description: result.description, guard, report, depth: options.depth ?? 0 };
    try {
      await applyActions(apply, result.actions);
      await runRunningHook(apply);
    } catch (err) {
      if (err instanceof InterruptedError && options.guard === undefined) await undoStarted(context, report);
      throw err;
    }
    return { result, report };
  } finally {
    if (options.guard === undefined) guard.release();
  }
}

/** Stops the instances this run started (they were recorded the moment they existed). */
async function undoStarted(context: ServiceContext, report: ApplyReport): Promise<void> {
  for (const inst of report.started) {
    await stopInstance(inst);
    const record = readServiceRecord(context.stateDir, context.name);
    if (record === undefined) continue;
    record.instances = record.instances.filter((i) => i.instance !== inst.instance);
    writeServiceRecord(context.stateDir, record);
  }
}
