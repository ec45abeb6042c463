// `jailctl service NAME start` (edge): evaluate the init script, plan one jail per instance,
// start a detached supervisor for each and return once every service's execve succeeded. A
// failing instance stops the ones already started: a service starts whole or not at all.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHostFs } from '../jail/host-fs.js';
import type { PlanDependency } from '../jail/plan-cache.js';
import type { LaunchPlan } from '../jail/plan.js';
import { planRun } from '../jail/run.js';
import { SECCOMP_COMPILER } from '../jail/seccomp-input.js';
import type { RawJailSpec } from '../jail/spec.js';
import { inInstance, inInstanceAsync, requireRoot, scriptPath, type ServiceContext } from './context.js';
import { evaluateInitScript } from './script/evaluate.js';
import { launcherAlive, firstChildOf, waitUntil } from './proc.js';
import { buildServiceInstances, type ServiceInstance } from './procd.js';
import { ensureServiceDir, readServiceRecord, readTextIfExists, writeServiceRecord, type InstanceRecord, type ServiceRecord } from './record.js';
import { parseLauncherState } from './status.js';
import { spawnSupervisor, withSupervision } from './supervise.js';
import { buildUnjailedPlan } from './unjailed.js';
import { stopRecordedService } from './stop.js';

export interface PlannedInstance {
  instance: ServiceInstance;
  plan: LaunchPlan;
}

export interface PlannedService {
  script: string;
  instances: PlannedInstance[];
  warnings: string[];
}

/** Evaluates the script and plans every instance; a trace plans them without their seccomp
 * profile. `depsOf` receives, per instance, every path its plan was made from (save-plan). */
export function planService(context: ServiceContext, mode: 'start' | 'trace' = 'start', depsOf?: (instance: string) => Map<string, PlanDependency>): PlannedService {
  const script = scriptPath(context);
  const { service, warnings } = evaluateInitScript({ script, name: context.name, configDir: context.configDir, action: 'dump' });
  const instances = buildServiceInstances(service, createHostFs(), { seccompMayBeMissing: mode === 'trace' }).map((instance) => ({
    instance,
    plan: inInstance(script, instance.instance, () => {
      // an instance gets what its script asks, as under procd: no baseline filter
      const raw = { ...instance.raw, baselineFilter: false };
      const plan = planRun({ raw: mode === 'trace' ? withoutSeccomp(raw) : raw, dryRun: false, cwd: '/' }, SECCOMP_COMPILER, depsOf?.(instance.instance));
      return instance.unjailed ? buildUnjailedPlan(plan, instance.raw.caps === undefined) : plan;
    }),
  }));
  return { script, instances, warnings: [...warnings, ...instances.flatMap((i) => i.instance.notes.map((n) => `instance "${i.instance.instance}": ${n}`))] };
}

function withoutSeccomp(raw: RawJailSpec): RawJailSpec {
  const { seccomp: _traced, ...rest } = raw;
  return rest;
}

/** The supervised plan of each instance, with its state and log files in the state folder. */
export function superviseInstances(context: ServiceContext, planned: PlannedService): { plan: LaunchPlan; record: Omit<InstanceRecord, 'launcherPid'> }[] {
  const dir = join(context.stateDir, context.name);
  return planned.instances.map(({ instance, plan }) => {
    const stateFile = join(dir, `${instance.instance}.state`);
    const logFile = join(dir, `${instance.instance}.log`);
    const supervised = withSupervision(plan, { ...instance.policy, stateFile, logFile });
    const record: Omit<InstanceRecord, 'launcherPid'> = {
      instance: instance.instance, stateFile, logFile, termTimeoutMs: instance.policy.termTimeoutMs,
      namespaces: plan.namespaces, features: instance.features, mounts: plan.summary.mounts,
      user: { uid: plan.summary.user.uid, gid: plan.summary.user.gid }, capabilities: plan.summary.capabilities,
      seccomp: plan.summary.seccomp, cgroup: plan.summary.cgroup,
      ...(instance.pidfile !== undefined ? { pidfile: instance.pidfile } : {}),
    };
    return { plan: supervised, record };
  });
}

export type StartOutcome = { started: true; warnings: string[] } | { started: false; alreadyRunning: true };

export async function startService(context: ServiceContext): Promise<StartOutcome> {
  requireRoot('start');
  const existing = readServiceRecord(context.stateDir, context.name);
  if (existing !== undefined && existing.instances.some((i) => launcherAlive(i.launcherPid))) return { started: false, alreadyRunning: true };
  const planned = planService(context);
  const jobs = superviseInstances(context, planned);
  ensureServiceDir(context.stateDir, context.name);
  const record: ServiceRecord = { version: 1, name: context.name, script: planned.script, mode: 'supervise', startedAt: Date.now(), instances: [] };
  for (const job of jobs) {
    rmSync(job.record.stateFile, { force: true });
    let launcherPid: number;
    try {
      launcherPid = await inInstanceAsync(planned.script, job.record.instance, () => spawnSupervisor(job.plan, job.record.logFile));
    } catch (err) {
      await stopRecordedService(context.stateDir, record);
      throw err;
    }
    record.instances.push({ ...job.record, launcherPid });
    writeServiceRecord(context.stateDir, record);
  }
  await writePidfiles(record);
  return { started: true, warnings: planned.warnings };
}

/** procd's pidfile: the service's pid as the host sees it, once its state file names the jail. */
async function writePidfiles(record: ServiceRecord): Promise<void> {
  for (const inst of record.instances) {
    if (inst.pidfile === undefined) continue;
    let pid: number | undefined;
    await waitUntil(() => {
      const state = parseLauncherState(readTextIfExists(inst.stateFile) ?? '');
      pid = state === undefined ? undefined : firstChildOf(state.jail);
      return pid !== undefined;
    }, 2000);
    if (pid !== undefined) writeFileSync(inst.pidfile, `${pid}\n`);
  }
}
