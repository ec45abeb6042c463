// JailSpec + host facts -> LaunchPlan. Pure: the host is read only through HostFacts, and the
// seccomp program arrives compiled. The step order is the contract with native/: see the
// comments at each stage for why it is what it is.
import { JailctlError } from '../errors.js';
import { INPUT_LIMITS } from '../io/input-limits.js';
import { capabilityList, EMPTY_CAPS, parseCapabilities, SECBIT, type CapSets } from './caps.js';
import { buildCgroupPlan } from './cgroups.js';
import { elfInterpreterOf, resolveElfDeps, type ElfDeps } from './elf-deps.js';
import type { HostFacts } from './host.js';
import { joinPath, resolveHostPath } from './host-paths.js';
import { resolveIdentity, type Identity } from './ids.js';
import { buildJailTree, type BindRequest } from './jail-tree.js';
import { buildMountSteps } from './mounts.js';
import type { LaunchPlan, NamespaceName, PlanStep, SeccompListener, SeccompNotify } from './plan.js';
import { rlimitNumber } from './rlimits.js';
import type { JailSpec } from './spec.js';

export interface PlanInputs {
  /** pid the launcher will have (Node's own pid: the launcher replaces it by execve) */
  launcherPid: number;
  /** host PATH for finding a bare command name */
  hostPath: string;
  /** host working directory, for a relative command path */
  hostCwd?: string;
  /** the compiled seccomp program, when the spec has one */
  seccomp?: { filter: Uint8Array; profile: string; flags?: number; listener?: SeccompListener; notify?: SeccompNotify };
  /** reads a file an option names (--caps): through HostFacts when unset; a plan for another
   * machine (--root) reads it here, where jailctl runs, as it does --seccomp and --spec */
  readOption?: (path: string) => string | undefined;
  /** the baseline filter for the capabilities the service keeps (run.ts), or none */
  baseline?: (keptCaps: readonly string[]) => { filter: Uint8Array; describe: string } | undefined;
}

/** Root inside a user namespace is this uid/gid outside; 65536 ids are mapped from here. */
export const USERNS_ID_BASE = 100000;
export const USERNS_ID_COUNT = 65536;
export const FORWARDED_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGQUIT'];
const STAGING_CANDIDATES = ['/tmp', '/mnt', '/run', '/var'];

