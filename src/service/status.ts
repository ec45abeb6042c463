// Service status from what the state folder and /proc say (pure): the launcher's key=value state
// file, our service record, and liveness facts the edge gathered. Formats `service status`.
// A service is "running" only when every instance runs; anything less is said in words.
import type { InstanceRecord, ServiceRecord } from './record.js';

/** native/service.c's state file. */
export interface LauncherState {
  state: 'running' | 'respawning' | 'stopped' | 'crashed' | string;
  launcher: number;
  jail: number;
  /** the service's host pid (0 when unknown) */
  service: number;
  startedMs: number;
  restarts: number;
  crashes: number;
  lastStatus: number;
}

export function parseLauncherState(text: string): LauncherState | undefined {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const state = values.get('state');
  if (state === undefined) return undefined;
  const int = (key: string): number => Number.parseInt(values.get(key) ?? '0', 10) || 0;
  return { state, launcher: int('launcher'), jail: int('jail'), service: int('service'), startedMs: int('started_ms'), restarts: int('restarts'), crashes: int('crashes'), lastStatus: int('last_status') };
}

/** What the edge observed about one instance right now. */
export interface InstanceFacts {
  launcherAlive: boolean;
  state: LauncherState | undefined;
  /** the jail's pid 1 (from the state file, or the launcher's child while tracing) */
  jailPid: number | undefined;
  /** the service's main process, when found */
  servicePid: number | undefined;
}

export type InstanceState = 'running' | 'starting' | 'tracing' | 'respawning' | 'crashed' | 'exited' | 'failed' | 'stopped';
export type ServiceState = 'running' | 'degraded' | 'respawning' | 'failed' | 'stopped';

export interface InstanceStatus {
  instance: string;
  state: InstanceState;
  pid: number | null;
  jailPid: number | null;
  launcherPid: number | null;
  uptimeSeconds: number | null;
  restarts: number;
  crashes: number;
  lastExit: string | null;
  /** why it could not start (state "failed") */
  failure: string | null;
  namespaces: string[];
  features: string[];
  mounts: number;
  user: { uid: number; gid: number };
  capabilities: string[];
  seccomp: { enabled: boolean; profile: string | null };
  log: string;
}

export interface ServiceStatus {
  name: string;
  state: ServiceState;
  instances: InstanceStatus[];
}

/** A wait(2) status in words: "exit 1", "signal 9 (SIGKILL)". */
export function describeWaitStatus(status: number, signalName: (n: number) => string | undefined = () => undefined): string {
  if ((status & 0x7f) === 0) return `exit ${(status >> 8) & 0xff}`;
  const sig = status & 0x7f;
  const name = signalName(sig);
  return `signal ${sig}${name ? ` (${name})` : ''}`;
}

/** Clocks: CLOCK_BOOTTIME for the launcher's started_ms, wall time for a trace's record. */
export interface Now { bootMs: number; wallMs: number }

const UP: readonly InstanceState[] = ['running', 'starting', 'tracing'];

function instanceState(record: ServiceRecord, inst: InstanceRecord, f: InstanceFacts | undefined): InstanceState {
  const st = f?.state;
  if (inst.failure !== undefined && f?.launcherAlive !== true) return 'failed';
  if (f?.launcherAlive !== true) return st?.state === 'crashed' ? 'crashed' : st?.state === 'stopped' ? 'exited' : 'stopped';
  if (record.mode === 'trace') return 'tracing';
  return st === undefined ? 'starting' : st.state === 'respawning' ? 'respawning' : 'running';
}

export function buildServiceStatus(name: string, record: ServiceRecord | undefined, facts: ReadonlyMap<string, InstanceFacts>, now: Now, signalName?: (n: number) => string | undefined): ServiceStatus {
  if (record === undefined) return { name, state: 'stopped', instances: [] };
  const instances = record.instances.map((inst): InstanceStatus => {
    const f = facts.get(inst.instance);
    const st = f?.state;
    const state = instanceState(record, inst, f);
    const up = UP.includes(state);
    return {
      instance: inst.instance,
      state,
      pid: up ? (f?.servicePid ?? null) : null,
      jailPid: up ? (f?.jailPid ?? null) : null,
      launcherPid: f?.launcherAlive === true ? inst.launcherPid : null,
      uptimeSeconds: !up ? null : Math.max(0, Math.floor((st !== undefined ? now.bootMs - st.startedMs : now.wallMs - record.startedAt) / 1000)),
      restarts: st?.restarts ?? 0,
      crashes: st?.crashes ?? 0,
      lastExit: st !== undefined && st.state !== 'running' ? describeWaitStatus(st.lastStatus, signalName) : null,
      failure: state === 'failed' ? inst.failure ?? null : null,
      namespaces: inst.namespaces,
      features: inst.features,
      mounts: inst.mounts,
      user: inst.user,
      capabilities: inst.capabilities,
      seccomp: { enabled: inst.seccomp !== null, profile: inst.seccomp },
      log: inst.logFile,
    };
  });
  return { name, state: serviceState(instances), instances };
}

