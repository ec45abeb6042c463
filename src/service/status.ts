// Service status from what the state folder and /proc say (pure): the launcher's key=value state
// file, our service record, and liveness facts the edge gathered. Formats `service status`.
import type { ServiceRecord } from './record.js';

/** native/service.c's state file. */
export interface LauncherState {
  state: 'running' | 'respawning' | 'stopped' | 'crashed' | string;
  launcher: number;
  jail: number;
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
  return { state, launcher: int('launcher'), jail: int('jail'), startedMs: int('started_ms'), restarts: int('restarts'), crashes: int('crashes'), lastStatus: int('last_status') };
}

/** What the edge observed about one instance right now. */
export interface InstanceFacts {
  launcherAlive: boolean;
  state: LauncherState | undefined;
  /** the jail's pid 1 (from the state file, or the launcher's child while tracing) */
  jailPid: number | undefined;
  /** the service's main process (the jail's pid 1's child), when found */
  servicePid: number | undefined;
}

export interface InstanceStatus {
  instance: string;
  state: 'running' | 'respawning' | 'stopped' | 'crashed' | 'starting' | 'tracing';
  pid: number | null;
  jailPid: number | null;
  launcherPid: number | null;
  uptimeSeconds: number | null;
  restarts: number;
  crashes: number;
  lastExit: string | null;
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
  state: 'running' | 'stopped';
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

export function buildServiceStatus(name: string, record: ServiceRecord | undefined, facts: ReadonlyMap<string, InstanceFacts>, now: Now, signalName?: (n: number) => string | undefined): ServiceStatus {
  if (record === undefined) return { name, state: 'stopped', instances: [] };
  const instances = record.instances.map((inst): InstanceStatus => {
    const f = facts.get(inst.instance);
    const st = f?.state;
    const alive = f?.launcherAlive === true;
    const state: InstanceStatus['state'] = !alive
      ? (st?.state === 'crashed' ? 'crashed' : 'stopped')
      : record.mode === 'trace' ? 'tracing' : st === undefined ? 'starting' : st.state === 'respawning' ? 'respawning' : 'running';
    const running = state === 'running' || state === 'tracing';
    return {
      instance: inst.instance,
      state,
      pid: running ? (f?.servicePid ?? f?.jailPid ?? null) : null,
      jailPid: running ? (f?.jailPid ?? null) : null,
      launcherPid: alive ? inst.launcherPid : null,
      uptimeSeconds: !running ? null : Math.max(0, Math.floor((st !== undefined ? now.bootMs - st.startedMs : now.wallMs - record.startedAt) / 1000)),
      restarts: st?.restarts ?? 0,
      crashes: st?.crashes ?? 0,
      lastExit: st !== undefined && st.state !== 'running' && (st.lastStatus !== 0 || st.state !== 'respawning') ? describeWaitStatus(st.lastStatus, signalName) : null,
      namespaces: inst.namespaces,
      features: inst.features,
      mounts: inst.mounts,
      user: inst.user,
      capabilities: inst.capabilities,
      seccomp: { enabled: inst.seccomp !== null, profile: inst.seccomp },
      log: inst.logFile,
    };
  });
  const anyAlive = instances.some((i) => i.launcherPid !== null);
  return { name, state: anyAlive ? 'running' : 'stopped', instances };
}

/** "NAME: running (pid N, up Ts, R restarts)" or "NAME: stopped". */
export function formatStatusLine(status: ServiceStatus): string {
  if (status.state === 'stopped') return `${status.name}: stopped`;
  const first = status.instances.find((i) => i.pid !== null) ?? status.instances.find((i) => i.launcherPid !== null)!;
  const restarts = status.instances.reduce((sum, i) => sum + i.restarts, 0);
  return `${status.name}: running (pid ${first.pid ?? first.launcherPid}, up ${first.uptimeSeconds ?? 0}s, ${restarts} restarts)`;
}

function instanceLines(i: InstanceStatus): string[] {
  const head = i.pid !== null
    ? `${i.instance}: ${i.state}, pid ${i.pid} (jail ${i.jailPid ?? '-'}, supervisor ${i.launcherPid ?? '-'}), up ${i.uptimeSeconds ?? 0}s, ${i.restarts} restarts`
    : `${i.instance}: ${i.state}${i.launcherPid !== null ? ` (supervisor ${i.launcherPid})` : ''}, ${i.restarts} restarts, ${i.crashes} crashes in a row`;
  const lines = [head];
  if (i.lastExit !== null) lines.push(`  last exit: ${i.lastExit}`);
  lines.push(`  jail: namespaces ${i.namespaces.join(',')}; ${[...i.features].join(',')}; ${i.mounts} binds; uid ${i.user.uid} gid ${i.user.gid}`);
  lines.push(`  capabilities: ${i.capabilities.length === 0 ? 'none' : i.capabilities.join(',')}`);
  lines.push(`  seccomp: ${i.seccomp.enabled ? `on (${i.seccomp.profile})` : 'off'}`);
  lines.push(`  log: ${i.log}`);
  return lines;
}

export function formatStatus(status: ServiceStatus): string[] {
  return [formatStatusLine(status), ...status.instances.flatMap(instanceLines)];
}