export function buildLaunchPlan(spec: JailSpec, host: HostFacts, inputs: PlanInputs): LaunchPlan {
  const executable = resolveCommand(host, spec.command[0]!, inputs.hostPath, inputs.hostCwd ?? '/');
  const identity = resolveIdentity(spec.user, spec.group, host.readText('/etc/passwd') ?? '', host.readText('/etc/group') ?? '');
  if (spec.userns) checkUsernsIds(identity);
  const caps = readCaps(host, spec.capsFile, inputs.readOption);
  if (spec.seccompFile !== undefined && inputs.seccomp === undefined) {
    throw new JailctlError('NOT_SUPPORTED', `--seccomp ${spec.seccompFile}: no compiled filter was supplied`);
  }
  const namespaces: NamespaceName[] = ['mount', 'pid', 'uts', 'ipc'];
  if (spec.netns) namespaces.push('net');
  if (spec.userns) namespaces.push('user');
  const programDeps = spec.autoLibs ? resolveElfDeps(host, executable) : undefined;
  const tree = buildJailTree(host, bindRequests(spec, host, executable, programDeps));
  const cgroup = buildCgroupPlan(host, limitsOf(spec), spec.name, inputs.launcherPid);
  const steps: PlanStep[] = [
    { phase: 'config', op: 'clone', namespaces, describe: `create namespaces (${namespaces.join(', ')})`, hint: 'jailctl run needs root (CAP_SYS_ADMIN) and a kernel with these namespaces' },
    { phase: 'config', op: 'forward-signals', signals: FORWARDED_SIGNALS, describe: 'forward signals to the service' },
    ...seccompNotifySteps(inputs.seccomp),
    ...(spec.userns ? idMapSteps() : []),
    // cgroup first: the jail's pid 1 is attached before it runs anything, so every process is limited
    ...(cgroup?.steps ?? []),
    ...(spec.userns ? becomeNamespaceRoot() : []),
    ...withProcKept(buildMountSteps(tree, {
      stagingDir: stagingDir(host), tmpfs: spec.tmpfs, proc: spec.proc, sys: spec.sys, dev: spec.dev,
      userns: spec.userns, netns: spec.netns,
    }), inputs.seccomp?.notify !== undefined),
    // keys live in the kernel, not in a namespace: the caller's session keyring stays outside
    { phase: 'jail', op: 'keyring', describe: 'join a new session keyring' },
    { phase: 'jail', op: 'sethostname', hostname: spec.hostname, describe: `set hostname ${spec.hostname}` },
    ...(spec.netns ? [{ phase: 'jail', op: 'loopback-up', interface: 'lo', describe: 'bring up lo in the new network namespace' } as PlanStep] : []),
    // after the cgroup attach, so the new cgroup namespace is rooted at the jail's own cgroup
    ...(spec.cgroupns ? [{ phase: 'jail', op: 'unshare', namespaces: ['cgroup'], describe: 'create a cgroup namespace' } as PlanStep] : []),
    { phase: 'jail', op: 'fork-service', describe: 'fork the service from the jail reaper' },
    ...serviceSteps(withOriginPath(spec, programDeps), host, executable, identity, caps, inputs),
  ];
  return {
    name: spec.name,
    namespaces: spec.cgroupns ? [...namespaces, 'cgroup'] : namespaces,
    summary: {
      command: spec.command,
      mounts: tree.filter((e) => e.kind === 'bind').length,
      user: { uid: identity.uid, gid: identity.gid, groups: identity.groups },
      capabilities: capabilityList(caps.bounding | caps.permitted | caps.ambient),
      seccomp: inputs.seccomp?.profile ?? null,
      cgroup: cgroup?.dirs ?? [],
    },
    steps,
  };
}

/** pid 1 keeps a /proc of the jail (to name refused calls) made before pivot_root: a user
 * namespace may mount proc only while a full /proc is visible, as the host's still is then.
 * Without a pivot (an init-script instance without a mount namespace) it comes after `mounts`. */
export function withProcKept(mounts: PlanStep[], keep: boolean): PlanStep[] {
  if (!keep) return mounts;
  const pivot = mounts.findIndex((s) => s.op === 'pivot-root');
  const step: PlanStep = { phase: 'jail', op: 'open-proc', describe: 'keep a /proc of the jail for naming refused calls', hint: 'needs Linux 5.2 (fsmount)' };
  return pivot < 0 ? [...mounts, step] : [...mounts.slice(0, pivot), step, ...mounts.slice(pivot)];
}

/** The launcher's step that has pid 1 answer the service's seccomp notifications, if any. */
export function seccompNotifySteps(seccomp: PlanInputs['seccomp']): PlanStep[] {
  if (seccomp?.notify === undefined) return [];
  return [{ phase: 'config', op: 'seccomp-notify', ...seccomp.notify, describe: 'answer the service\'s seccomp notifications (name refused calls, its first execve)', hint: 'seccomp notification needs Linux 5.6 (pidfd_getfd); run without --seccomp, or with a profile that allows execve and kills nothing' } as PlanStep];
}

/** Finds the executable like execvp(3) would, on the host. */
export function resolveCommand(host: HostFacts, command: string, hostPath: string, hostCwd = '/'): string {
  const candidates = command.startsWith('/') ? [command] : command.includes('/') ? [joinPath(hostCwd, command)] : hostPath.split(':').filter((d) => d.startsWith('/')).map((d) => `${d}/${command}`);
  // like execvp: a candidate execve would refuse with EACCES (a directory, no x bit) is
  // remembered and the search goes on; if nothing runs, that is exit 126, not 127
  let notExecutable: { path: string; isDir: boolean } | undefined;
  for (const candidate of candidates) {
    const resolved = resolveHostPath(host, candidate);
    if (resolved === undefined) continue;
    if (resolved.info.kind === 'file' && (resolved.info.mode & 0o111) !== 0) return candidate;
    notExecutable ??= { path: candidate, isDir: resolved.info.kind === 'dir' };
  }
  if (notExecutable !== undefined) {
    const { path, isDir } = notExecutable;
    throw new JailctlError('COMMAND_NOT_EXECUTABLE', `${path}: ${isDir ? 'is a directory' : 'not an executable file'}`, {
      path,
      hint: isDir ? 'give the program inside it' : 'chmod +x it, or run it through its interpreter',
    });
  }
  const where = command.includes('/') ? command : `${command} (searched ${hostPath})`;
  throw new JailctlError('COMMAND_NOT_FOUND', `command not found: ${where}`, { path: command, hint: 'give the full path of an executable file' });
}

