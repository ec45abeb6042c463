// One procd instance -> what procd + ujail would run (InstanceSpec): no jail unless the script
// asks (procd_add_jail), and then only the namespaces ujail creates for its flags and mounts,
// its default binds, capabilities untouched without a capabilities file, no_new_privs only
// when asked or with seccomp. Pure; the host is read through HostFacts. A later overlay
// (`service NAME harden`) changes an InstanceSpec, never the script's JSON.
import { JailctlError } from '../errors.js';
import { formatSize, INPUT_LIMITS } from '../io/input-limits.js';
import type { FileKind, HostFacts } from '../jail/host.js';
import { resolveHostPath } from '../jail/host-paths.js';
import { parseGroup, parsePasswd } from '../jail/ids.js';
import type { NamespaceName } from '../jail/plan.js';
import { buildRlimits, type ProcdInstance, type ProcdJail, UBUS_SOCKETS, UDEBUG_SOCKET } from './procd.js';

/** procd's own PATH (procd's init sets EARLY_PATH); an unjailed service inherits it. */
export const PROCD_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

export interface InstanceBind {
  path: string;
  writable: boolean;
  /** why it is there, for --dry-run and status */
  reason: string;
}

export interface InstanceSpec {
  /** the jail's name (procd_add_jail NAME, else the service's) */
  name: string;
  command: string[];
  /** exactly the environment the process gets */
  env: Record<string, string>;
  /** only names the host knows: procd ignores unknown ones */
  user?: string;
  group?: string;
  /** name -> "SOFT:HARD" */
  rlimits: Record<string, string>;
  /** the namespaces ujail would create; empty: the host's */
  namespaces: NamespaceName[];
  /** the jail's file system: only with a mount namespace */
  fs?: { readOnly: boolean; proc: boolean; sys: boolean; binds: InstanceBind[]; tmpfs?: string[] };
  /** a procd capabilities file; undefined: capabilities are left as they are */
  capabilities?: string;
  /** a hardening overlay's capabilities: every set holds exactly these (instead of a file) */
  capabilityNames?: string[];
  /** the hardening overlay laid over the script's spec (`service NAME harden`) */
  overlay?: string;
  noNewPrivs: boolean;
  seccomp?: string;
  /** for `service status`: jail, proc, ro-root, log ... or unjailed */
  features: string[];
}

export interface SpecOptions {
  /** `service trace` writes the seccomp profile, so it need not exist yet */
  seccompMayBeMissing?: boolean;
}

/** Builds the spec; notes collect what procd would silently do (an unknown user, a missing mount). */
export function buildInstanceSpec(service: string, where: string, params: ProcdInstance, host: HostFacts, notes: string[], options: SpecOptions = {}): InstanceSpec {
  const command = params.command ?? [];
  if (command.length === 0 || command[0] === '') {
    throw new JailctlError('SPEC_INVALID', `${where}: no command (procd_set_param command is missing)`, { hint: 'add procd_set_param command /path/to/daemon ARGS...' });
  }
  if (params.jailctl_unjailed === true && params.jail !== undefined) {
    throw new JailctlError('SPEC_INVALID', `${where}: procd_set_param jailctl_unjailed 1 and procd_add_jail contradict each other`, { hint: 'keep one of them (without procd_add_jail there is no jail anyway)' });
  }
  const jail = params.jailctl_unjailed === true ? undefined : params.jail;
  const spec: InstanceSpec = {
    name: jailName(jail?.name ?? service),
    command,
    env: jail === undefined ? { PATH: PROCD_PATH, ...params.env } : { container: 'ujail', ...params.env },
    rlimits: params.limits === undefined ? {} : buildRlimits(where, params.limits, host.arch),
    namespaces: jail === undefined ? [] : ujailNamespaces(jail),
    noNewPrivs: params.no_new_privs === true || params.seccomp !== undefined,
    features: [],
  };
  applyIdentity(spec, params, host, notes);
  if (params.seccomp !== undefined) {
    spec.seccomp = options.seccompMayBeMissing ? absolute(where, 'seccomp', params.seccomp) : requireFile(host, where, 'seccomp', params.seccomp, `write one with \`jailctl service ${service} trace\`, or remove the line`);
  }
  if (params.capabilities !== undefined) {
    // procd passes the file to ujail only: without procd_add_jail nothing applies it
    if (jail === undefined) notes.push(`procd_set_param capabilities ${params.capabilities}: procd applies it only with procd_add_jail; ignored`);
    else spec.capabilities = requireFile(host, where, 'capabilities', params.capabilities, 'create the capabilities JSON, or remove the line');
  }
  if (jail !== undefined && spec.namespaces.includes('mount')) spec.fs = jailFs(where, jail, spec, host, notes);
  spec.features = features(jail, spec);
  return spec;
}

const NAME_CHARS = /[^A-Za-z0-9_.-]/g;

function jailName(name: string): string {
  const clean = name.replace(NAME_CHARS, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 63);
  return clean === '' ? 'service' : clean;
}

/** ujail: a mount namespace for any flag or mount that needs a file system of its own; any
 * namespace at all brings pid and ipc ones along (jail/jail.c, main()). */
export function ujailNamespaces(jail: ProcdJail): NamespaceName[] {
  const mounts = Object.keys(jail.mount ?? {}).length > 0;
  const fs = jail.procfs || jail.sysfs || jail.ronly || jail.log || jail.ubus || jail.udebug || mounts;
  const asked: NamespaceName[] = [];
  if (jail.netns) asked.push('net');
  if (jail.userns) asked.push('user');
  if (jail.cgroupsns) asked.push('cgroup');
  if (!fs && asked.length === 0) return [];
  return [...(fs ? ['mount' as const] : []), 'pid', 'ipc', ...asked];
}