function serviceState(instances: readonly InstanceStatus[]): ServiceState {
  const up = instances.filter((i) => UP.includes(i.state)).length;
  if (instances.length > 0 && up === instances.length) return 'running';
  if (up > 0) return 'degraded';
  if (instances.some((i) => i.state === 'respawning')) return 'respawning';
  if (instances.some((i) => i.state === 'crashed' || i.state === 'failed' || (i.state === 'exited' && i.lastExit !== 'exit 0'))) return 'failed';
  return 'stopped';
}

/** An instance that is not running, in a few words. */
export function describeDown(i: InstanceStatus): string {
  switch (i.state) {
    case 'respawning': return `respawning after ${i.lastExit ?? 'an exit'}, ${i.restarts} restarts`;
    case 'crashed': return `gave up after ${i.crashes} crashes in a row, last ${i.lastExit ?? 'exit unknown'}`;
    case 'failed': return `could not start: ${i.failure ?? 'unknown'}`;
    case 'exited': return `exited (${i.lastExit ?? 'unknown'})`;
    default: return i.state;
  }
}

/** The first line: "NAME: running (pid N, up Ts, R restarts)", "NAME: stopped", or what is wrong. */
export function formatStatusLine(status: ServiceStatus): string {
  const { name, instances } = status;
  const restarts = instances.reduce((sum, i) => sum + i.restarts, 0);
  const down = instances.find((i) => !UP.includes(i.state));
  switch (status.state) {
    case 'stopped': return `${name}: stopped`;
    case 'running': {
      const first = instances.find((i) => i.pid !== null) ?? instances[0]!;
      return `${name}: running (pid ${first.pid ?? first.launcherPid}, up ${first.uptimeSeconds ?? 0}s, ${restarts} restarts)`;
    }
    case 'degraded': {
      const up = instances.filter((i) => UP.includes(i.state)).length;
      return `${name}: degraded (${up} of ${instances.length} instances running; ${down!.instance}: ${describeDown(down!)})`;
    }
    default:
      return `${name}: ${status.state} (${down!.instance}: ${describeDown(down!)})`;
  }
}

/** `start`'s line for an instance that never stayed up: whatever it is this very moment. */
export function formatFlappingLine(name: string, i: InstanceStatus, settleMs: number): string {
  return `${name}: respawning (${i.instance}: does not stay up ${settleMs} ms, ${i.restarts} restarts)`;
}

/** `service status`'s exit code: 0 running, 3 stopped (LSB), 1 started but not (all) running. */
export function statusExitCode(status: ServiceStatus): number {
  return status.state === 'running' ? 0 : status.state === 'stopped' ? 3 : 1;
}

function instanceLines(i: InstanceStatus): string[] {
  const head = i.pid !== null
    ? `${i.instance}: ${i.state}, pid ${i.pid} (jail ${i.jailPid ?? '-'}, supervisor ${i.launcherPid ?? '-'}), up ${i.uptimeSeconds ?? 0}s, ${i.restarts} restarts`
    : i.state === 'failed' ? `${i.instance}: failed, could not start: ${i.failure ?? 'unknown'}`
    : `${i.instance}: ${i.state}${i.launcherPid !== null ? ` (supervisor ${i.launcherPid})` : ''}, ${i.restarts} restarts, ${i.crashes} crashes in a row`;
  const lines = [head];
  if (i.lastExit !== null) lines.push(`  last exit: ${i.lastExit}`);
  lines.push(`  jail: ${i.namespaces.length === 0 ? 'no namespaces' : `namespaces ${i.namespaces.join(',')}`}; ${[...i.features].join(',')}; ${i.mounts} binds; uid ${i.user.uid} gid ${i.user.gid}`);
  lines.push(`  capabilities: ${i.capabilities.length === 0 ? 'none' : i.capabilities.join(',')}`);
  lines.push(`  seccomp: ${i.seccomp.enabled ? `on (${i.seccomp.profile})` : 'off'}`);
  lines.push(`  log: ${i.log}`);
  return lines;
}

export function formatStatus(status: ServiceStatus): string[] {
  return [formatStatusLine(status), ...status.instances.flatMap(instanceLines)];
}