/** glibc expands the program's $ORIGIN from /proc/self/exe; a jail without /proc gives it the
 * directory through LD_ORIGIN_PATH instead (glibc's documented fallback), unless set already. */
function withOriginPath(spec: JailSpec, deps: ElfDeps | undefined): JailSpec {
  if (spec.proc || deps?.programOrigin === undefined || Object.hasOwn(spec.env, 'LD_ORIGIN_PATH')) return spec;
  return { ...spec, env: { ...spec.env, LD_ORIGIN_PATH: deps.programOrigin } };
}

function bindRequests(spec: JailSpec, host: HostFacts, executable: string, programDeps: ElfDeps | undefined): BindRequest[] {
  const programs = spec.binds.filter((b) => isExecutableFile(host, b.source)).map((b) => b.source);
  const requests = programBindRequests(host, executable, spec.autoLibs ? programs : [], spec.autoLibs, programDeps);
  if (spec.user !== undefined) {
    for (const file of ['/etc/passwd', '/etc/group']) {
      if (host.lstat(file) !== undefined) requests.push({ source: file, writable: false, reason: 'user database for --user', origin: '--user' });
    }
  }
  for (const bind of spec.binds) {
    const request: BindRequest = { source: bind.source, writable: bind.writable, reason: `${bind.origin} ${bind.source}`, origin: bind.origin };
    if (bind.dest !== undefined) request.dest = bind.dest;
    requests.push(request);
  }
  return requests;
}

/** The command read-only and, with `autoLibs`, the ELF dependencies of it and of `programs`
 * (like ujail: every executable file bound brings its libraries; each program itself is bound
 * by its own request). */
export function programBindRequests(host: HostFacts, executable: string, programs: readonly string[], autoLibs: boolean, programDeps?: ElfDeps): BindRequest[] {
  const requests: BindRequest[] = [{ source: executable, writable: false, reason: 'the command', origin: 'command' }];
  if (!autoLibs) return requests;
  const deps = [executable, ...programs].flatMap((program) => (program === executable && programDeps !== undefined ? programDeps : resolveElfDeps(host, program)).files).filter((dep) => dep.kind !== 'program');
  for (const dep of deps) requests.push({ source: dep.path, writable: false, reason: dep.reason, origin: 'ELF dependency' });
  // glibc's loader finds multiarch directories only through its cache
  if (deps.length > 0 && host.lstat('/etc/ld.so.cache') !== undefined) {
    requests.push({ source: '/etc/ld.so.cache', writable: false, reason: 'glibc loader cache', origin: 'ELF dependency' });
  }
  return requests;
}

export function isExecutableFile(host: HostFacts, path: string): boolean {
  const resolved = resolveHostPath(host, path);
  return resolved !== undefined && resolved.info.kind === 'file' && (resolved.info.mode & 0o111) !== 0;
}

function readCaps(host: HostFacts, file: string | undefined, readOption: PlanInputs['readOption']): CapSets {
  if (file === undefined) return EMPTY_CAPS;
  const text = readOption === undefined ? host.readText(file, { what: '--caps', limit: INPUT_LIMITS.caps }) : readOption(file);
  if (text === undefined) throw new JailctlError('CAPS_INVALID', `--caps ${file}: cannot read the file (ENOENT)`, { path: file });
  return parseCapabilities(text, file);
}

