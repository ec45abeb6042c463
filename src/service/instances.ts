// One instance's life (edge): start its supervisor (recorded the moment it exists), stop it
// with proof that nothing is left (no supervisor, no process in the jail's pid or mount
// namespace, no cgroup), signal its service process, and find supervisors no record names
// (a start killed between spawn and record) by the tag in their argv.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { JailctlError } from '../errors.js';
import type { LaunchPlan } from '../jail/plan.js';
import { hostSearchPath } from '../jail/spec.js';
import type { ServiceContext } from './context.js';
import { describeProcess, firstChildOf, launcherAlive, namespaceOf, parentPid, processAlive, processesInNamespace, waitUntil } from './proc.js';
import type { ServiceInstance } from './procd.js';
import { readTextIfExists, type InstanceRecord } from './record.js';
import { parseLauncherState } from './status.js';
import { spawnSupervisor, withSupervision } from './supervise.js';

/** Extra time after term_timeout for the supervisor to kill, reap and clean up. */
const GRACE_MS = 5000;

export interface PlannedInstance {
  instance: ServiceInstance;
  plan: LaunchPlan;
}

/** argv[2] of an instance's supervisor: `service stop` finds it by this even unrecorded. */
export function launcherTag(stateDir: string, name: string, instance: string): string {
  return `jailctl-service=${join(stateDir, name, instance)}`;
}

/** What procd compares to tell a changed `procd_set_param file` (it uses md5). */
export function hashFiles(files: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of files ?? []) {
    try {
      out[file] = createHash('sha256').update(readFileSync(file)).digest('hex');
    } catch {
      out[file] = ''; // documented fallback: a missing file hashes as empty, as procd's md5 of nothing
    }
  }
  return out;
}

/** The record of an instance about to start; the launcher's pid is filled in once it exists. */
export function instanceRecord(context: ServiceContext, planned: PlannedInstance): InstanceRecord {
  const { instance, plan } = planned;
  const dir = join(context.stateDir, context.name);
  return {
    instance: instance.instance, launcherPid: 0, config: instance.config, fileHashes: hashFiles(instance.config.file),
    stateFile: join(dir, `${instance.instance}.state`), logFile: join(dir, `${instance.instance}.log`),
    termTimeoutMs: instance.policy.termTimeoutMs, namespaces: plan.namespaces, features: instance.spec.features, mounts: plan.summary.mounts,
    user: { uid: plan.summary.user.uid, gid: plan.summary.user.gid }, capabilities: plan.summary.capabilities,
    seccomp: plan.summary.seccomp, cgroup: plan.summary.cgroup,
    ...(instance.pidfile !== undefined ? { pidfile: instance.pidfile } : {}),
  };
}

/** The plan with its supervise step: state, log, pidfile, and procd's `running` hook. */
export function supervisedPlan(context: ServiceContext, planned: PlannedInstance, record: InstanceRecord, runningHook: boolean): LaunchPlan {
  const hookArgv = runningHook && process.argv[1] !== undefined
    ? [process.execPath, process.argv[1], 'service', context.name, 'running', '--initd', context.initd, '--state', context.stateDir, '--config', context.configDir]
    : [];
  return withSupervision(planned.plan, {
    ...planned.instance.policy, stateFile: record.stateFile, logFile: record.logFile, pidfile: record.pidfile ?? '',
    hookArgv, hookEnv: hookArgv.length > 0 ? [`PATH=${hostSearchPath()}`] : [],
  });
}

/** Starts the supervisor; `onSpawned` records it before its answer is awaited. */
export async function startInstance(context: ServiceContext, plan: LaunchPlan, record: InstanceRecord, onSpawned: () => void): Promise<void> {
  rmSync(record.stateFile, { force: true });
  await spawnSupervisor(plan, record.logFile, launcherTag(context.stateDir, context.name, record.instance), (pid) => {
    record.launcherPid = pid;
    onSpawned();
  });
}

/** procd_send_signal: to the service process itself, as procd signals its instance's pid. */
export function signalInstance(inst: InstanceRecord, signal: number): boolean {
  const state = parseLauncherState(readTextIfExists(inst.stateFile) ?? '');
  if (!launcherAlive(inst.launcherPid) || state?.state !== 'running' || state.service <= 0 || !processAlive(state.service)) return false;
  try {
    process.kill(state.service, signal);
    return true;
  } catch {
    return false; // documented fallback: it ended meanwhile, as procd's kill() would find
  }
}

interface Namespaces { mnt?: string; pid?: string }

/** The jail's namespaces, read before it goes away; our own namespaces are not the jail's. */
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
export async function stopInstance(inst: InstanceRecord): Promise<string[]> {
  const ns = jailNamespaces(inst);
  const wasAlive = launcherAlive(inst.launcherPid);
  // without a pid namespace the service itself is what may be left (only while it was ours)
  const service = wasAlive ? parseLauncherState(readTextIfExists(inst.stateFile) ?? '')?.service ?? 0 : 0;
  if (wasAlive) {
    signal(inst.launcherPid, 'SIGTERM');
    const gone = await waitUntil(() => !launcherAlive(inst.launcherPid), inst.termTimeoutMs + GRACE_MS);
    // the jail's pid 1 dies with its supervisor (PR_SET_PDEATHSIG), taking the service along
    if (!gone) signal(inst.launcherPid, 'SIGKILL');
  }
  const leftovers = (): number[] => [...new Set([...leftoverProcesses(ns), ...(service > 0 && processAlive(service) && !ns.pid ? [service] : [])])];
  // processes killed with their pid namespace still take a moment to go on a loaded machine
  await waitUntil(() => !launcherAlive(inst.launcherPid) && leftovers().length === 0, 5000);
  const left: string[] = [];
  if (launcherAlive(inst.launcherPid)) left.push(`supervisor pid ${inst.launcherPid}`);
  const procs = leftovers();
  if (procs.length > 0) left.push(`processes ${procs.map(describeProcess).join(', ')} ${ns.pid ? "in the jail's namespaces" : 'of the service'}`);
  for (const dir of inst.cgroup) {
    if (!existsSync(dir)) continue;
    try {
      rmdirSync(dir);
    } catch (err) {
      left.push(`cgroup ${dir} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  if (left.length === 0) {
    rmSync(inst.stateFile, { force: true });
    if (inst.pidfile !== undefined) rmSync(inst.pidfile, { force: true });
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

/** Supervisors of this service that are alive, by their tag: instance name -> pid. The jail's
 * pid 1 is a clone of its supervisor and carries the same argv: only the topmost one counts. */
export function taggedLaunchers(stateDir: string, name: string): Map<string, number> {
  const prefix = launcherTag(stateDir, name, '');
  const found: { pid: number; instance: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // documented fallback: it is gone
    }
    if (argv[0]?.endsWith('jailctl-launch') && argv[2]?.startsWith(prefix) && launcherAlive(Number(entry))) found.push({ pid: Number(entry), instance: argv[2].slice(prefix.length) });
  }
  const pids = new Set(found.map((f) => f.pid));
  return new Map(found.filter((f) => !pids.has(parentPid(f.pid))).map((f) => [f.instance, f.pid]));
}

/** Throws naming whatever a stop left behind. */
export function stopLeftError(name: string, left: readonly string[]): JailctlError {
  return new JailctlError('JAIL_SETUP_FAILED', `${name}: stop left ${left.join('; ')}`, { hint: 'kill what is listed by hand (kill -9 PID, rmdir CGROUP) and report this' });
}
