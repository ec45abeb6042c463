// `jailctl service NAME start|boot|restart|reload` (edge): run the rc.common command, carry out
// the service set it sends as procd would (start what is new or stopped, restart or signal what
// changed, leave the rest), then give each started instance a moment (--settle) so that one
// that dies at once is reported as such, not as running. Dry runs evaluate the script in a
// throwaway view of the file system and only plan.
import { JailctlError } from '../errors.js';
import type { ApplyReport } from './apply.js';
import { requireRoot, scriptPath, type ServiceContext } from './context.js';
import { readServiceStatus, runningSnapshot } from './inspect.js';
import { instanceRecord, supervisedPlan, type PlannedInstance } from './instances.js';
import { readOverlay } from './harden/overlay-file.js';
import { performAction, rcdOf } from './perform.js';
import { isPlanned, planServiceInstances, type PlanMode, type ProfileReading } from './plan-service.js';
import { bootTimeMs, waitUntil } from './proc.js';
import type { FailedInstance, ProcdService } from './procd.js';
import { readTextIfExists, type InstanceRecord } from './record.js';
import type { ScriptDescription } from './script/actions.js';
import { explainEarlyExit, runInitScript, ScriptError } from './script/evaluate.js';
import { parseLauncherState, type ServiceStatus } from './status.js';

/** How long a started instance must stay up before `start` calls it running. */
export const DEFAULT_SETTLE_MS = 300;

export interface PlannedService {
  script: string;
  service: ProcdService;
  description: ScriptDescription;
  instances: (PlannedInstance | FailedInstance)[];
  /** what the script printed, then jailctl's notes */
  lines: string[];
}

/** Runs start_service (for real, or in the dry run's throwaway view) and plans every instance. */
export function planService(context: ServiceContext, mode: PlanMode = 'start', options: { sandbox?: boolean; args?: string[]; depsOf?: ProfileReading['depsOf'] } = {}): PlannedService {
  const script = scriptPath(context);
  const result = runInitScript({
    script, name: context.name, configDir: context.configDir, action: 'start', args: options.args ?? [],
    running: runningSnapshot(context.stateDir), rcd: rcdOf(context), sandbox: options.sandbox === true,
  });
  const set = [...result.actions].reverse().find((a) => a.op === 'set');
  if (set === undefined || set.op !== 'set') throw withLines(explainEarlyExit(script, result, 'start_service'), result.output);
  const warnings: string[] = [];
  const reading: ProfileReading = {
    strict: context.seccompStrict === true,
    warn: (line) => void warnings.push(`jailctl: warning: ${line}`),
    overlay: mode === 'trace' ? undefined : readOverlay(context),
  };
  if (options.depsOf !== undefined) reading.depsOf = options.depsOf;
  const instances = planServiceInstances(set.service, mode, reading);
  const notes = instances.flatMap((i) => (isPlanned(i) ? i.instance.notes.map((n) => `jailctl: note: instance "${i.instance.instance}": ${n}`) : []));
  return { script, service: set.service, description: result.description, instances, lines: [...result.output, ...warnings, ...notes] };
}

function withLines(err: JailctlError, lines: string[]): ScriptError {
  const e = new ScriptError(err.code, err.message, { ...(err.hint !== undefined ? { hint: err.hint } : {}) });
  e.output = lines;
  return e;
}

/** Every instance's plan, for the commands that need them all (trace, harden, save-plan): the
 * first instance that cannot be planned is the error, and so is a service set without any
 * instance (the script's own lines, shown above the error, usually say why). */
export function allInstancesPlanned(planned: PlannedService, context: ServiceContext, command: string): PlannedInstance[] {
  for (const p of planned.instances) if (!isPlanned(p)) throw withLines(p.error, planned.lines);
  const instances = planned.instances.filter(isPlanned);
  if (instances.length === 0) {
    throw withLines(new JailctlError('SPEC_INVALID', `${context.name}: start_service opened no instance, so there is nothing to ${command}`, {
      hint: `the script's own lines above say why; \`jailctl service ${context.name} start --dry-run\` shows what it asks for`,
    }), planned.lines);
  }
  return instances;
}

/** What `--dry-run` prints: each plannable instance's supervised plan; the others' errors. */
export function dryRunPlans(context: ServiceContext, planned: PlannedService): { plans: unknown[]; failures: JailctlError[] } {
  const runningHook = planned.description.hooks.includes('service_running');
  return {
    plans: planned.instances.filter(isPlanned).map((p) => supervisedPlan(context, p, instanceRecord(context, p), runningHook)),
    failures: planned.instances.flatMap((p) => (isPlanned(p) ? [] : [p.error])),
  };
}

export interface StartOutcome {
  status: ServiceStatus;
  report: ApplyReport;
  /** instances started in this run that never stayed up --settle long: a crash loop */
  flapping: string[];
  /** the service set opened no instance */
  noInstances: boolean;
  /** start_service ended the script (exit 0) before it sent a set: under procd nothing changes */
  noSet: boolean;
  /** nothing was started, restarted, reloaded or stopped: it was running as asked */
  unchanged: boolean;
}

/** start, boot, restart and reload: the command, then the truth about what runs. */
export async function startService(context: ServiceContext, action: 'start' | 'boot' | 'restart' | 'reload', args: readonly string[], settleMs = DEFAULT_SETTLE_MS): Promise<StartOutcome> {
  requireRoot(action);
  const { result, report } = await performAction(context, action, args);
  const sets = result.actions.filter((a) => a.op === 'set');
  const noSet = (action === 'start' || action === 'boot') && sets.length === 0;
  // a script that exits 0 in start_service (disabled, nothing to do) has asked procd nothing
  if (noSet && result.status !== 0) throw withLines(explainEarlyExit(scriptPath(context), result, 'start_service'), report.lines);
  const flapping = await settle(report, settleMs);
  const last = sets[sets.length - 1];
  return {
    status: readServiceStatus(context.stateDir, context.name),
    report,
    flapping,
    noInstances: last !== undefined && last.op === 'set' && Object.keys(last.service.instances).length === 0,
    noSet,
    unchanged: !report.changed,
  };
}

/** Waits until every instance started in this run has been up settleMs since its latest start,
 * or is down for good; returns those still restarting when the wait ends (4 x settleMs). */
async function settle(report: ApplyReport, settleMs: number): Promise<string[]> {
  if (report.started.length === 0 || settleMs <= 0) return [];
  const unsettled = (): string[] => report.started.filter((inst) => {
    const state = parseLauncherState(readTextIfExists(inst.stateFile) ?? '');
    if (state === undefined || state.state === 'stopped' || state.state === 'crashed') return false;
    return state.state !== 'running' || bootTimeMs() - state.startedMs < settleMs;
  }).map((inst) => inst.instance);
  await waitUntil(() => unsettled().length === 0, 4 * settleMs);
  const left = unsettled();
  const restarting = (inst: InstanceRecord): boolean => {
    const state = parseLauncherState(readTextIfExists(inst.stateFile) ?? '');
    return state !== undefined && (state.state === 'respawning' || state.restarts > 0);
  };
  return report.started.filter((inst) => left.includes(inst.instance) && restarting(inst)).map((inst) => inst.instance);
}
