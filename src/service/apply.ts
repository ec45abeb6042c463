// Carrying out a script's action log as procd would (edge). A service set updates the running
// service the way procd's service_update does: an unchanged running instance stays, a changed
// one gets its reload_signal or is restarted, a stopped or new one starts, and (for "set", not
// "add") one the script no longer opens stops. procd_kill stops, procd_send_signal signals the
// service process, hooks run once the instances exist, config.change events reload the services
// whose triggers name the package.
import { JailctlError } from '../errors.js';
import type { ServiceContext } from './context.js';
import { runningSnapshot } from './inspect.js';
import { hashFiles, instanceRecord, signalInstance, startInstance, stopInstance, supervisedPlan, taggedLaunchers, type PlannedInstance } from './instances.js';
import type { InterruptGuard } from './interrupts.js';
import { readOverlay } from './harden/overlay-file.js';
import { isPlanned, planServiceInstances } from './plan-service.js';
import { launcherAlive } from './proc.js';
import { resolveSignal, type FailedInstance, type ProcdInstance, type ProcdService } from './procd.js';
import { ensureServiceDir, listRecordedServices, readServiceRecord, readTextIfExists, removeServiceRecord, writeServiceRecord, type InstanceRecord, type ServiceRecord } from './record.js';
import type { ScriptAction, ScriptDescription } from './script/actions.js';
import { describeShellEnd, runInitScript } from './script/evaluate.js';
import { parseLauncherState } from './status.js';

/** What carrying out the log did, for the caller to print. */
export interface ApplyReport {
  /** what hooks printed and jailctl's notes, in order */
  lines: string[];
  /** instances that could not start, one error each */
  failures: JailctlError[];
  /** what stops left behind */
  left: string[];
  /** instances started by this run (to settle, or to stop again if interrupted) */
  started: InstanceRecord[];
  /** anything started, restarted, reloaded or stopped */
  changed: boolean;
  /** a service set was carried out */
  setApplied: boolean;
}

export function emptyReport(): ApplyReport {
  return { lines: [], failures: [], left: [], started: [], changed: false, setApplied: false };
}

export interface ApplyContext {
  context: ServiceContext;
  description: ScriptDescription;
  guard: InterruptGuard;
  report: ApplyReport;
  /** hooks and triggers run further scripts; they stop at this depth */
  depth: number;
}

const MAX_DEPTH = 3;

export async function applyActions(a: ApplyContext, actions: readonly ScriptAction[]): Promise<void> {
  for (const action of actions) {
    a.guard.check();
    switch (action.op) {
      case 'set': await updateService(a, action.service, action.method); break;
      case 'kill': await killService(a, { ...a.context, name: action.service }, action.instance); break;
      case 'signal': signalService(a, action.service, action.signal, action.instance); break;
      case 'hook': await runHook(a, action.name); break;
      case 'config-changed': await fireConfigChange(a, action.package); break;
    }
  }
}