/** procd looks user and group up with getpwnam/getgrnam and ignores a name it cannot find. */
function applyIdentity(spec: InstanceSpec, params: ProcdInstance, host: HostFacts, notes: string[]): void {
  if (params.user !== undefined) {
    if (parsePasswd(host.readText('/etc/passwd') ?? '').some((p) => p.name === params.user)) spec.user = params.user;
    else notes.push(`procd_set_param user ${params.user}: no such user in /etc/passwd; it runs as root, as under procd`);
  }
  if (params.group !== undefined) {
    if (parseGroup(host.readText('/etc/group') ?? '').some((g) => g.name === params.group)) spec.group = params.group;
    else notes.push(`procd_set_param group ${params.group}: no such group in /etc/group; ignored, as under procd`);
  }
}

/** ujail's file system: the tmpfs root (read-only only with ronly), its default binds, the
 * sockets of the log/ubus/udebug flags and procd_add_jail_mount[_rw]. The command and its
 * libraries are added by the planner. */
function jailFs(where: string, jail: ProcdJail, spec: InstanceSpec, host: HostFacts, notes: string[]): NonNullable<InstanceSpec['fs']> {
  const binds: InstanceBind[] = [];
  const exists = (p: string): boolean => host.lstat(p) !== undefined;
  if (spec.user !== undefined || spec.group !== undefined) {
    for (const file of ['/etc/passwd', '/etc/group']) if (exists(file)) binds.push({ path: file, writable: false, reason: 'user database (ujail with a user or group)' });
  }
  if (exists('/etc/nsswitch.conf') && isGlibcHost(host)) binds.push({ path: '/etc/nsswitch.conf', writable: false, reason: 'name service switch (ujail on glibc)' });
  if (!jail.netns && exists('/etc/resolv.conf')) binds.push({ path: '/etc/resolv.conf', writable: false, reason: "the host's resolver (ujail without netns)" });
  const socket = (flag: string, candidates: readonly string[]): void => {
    const found = candidates.find(exists);
    if (found === undefined) notes.push(`procd_add_jail ${flag}: ${candidates.join(' or ')} does not exist on this host; not bound`);
    else binds.push({ path: found, writable: false, reason: `procd_add_jail ${flag}` });
  };
  if (jail.log) socket('log', ['/dev/log']);
  if (jail.ubus) socket('ubus', UBUS_SOCKETS);
  if (jail.udebug) socket('udebug', [UDEBUG_SOCKET]);
  for (const [path, mode] of Object.entries(jail.mount ?? {})) {
    if (!path.startsWith('/')) throw new JailctlError('SPEC_INVALID', `${where}: procd_add_jail_mount ${path}: must be an absolute path`, { path });
    if (!exists(path)) { notes.push(`procd_add_jail_mount ${path}: no such file or directory; not bound`); continue; }
    const writable = mode === '1';
    binds.push({ path, writable, reason: writable ? 'procd_add_jail_mount_rw' : 'procd_add_jail_mount' });
  }
  return { readOnly: jail.ronly === true, proc: jail.procfs === true, sys: jail.sysfs === true, binds };
}

/** ujail binds nsswitch.conf when built against glibc: on this host, when glibc's loader is here. */
function isGlibcHost(host: HostFacts): boolean {
  return host.lstat('/etc/ld.so.cache') !== undefined;
}

function features(jail: ProcdJail | undefined, spec: InstanceSpec): string[] {
  if (jail === undefined) return ['unjailed'];
  const out = ['jail'];
  if (spec.fs !== undefined) out.push(spec.fs.readOnly ? 'ro-root' : 'rw-root', 'dev');
  if (spec.fs?.proc) out.push('proc');
  if (spec.fs?.sys) out.push('sys');
  for (const flag of ['log', 'ubus', 'udebug'] as const) if (jail[flag] && spec.fs?.binds.some((b) => b.reason === `procd_add_jail ${flag}`)) out.push(flag);
  return out;
}

function absolute(where: string, key: string, path: string): string {
  if (!path.startsWith('/')) throw new JailctlError('SPEC_INVALID', `${where}: procd_set_param ${key} ${path}: must be an absolute path`, { path });
  return path;
}

function requireFile(host: HostFacts, where: string, key: 'seccomp' | 'capabilities', path: string, hint: string): string {
  absolute(where, key, path);
  const info = resolveHostPath(host, path)?.info;
  if (info === undefined) throw new JailctlError('PATH_MISSING', `${where}: procd_set_param ${key} ${path}: no such file`, { path, hint });
  // a FIFO would stall the start, a device would be read without end
  if (info.kind !== 'file') throw new JailctlError('SPEC_INVALID', `${where}: procd_set_param ${key} ${path}: not a regular file (${KIND_NAMES[info.kind]})`, { path, hint: 'name a JSON file' });
  const limit = key === 'seccomp' ? INPUT_LIMITS.profile : INPUT_LIMITS.caps;
  if (info.size > limit.maxBytes) {
    throw new JailctlError('SPEC_INVALID', `${where}: procd_set_param ${key} ${path}: too large (${info.size} bytes; ${limit.noun} may be at most ${formatSize(limit.maxBytes)})`, { path, hint: 'check that this is the file you meant' });
  }
  return path;
}

const KIND_NAMES: Record<FileKind, string> = {
  file: 'a file', dir: 'a directory', symlink: 'a symbolic link', char: 'a character device', block: 'a block device', fifo: 'a FIFO', socket: 'a socket',
};
