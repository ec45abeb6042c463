// Running a service traced for `harden` and `harden --check` (edge): every instance as `start`
// would plan it (as the script asks for harden; with the overlay, its profile left out, for
// --check), traced over its whole process tree with the harden captures, until the service
// exits, `service NAME stop`, Ctrl-C or --for SECONDS. What each instance did comes back.
import { JailctlError } from '../../errors.js';
import { spawnLaunchPlan, TRACE_FD, type SpawnedJail } from '../../native/spawn.js';
import { archFromNode, type ArchName } from '../../profile/arch.js';
import { TraceAggregator, type TraceResult } from '../../trace/aggregate.js';
import { buildTracedPlan } from '../../trace/trace-plan.js';
import { requireRoot, type ServiceContext } from '../context.js';
import { instanceRecord, type PlannedInstance } from '../instances.js';
import type { PlanMode } from '../plan-service.js';
import { launcherAlive } from '../proc.js';
import { readServiceRecord, removeServiceRecord, writeServiceRecord, type ServiceRecord } from '../record.js';
import { allInstancesPlanned, planService, type PlannedService } from '../start.js';
import { buildHardenCaptures, EvidenceCollector } from './evidence.js';

export interface RunOptions {
  /** stop the service after this many seconds (else: when it exits or is stopped) */
  forSeconds?: number;
  onLines: (lines: readonly string[]) => void;
  onStarted: (line: string) => void;
}

export interface TracedRun {
  planned: PlannedInstance;
  result: TraceResult;
  evidence: EvidenceCollector;
  executable: string;
  /** the launcher's status: 125 when the jail could not be built */
  exitCode: number;
}

export interface ServiceRun {
  planned: PlannedService;
  runs: TracedRun[];
  arch: ArchName;
}

export async function runTracedService(context: ServiceContext, mode: Extract<PlanMode, 'trace' | 'check'>, options: RunOptions): Promise<ServiceRun> {
  requireRoot(mode === 'trace' ? 'harden' : 'harden --check');
  const arch = archFromNode();
  const existing = readServiceRecord(context.stateDir, context.name);
  if (existing !== undefined && existing.instances.some((i) => launcherAlive(i.launcherPid))) {
    throw new JailctlError('USAGE', `${context.name} is running; stop it before hardening`, { hint: `jailctl service ${context.name} stop` });
  }
  const planned = planService(context, mode);
  const instances = allInstancesPlanned(planned, context, mode === 'trace' ? 'harden' : 'check');
  options.onLines(planned.lines);
  const record: ServiceRecord = { version: 1, name: context.name, script: planned.script, mode: 'trace', startedAt: Date.now(), tracerPid: process.pid, instances: [], description: planned.description, triggers: [] };
  const jails: { run: TracedRun; aggregator: TraceAggregator; jail: SpawnedJail }[] = [];
  for (const p of instances) {
    const exec = p.plan.steps.find((s) => s.op === 'execve');
    const executable = exec?.op === 'execve' ? exec.path : p.instance.spec.command[0]!;
    const aggregator = new TraceAggregator(arch, { cwd: '/' });
    const evidence = new EvidenceCollector(arch, { uid: p.plan.summary.user.uid, gid: p.plan.summary.user.gid });
    const plan = buildTracedPlan(p.plan, arch, TRACE_FD, { extraCaptures: buildHardenCaptures(arch) });
    const jail = spawnLaunchPlan(plan, (r) => { aggregator.push(r); evidence.push(r); });
    record.instances.push({ ...instanceRecord(context, p), seccomp: null, launcherPid: jail.pid });
    jails.push({ run: { planned: p, result: aggregator.result(), evidence, executable, exitCode: 0 }, aggregator, jail });
  }
  writeServiceRecord(context.stateDir, record);
  const until = options.forSeconds === undefined ? 'it exits' : `${options.forSeconds} s have passed`;
  options.onStarted(`${context.name}: ${mode === 'trace' ? 'hardening' : 'checking'} (supervisor pid ${jails.map((j) => j.jail.pid).join(', ')}); use the service now; the trace ends when ${until} or on \`jailctl service ${context.name} stop\``);
  const forward = (): void => { for (const j of jails) j.jail.kill('SIGTERM'); };
  const timer = options.forSeconds === undefined ? undefined : setTimeout(forward, options.forSeconds * 1000);
  process.on('SIGINT', forward).on('SIGTERM', forward).on('SIGHUP', forward);
  try {
    for (const j of jails) j.run.exitCode = (await j.jail.exit).code;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    process.off('SIGINT', forward).off('SIGTERM', forward).off('SIGHUP', forward);
    removeServiceRecord(context.stateDir, context.name);
  }
  for (const j of jails) j.run.result = j.aggregator.result();
  return { planned, runs: jails.map((j) => j.run), arch };
}