/** procd's service_update for one service set. */
async function updateService(a: ApplyContext, service: ProcdService, method: 'set' | 'add'): Promise<void> {
  const { context } = a;
  const record: ServiceRecord = readServiceRecord(context.stateDir, context.name)
    ?? { version: 1, name: context.name, script: service.script, mode: 'supervise', startedAt: Date.now(), instances: [], description: a.description, triggers: [] };
  Object.assign(record, { script: service.script, mode: 'supervise', description: a.description, triggers: service.triggers });
  ensureServiceDir(context.stateDir, context.name);
  const save = (): void => writeServiceRecord(context.stateDir, record);
  save();
  a.report.setApplied = true;
  const wanted = planServiceInstances(service, 'start', {
    strict: context.seccompStrict === true,
    warn: (line) => void a.report.lines.push(`jailctl: warning: ${line}`),
    overlay: readOverlay(context),
  });
  for (const next of wanted) {
    const name = isPlanned(next) ? next.instance.instance : next.instance;
    const notes = isPlanned(next) ? next.instance.notes : next.notes;
    for (const note of notes) a.report.lines.push(`jailctl: note: instance "${name}": ${note}`);
    const old = record.instances.find((i) => i.instance === name);
    if (old !== undefined && instanceUp(old) && isPlanned(next)) {
      if (sameConfig(old, next.instance.config)) continue;
      const sig = next.instance.config.reload_signal === undefined ? undefined : resolveSignal(next.instance.config.reload_signal);
      if (sig !== undefined && signalInstance(old, sig)) {
        Object.assign(old, { config: next.instance.config, fileHashes: hashFiles(next.instance.config.file) });
        a.report.changed = true;
        save();
        continue;
      }
    }
    if (old !== undefined) {
      a.report.left.push(...await stopInstance(old));
      record.instances = record.instances.filter((i) => i !== old);
      a.report.changed = true;
      save();
    }
    await startOne(a, record, next, save);
    a.guard.check();
  }
  if (method === 'set') {
    const names = new Set(wanted.map((w) => (isPlanned(w) ? w.instance.instance : w.instance)));
    for (const gone of record.instances.filter((i) => !names.has(i.instance))) {
      a.report.left.push(...await stopInstance(gone));
      record.instances = record.instances.filter((i) => i !== gone);
      a.report.changed = true;
      save();
    }
  }
}

async function startOne(a: ApplyContext, record: ServiceRecord, next: PlannedInstance | FailedInstance, save: () => void): Promise<void> {
  if (!isPlanned(next)) {
    record.instances.push(failedRecord(a.context, next.instance, next.config, next.error));
    a.report.failures.push(next.error);
    save();
    return;
  }
  const rec = instanceRecord(a.context, next);
  const plan = supervisedPlan(a.context, next, rec, a.description.hooks.includes('service_running'));
  record.instances.push(rec);
  a.report.changed = true;
  try {
    await startInstance(a.context, plan, rec, save);
    a.report.started.push(rec);
  } catch (err) {
    if (!(err instanceof JailctlError)) throw err;
    const where = new JailctlError(err.code, `init script ${record.script}: instance "${rec.instance}": ${err.message}`, { ...(err.hint !== undefined ? { hint: err.hint } : {}) });
    Object.assign(rec, { launcherPid: 0, failure: where.message });
    a.report.failures.push(where);
  }
  save();
}

/** What is known of an instance without a running supervisor: its name and files. */
function bareRecord(context: ServiceContext, instance: string, launcherPid: number, termTimeoutMs: number): InstanceRecord {
  const dir = `${context.stateDir}/${context.name}`;
  return {
    instance, launcherPid, config: {}, fileHashes: {}, stateFile: `${dir}/${instance}.state`, logFile: `${dir}/${instance}.log`,
    termTimeoutMs, namespaces: [], features: [], mounts: 0, user: { uid: 0, gid: 0 }, capabilities: [], seccomp: null, cgroup: [],
  };
}

function failedRecord(context: ServiceContext, instance: string, config: ProcdInstance, error: JailctlError): InstanceRecord {
  return { ...bareRecord(context, instance, 0, 0), config, failure: error.message };
}

/** A supervisor found by its tag: its term_timeout is unknown, procd's default is assumed. */
function strayRecord(context: ServiceContext, instance: string, pid: number): InstanceRecord {
  return bareRecord(context, instance, pid, 5000);
}

/** Running (or about to): what procd calls proc.pending. A respawning instance is not. */
export function instanceUp(inst: InstanceRecord): boolean {
  if (!launcherAlive(inst.launcherPid)) return false;
  const state = parseLauncherState(readTextIfExists(inst.stateFile) ?? '');
  return state === undefined || state.state === 'running';
}

/** procd's instance_config_changed: everything but `data`, and the content of every `file`. */
function sameConfig(old: InstanceRecord, config: ProcdInstance): boolean {
  const strip = ({ data: _data, ...rest }: ProcdInstance): ProcdInstance => rest;
  if (JSON.stringify(strip(old.config)) !== JSON.stringify(strip(config))) return false;
  return JSON.stringify(old.fileHashes) === JSON.stringify(hashFiles(config.file));
}

