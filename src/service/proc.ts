// What /proc says about a supervised service (edge): is the launcher alive (and really ours,
// not a recycled pid), which process is the service, which processes still hold the jail's
// namespaces, and the CLOCK_BOOTTIME the launcher stamps its state with.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // documented fallback: a process that is gone reads as absent
  }
}

/** State letter from /proc/PID/stat ("R", "S", "Z" ...), undefined when gone. */
export function processState(pid: number): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
}

/** The parent's pid from /proc/PID/stat, 0 when gone. */
export function parentPid(pid: number): number {
  const stat = readProc(`/proc/${pid}/stat`);
  return stat === undefined ? 0 : Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) || 0;
}

/** "PID (comm, state S)" for messages naming a process; "PID" once it is gone. */
export function describeProcess(pid: number): string {
  const state = processState(pid);
  const comm = readProc(`/proc/${pid}/comm`)?.trim();
  return state === undefined || comm === undefined ? String(pid) : `${pid} (${comm}, state ${state})`;
}

export function processAlive(pid: number): boolean {
  const state = processState(pid);
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** The pid runs jailctl-launch (a zombie or a recycled pid does not count). */
export function launcherAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return false;
  const argv0 = (readProc(`/proc/${pid}/cmdline`) ?? '').split('\0')[0] ?? '';
  return argv0.endsWith('jailctl-launch');
}

/** The first child of a process: the jail's pid 1 of a launcher, the service of a jail's pid 1. */
export function firstChildOf(pid: number): number | undefined {
  if (pid <= 0) return undefined;
  const children = readProc(`/proc/${pid}/task/${pid}/children`);
  const first = children?.trim().split(/\s+/)[0];
  return first ? Number(first) : undefined;
}

/** "mnt:[4026532281]" for /proc/PID/ns/KIND, undefined when gone. */
export function namespaceOf(pid: number, kind: 'mnt' | 'pid'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/${kind}`);
  } catch {
    return undefined; // documented fallback: the process is gone
  }
}

/** Every process whose namespace of this kind is `ns`. */
export function processesInNamespace(kind: 'mnt' | 'pid', ns: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (namespaceOf(pid, kind) === ns && processAlive(pid)) out.push(pid);
  }
  return out;
}

/** CLOCK_BOOTTIME in ms (what native/service.c writes as started_ms). */
export function bootTimeMs(): number {
  const uptime = readProc('/proc/uptime') ?? '0';
  return Math.round(Number.parseFloat(uptime.split(' ')[0] ?? '0') * 1000);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `done()` or the time is up; returns whether it became true. */
export async function waitUntil(done: () => boolean, timeoutMs: number, stepMs = 25): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() >= until) return false;
    await sleep(stepMs);
  }
  return true;
}