export function checkUsernsIds(identity: Identity): void {
  const outside = [identity.uid, identity.gid, ...identity.groups].find((id) => id >= USERNS_ID_COUNT);
  if (outside !== undefined) {
    throw new JailctlError('JAIL_INVALID', `--userns maps ids 0-${USERNS_ID_COUNT - 1} only, but the service would run with id ${outside}`, { hint: 'choose a user and group below 65536' });
  }
}

export function idMapSteps(): PlanStep[] {
  const map = `0 ${USERNS_ID_BASE} ${USERNS_ID_COUNT}\n`;
  return [
    { phase: 'parent', op: 'write-child-file', file: 'uid_map', content: map, describe: `map uids 0-${USERNS_ID_COUNT - 1} to ${USERNS_ID_BASE}+ outside` },
    { phase: 'parent', op: 'write-child-file', file: 'gid_map', content: map, describe: `map gids 0-${USERNS_ID_COUNT - 1} to ${USERNS_ID_BASE}+ outside` },
  ];
}

/** The clone()d child keeps its outside ids, which the new map leaves unmapped; it becomes root
 * of its user namespace (uid 100000 outside) before touching any file. */
export function becomeNamespaceRoot(): PlanStep[] {
  return [
    { phase: 'jail', op: 'setgroups', gids: [], describe: 'drop supplementary groups in the user namespace' },
    { phase: 'jail', op: 'setresgid', gid: 0, describe: 'become gid 0 of the user namespace' },
    { phase: 'jail', op: 'setresuid', uid: 0, describe: 'become uid 0 of the user namespace' },
  ];
}

function limitsOf(spec: JailSpec): { memory?: bigint; pids?: number; cpuWeight?: number } {
  const limits: { memory?: bigint; pids?: number; cpuWeight?: number } = {};
  if (spec.memory !== undefined) limits.memory = spec.memory;
  if (spec.pids !== undefined) limits.pids = spec.pids;
  if (spec.cpuWeight !== undefined) limits.cpuWeight = spec.cpuWeight;
  return limits;
}

export function stagingDir(host: HostFacts): string {
  const dir = STAGING_CANDIDATES.find((d) => host.lstat(d)?.kind === 'dir');
  if (dir === undefined) throw new JailctlError('NOT_SUPPORTED', `no directory to stage the jail root on (tried ${STAGING_CANDIDATES.join(', ')})`);
  return dir;
}