/** procd_kill: one instance, or the whole service (and supervisors no record names). */
export async function killService(a: ApplyContext, target: ServiceContext, instance?: string): Promise<void> {
  const record = readServiceRecord(target.stateDir, target.name);
  const recorded = record?.instances ?? [];
  const stray = instance === undefined ? [...taggedLaunchers(target.stateDir, target.name)].filter(([, pid]) => !recorded.some((r) => r.launcherPid === pid)) : [];
  const victims = recorded.filter((i) => instance === undefined || i.instance === instance);
  for (const inst of victims) {
    a.report.left.push(...await stopInstance(inst));
    a.report.changed ||= inst.launcherPid > 0;
  }
  for (const [name, pid] of stray) {
    a.report.left.push(...await stopInstance(strayRecord(target, name, pid)));
    a.report.changed = true;
  }
  if (record === undefined || a.report.left.length > 0) return;
  if (instance === undefined) {
    removeServiceRecord(target.stateDir, target.name);
    return;
  }
  record.instances = record.instances.filter((i) => i.instance !== instance);
  writeServiceRecord(target.stateDir, record);
}

/** procd_send_signal: to every instance, or one; an instance that is not running is skipped. */
function signalService(a: ApplyContext, service: string, name: number | string, instance?: string): void {
  const signal = resolveSignal(name);
  if (signal === undefined) {
    a.report.lines.push(`jailctl: note: procd_send_signal ${service}: no such signal ${name}; nothing sent`);
    return;
  }
  const record = readServiceRecord(a.context.stateDir, service);
  for (const inst of record?.instances ?? []) {
    if (instance !== undefined && inst.instance !== instance) continue;
    if (!signalInstance(inst, signal)) a.report.lines.push(`jailctl: note: procd_send_signal ${service} ${inst.instance}: not running; no signal sent`);
  }
}

/** A hook of the script (service_started, service_stopped), in a fresh run of it. */
async function runHook(a: ApplyContext, name: string): Promise<void> {
  if (a.depth >= MAX_DEPTH) return;
  const record = readServiceRecord(a.context.stateDir, a.context.name);
  const script = record?.script ?? `${a.context.initd}/${a.context.name}`;
  const result = runInitScript({ script, name: a.context.name, configDir: a.context.configDir, action: '_hook', args: [name], running: runningSnapshot(a.context.stateDir) });
  a.report.lines.push(...result.output);
  if (result.status !== 0) a.report.lines.push(`jailctl: note: ${name} ${describeShellEnd(result)}`);
  await applyActions({ ...a, depth: a.depth + 1 }, result.actions);
}

/** procd runs `/etc/init.d/NAME running` once a set has started its instances. */
export async function runRunningHook(a: ApplyContext): Promise<void> {
  if (!a.description.hooks.includes('service_running') || !a.report.setApplied) return;
  const record = readServiceRecord(a.context.stateDir, a.context.name);
  if (record === undefined) return;
  const result = runInitScript({ script: record.script, name: a.context.name, configDir: a.context.configDir, action: 'running', running: runningSnapshot(a.context.stateDir) });
  a.report.lines.push(...result.output);
}

/** config.change of a package: every recorded service with a trigger on it runs its action. */
export async function fireConfigChange(a: ApplyContext, pkg: string): Promise<void> {
  if (a.depth >= MAX_DEPTH) return;
  for (const name of listRecordedServices(a.context.stateDir)) {
    const record = readServiceRecord(a.context.stateDir, name);
    for (const trigger of record?.triggers.filter((t) => t.package === pkg) ?? []) {
      const target = trigger.run[0]?.split('/').pop();
      if (target === undefined || target === '') continue;
      const { performAction } = await import('./perform.js');
      await performAction({ ...a.context, name: target }, trigger.run[1] ?? 'reload', trigger.run.slice(2), { report: a.report, depth: a.depth + 1, guard: a.guard });
    }
  }
}
