// --memory/--pids/--cpu-weight -> a cgroup per jail: created and filled by the launcher before
// the jail starts, the jail's pid 1 attached before it runs anything, removed afterwards.
// cgroup v2 is used when its hierarchy has the controllers; a hybrid host whose controllers
// are still bound to v1 hierarchies gets the v1 equivalents. With --memory, the launcher reads
// the cgroup's OOM kill count before removing it and says when the kernel killed a process of
// the jail (otherwise the only trace is a bare exit 137). Pure: host files come in as text.
import { JailctlError } from '../errors.js';
import type { HostFacts } from './host.js';
import type { PlanStep } from './plan.js';

export interface CgroupLimits {
  memory?: bigint;
  pids?: number;
  cpuWeight?: number;
}

export interface CgroupPlan {
  version: 1 | 2;
  dirs: string[];
  steps: PlanStep[];
}

type Controller = 'memory' | 'pids' | 'cpu';

interface Mount { path: string; type: string; options: string[] }

export function parseMounts(text: string): Mount[] {
  return text.split('\n').flatMap((line) => {
    const f = line.split(' ');
    return f.length >= 4 ? [{ path: unescapeMount(f[1]!), type: f[2]!, options: f[3]!.split(',') }] : [];
  });
}

function unescapeMount(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** /proc/self/cgroup: hierarchy controllers ("" for v2) -> our cgroup path in it. */
export function parseProcCgroup(text: string): { controllers: string[]; path: string }[] {
  return text.split('\n').flatMap((line) => {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    return m === null ? [] : [{ controllers: m[1] === '' ? [] : m[1]!.split(','), path: m[2]! }];
  });
}

function neededControllers(limits: CgroupLimits): Controller[] {
  const out: Controller[] = [];
  if (limits.memory !== undefined) out.push('memory');
  if (limits.pids !== undefined) out.push('pids');
  if (limits.cpuWeight !== undefined) out.push('cpu');
  return out;
}

/** cgroup v1 cpu.shares equivalent of a v2 cpu.weight (the mapping runc and systemd use). */
export function weightToShares(weight: number): number {
  return Math.max(2, Math.round((weight * 1024) / 100));
}

const P = 'parent' as const;

/** Plans the jail's cgroup, or returns undefined when no limit was asked for. */
export function buildCgroupPlan(host: HostFacts, limits: CgroupLimits, jailName: string, launcherPid: number): CgroupPlan | undefined {
  const needed = neededControllers(limits);
  if (needed.length === 0) return undefined;
  const mounts = parseMounts(host.readText('/proc/self/mounts') ?? '');
  const leaf = `${jailName.replace(/[^A-Za-z0-9_.-]/g, '_')}-${launcherPid}`;
  const v2 = mounts.find((m) => m.type === 'cgroup2' && needed.every((c) => (host.readText(`${m.path}/cgroup.controllers`) ?? '').split(/\s+/).includes(c)));
  if (v2 !== undefined) return planV2(v2.path, leaf, limits, needed, jailName);
  return planV1(host, mounts, leaf, limits, needed, jailName);
}

function planV2(root: string, leaf: string, limits: CgroupLimits, needed: Controller[], jailName: string): CgroupPlan {
  const base = `${root}/jailctl`;
  const dir = `${base}/${leaf}`;
  const enable = needed.map((c) => `+${c}`).join(' ');
  const steps: PlanStep[] = [
    { phase: P, op: 'write-file', path: `${root}/cgroup.subtree_control`, content: enable, describe: `enable ${needed.join(', ')} in ${root}` },
    { phase: P, op: 'mkdir', path: base, mode: 0o755, describe: `create cgroup ${base}` },
    { phase: P, op: 'write-file', path: `${base}/cgroup.subtree_control`, content: enable, describe: `enable ${needed.join(', ')} in ${base}` },
    { phase: P, op: 'mkdir', path: dir, mode: 0o755, describe: `create cgroup ${dir}`, hint: 'a jail of this name and pid already exists; remove the stale cgroup' },
  ];
  if (limits.memory !== undefined) steps.push(limitStep(`${dir}/memory.max`, limits.memory.toString(), '--memory'));
  if (limits.pids !== undefined) steps.push(limitStep(`${dir}/pids.max`, String(limits.pids), '--pids'));
  if (limits.cpuWeight !== undefined) steps.push(limitStep(`${dir}/cpu.weight`, String(limits.cpuWeight), '--cpu-weight'));
  steps.push(attachStep(dir));
  // memory.events counts in the cgroup and below it: read before the cgroup goes away
  if (limits.memory !== undefined) steps.push(oomReportStep(`${dir}/memory.events`, jailName, limits.memory));
  steps.push(cleanupStep(dir));
  return { version: 2, dirs: [dir], steps };
}

function planV1(host: HostFacts, mounts: Mount[], leaf: string, limits: CgroupLimits, needed: Controller[], jailName: string): CgroupPlan {
  const own = parseProcCgroup(host.readText('/proc/self/cgroup') ?? '');
  const steps: PlanStep[] = [];
  const cleanup: PlanStep[] = [];
  const dirs: string[] = [];
  for (const controller of needed) {
    const mount = mounts.find((m) => m.type === 'cgroup' && m.options.includes(controller));
    const ownPath = own.find((h) => h.controllers.includes(controller))?.path;
    if (mount === undefined || ownPath === undefined) {
      throw new JailctlError('NOT_SUPPORTED', `${flagFor(controller)} needs the ${controller} cgroup controller, and neither cgroup v2 nor a v1 hierarchy offers it`, {
        hint: `mount cgroup2 with the ${controller} controller enabled (or a v1 ${controller} hierarchy)`,
      });
    }
    const dir = `${mount.path}${ownPath === '/' ? '' : ownPath}/jailctl-${leaf}`;
    if (dirs.includes(dir)) continue; // cpu and cpuacct can share a hierarchy
    dirs.push(dir);
    steps.push({ phase: P, op: 'mkdir', path: dir, mode: 0o755, describe: `create cgroup ${dir}` });
    steps.push(...v1Limits(controller, dir, limits));
    steps.push(attachStep(dir));
    cleanup.unshift(cleanupStep(dir));
    // memory.oom_control has an oom_kill line since Linux 4.13; without it nothing is said
    if (controller === 'memory') cleanup.unshift(oomReportStep(`${dir}/memory.oom_control`, jailName, limits.memory!));
  }
  return { version: 1, dirs, steps: [...steps, ...cleanup] };
}

function v1Limits(controller: Controller, dir: string, limits: CgroupLimits): PlanStep[] {
  switch (controller) {
    case 'memory': return [limitStep(`${dir}/memory.limit_in_bytes`, limits.memory!.toString(), '--memory')];
    case 'pids': return [limitStep(`${dir}/pids.max`, String(limits.pids!), '--pids')];
    case 'cpu': return [limitStep(`${dir}/cpu.shares`, String(weightToShares(limits.cpuWeight!)), '--cpu-weight')];
  }
}

function flagFor(controller: Controller): string {
  return controller === 'cpu' ? '--cpu-weight' : `--${controller}`;
}

function limitStep(path: string, content: string, flag: string): PlanStep {
  return { phase: P, op: 'write-file', path, content, describe: `set ${flag} (${path.slice(path.lastIndexOf('/') + 1)} = ${content})` };
}

function attachStep(dir: string): PlanStep {
  return { phase: P, op: 'attach-cgroup', procsFile: `${dir}/cgroup.procs`, describe: `move the jail into cgroup ${dir}` };
}

/** 33554432 -> "32M", as --memory takes it. */
export function formatMemory(bytes: bigint): string {
  for (const [suffix, unit] of [['T', 1n << 40n], ['G', 1n << 30n], ['M', 1n << 20n], ['K', 1n << 10n]] as const) {
    if (bytes % unit === 0n) return `${bytes / unit}${suffix}`;
  }
  return `${bytes} bytes`;
}

function oomReportStep(file: string, jailName: string, memory: bigint): PlanStep {
  const limit = `memory limit ${formatMemory(memory)}, --memory`;
  return {
    phase: 'cleanup', op: 'report-count', file, key: 'oom_kill', optional: true,
    once: `jailctl: ${jailName}: the kernel's OOM killer killed a process of the jail (${limit})\n`,
    many: { before: `jailctl: ${jailName}: the kernel's OOM killer killed `, after: ` processes of the jail (${limit})\n` },
    describe: `report OOM kills (${file})`,
  };
}

function cleanupStep(dir: string): PlanStep {
  return { phase: 'cleanup', op: 'rmdir', path: dir, describe: `remove cgroup ${dir}` };
}