/** In the service process: limits, ids, capabilities, no_new_privs, session, fds, seccomp, exec. */
function serviceSteps(spec: JailSpec, host: HostFacts, executable: string, id: Identity, caps: CapSets, inputs: PlanInputs): PlanStep[] {
  const S = 'service' as const;
  const ids: PlanStep[] = [
    { phase: S, op: 'setgroups', gids: id.groups, describe: `set supplementary groups ${id.groups.join(',')}` },
    { phase: S, op: 'setresgid', gid: id.gid, describe: `switch to gid ${id.gid}` },
  ];
  // dropping the bounding set needs CAP_SETPCAP, which a non-root uid keeps only with KEEPCAPS
  if (id.uid !== 0) ids.push({ phase: S, op: 'keepcaps', on: true, describe: 'keep capabilities across the uid switch' });
  ids.push({ phase: S, op: 'setresuid', uid: id.uid, describe: `switch to uid ${id.uid}${id.user ? ` (${id.user})` : ''}` });
  return buildServiceSteps({
    rlimits: spec.rlimits, arch: host.arch, identity: ids, caps, noNewPrivs: true, cwd: spec.cwd,
    env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`), executable, argv: spec.command, seccomp: inputs.seccomp,
    baseline: inputs.baseline?.(capabilityList(caps.bounding | caps.permitted | caps.ambient)),
    execNote: spec.autoLibs ? undefined : noAutoLibsNote(host, executable),
  });
}

export interface ServiceStepOptions {
  rlimits: readonly { name: string; value: { soft: bigint; hard: bigint } }[];
  arch: string;
  /** the id switch (setgroups, setresgid, keepcaps, setresuid), possibly none */
  identity: PlanStep[];
  /** undefined: capabilities stay as they are */
  caps: CapSets | undefined;
  noNewPrivs: boolean;
  /** without a pid namespace: the service dies with the jail's pid 1 */
  parentDeathSignal?: boolean;
  cwd: string;
  env: string[];
  executable: string;
  argv: string[];
  seccomp: PlanInputs['seccomp'];
  /** the baseline filter (`jailctl run` only), loaded before the profile */
  baseline?: { filter: Uint8Array; describe: string } | undefined;
  /** what execve's failure should also name (an ELF interpreter left to the user's binds) */
  execNote?: string | undefined;
}

/** The steps of the service process, in the order the kernel needs them. */
export function buildServiceSteps(o: ServiceStepOptions): PlanStep[] {
  const S = 'service' as const;
  const steps: PlanStep[] = o.rlimits.map(({ name, value }) => ({
    phase: S, op: 'rlimit', resource: name, number: rlimitNumber(name, o.arch, `--rlimit ${name}`), soft: value.soft, hard: value.hard, describe: `set rlimit ${name}`,
  }));
  steps.push(...o.identity);
  if (o.caps !== undefined) {
    const caps = o.caps;
    const nothingKept = caps.bounding === 0n && caps.ambient === 0n;
    steps.push({ ...caps, phase: S, op: 'caps', securebits: nothingKept ? SECBIT.NOROOT | SECBIT.NOROOT_LOCKED : null, describe: nothingKept ? 'drop every capability' : `keep capabilities ${capabilityList(caps.bounding | caps.permitted).join(',')}` });
  }
  if (o.noNewPrivs) steps.push({ phase: S, op: 'no-new-privs', describe: 'set no_new_privs' });
  // after the id switch, which clears the parent-death signal
  if (o.parentDeathSignal) steps.push({ phase: S, op: 'parent-death-signal', signal: 'SIGKILL', describe: "die with the jail's pid 1 (no pid namespace takes the service along)" });
  steps.push(
    { phase: S, op: 'setsid', describe: 'start a new session (no controlling terminal)' },
    { phase: S, op: 'chdir', path: o.cwd, describe: `change directory to ${o.cwd}`, hint: 'the working directory must exist inside the jail (bind it or pass --cwd)' },
    { phase: S, op: 'close-fds', describe: 'close every descriptor but 0, 1 and 2 at exec' },
  );
  // the baseline first, the profile last: a listener's handshake must be the last call before execve
  if (o.baseline !== undefined) steps.push({ phase: S, op: 'seccomp', filter: o.baseline.filter, flags: 0, profile: '(baseline)', describe: o.baseline.describe, hint: 'jailctl run --no-baseline-filter starts the service without it' });
  if (o.seccomp !== undefined) {
    const { filter, flags, profile, listener } = o.seccomp;
    const step: PlanStep = { phase: S, op: 'seccomp', filter, flags: flags ?? 0, profile, describe: `load seccomp filter ${profile}`, hint: 'check the profile with `jailctl profile check`' };
    steps.push(listener === undefined ? step : {
      ...step, listener, describe: `load seccomp filter ${profile} (refused calls and the first execve answered by the jail's pid 1)`,
      hint: 'check the profile with `jailctl profile check`; the jail\'s pid 1 answers through seccomp user notification (Linux 5.6)',
    });
  }
  steps.push({ phase: S, op: 'execve', path: o.executable, argv: o.argv, env: o.env, exitIfMissing: 127, exitIfDenied: 126, describe: `execute ${o.executable}${o.execNote === undefined ? '' : ` (${o.execNote})`}` });
  return steps;
}

/** With --no-auto-libs the program's ELF interpreter is the user's to bind: a missing one makes
 * execve fail with ENOENT for a file that exists, so the message names it. */
function noAutoLibsNote(host: HostFacts, executable: string): string | undefined {
  const interpreter = elfInterpreterOf(host, executable);
  return interpreter === undefined ? undefined : `its ELF interpreter ${interpreter} must be in the jail: --no-auto-libs binds nothing for it`;
}
