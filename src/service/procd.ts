// procd instance JSON (what rc.common + procd.sh recorded) -> one RawJailSpec and respawn
// policy per instance. Pure: the host is read only through HostFacts (which optional sockets
// exist, whether named files exist). Every instance is jailed: without procd_add_jail it gets
// jailctl's default jail; only `procd_set_param jailctl_unjailed 1` asks for none.
import { JailctlError } from '../errors.js';
import { formatSize, INPUT_LIMITS } from '../io/input-limits.js';
import { describeJsonSyntaxError } from '../schema/json-syntax.js';
import type { FileKind, HostFacts } from '../jail/host.js';
import { resolveHostPath } from '../jail/host-paths.js';
import type { SupervisePolicy } from '../jail/plan.js';
import { parseRlimitValue, rlimitNumber } from '../jail/rlimits.js';
import type { RawJailSpec } from '../jail/spec.js';

/** procd's `jail` object (procd_add_jail + procd_add_jail_mount[_rw]). */
export interface ProcdJail {
  name?: string;
  log?: boolean; ubus?: boolean; udebug?: boolean; procfs?: boolean; sysfs?: boolean; ronly?: boolean;
  requirejail?: boolean; netns?: boolean; userns?: boolean; cgroupsns?: boolean;
  /** path -> "0" (read-only) or "1" (read-write) */
  mount?: Record<string, string>;
}

/** One instance as procd.sh sends it over ubus (PRIOR-ART.md §3.5). */
export interface ProcdInstance {
  command?: string[]; env?: Record<string, string>; data?: Record<string, string>; limits?: Record<string, string>;
  file?: string[]; netdev?: string[]; respawn?: string[]; watch?: string[]; watchdog?: string[]; error?: string[];
  nice?: number; term_timeout?: number; reload_signal?: number;
  pidfile?: string; user?: string; group?: string; seccomp?: string; capabilities?: string; facility?: string;
  extroot?: string; overlaydir?: string; tmpoverlaysize?: string; vrf?: string;
  stdout?: boolean; stderr?: boolean; no_new_privs?: boolean;
  /** jailctl's own key: run this instance without a jail (see unjailed.ts) */
  jailctl_unjailed?: boolean;
  jail?: ProcdJail;
}

export interface ProcdService {
  name: string;
  script: string;
  instances: Record<string, ProcdInstance>;
}

/** What the launcher's supervise step needs besides the paths the edge chooses. */
export type RespawnPolicy = Pick<SupervisePolicy, 'respawn' | 'thresholdMs' | 'timeoutMs' | 'retry' | 'termTimeoutMs' | 'syslogIdent'>;

export interface ServiceInstance {
  /** procd's instance name ("instance1" when the script gives none) */
  instance: string;
  raw: RawJailSpec;
  policy: RespawnPolicy;
  /** jail features for `service status`: proc, sys, dev, netns, log ... */
  features: string[];
  pidfile?: string;
  /** the script asked for no jail (`procd_set_param jailctl_unjailed 1`) */
  unjailed: boolean;
  /** settings accepted but not applied as procd would (printed as warnings on start) */
  notes: string[];
}

/** procd's defaults: respawn threshold 3600 s, timeout 5 s, retry 5; term_timeout 5 s. */
export const PROCD_DEFAULTS = { thresholdS: 3600, timeoutS: 5, retry: 5, termTimeoutS: 5 } as const;
export const UBUS_SOCKETS = ['/var/run/ubus/ubus.sock', '/var/run/ubus.sock'];
export const UDEBUG_SOCKET = '/var/run/udebug.sock';
const UNSUPPORTED = ['extroot', 'overlaydir', 'tmpoverlaysize', 'vrf'] as const;
const NAME_CHARS = /[^A-Za-z0-9_.-]/g;

/** Reads the shim's output; anything but the expected shape is a bug in the shim. */
export function parseProcdService(text: string, script: string): ProcdService {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new JailctlError('SPEC_INVALID', `init script ${script}: the procd shim wrote malformed JSON (${describeJsonSyntaxError(text)})`, { cause: err });
  }
  const service = value as Partial<ProcdService> | null;
  if (typeof service !== 'object' || service === null || typeof service.name !== 'string' || typeof service.instances !== 'object' || service.instances === null) {
    throw new JailctlError('SPEC_INVALID', `init script ${script}: the procd shim wrote no service object`);
  }
  return { name: service.name, script, instances: service.instances };
}

export interface MapOptions {
  /** `service trace` writes the seccomp profile, so it need not exist yet */
  seccompMayBeMissing?: boolean;
}

/** Maps every instance of the service; errors name the script and the instance. */
export function buildServiceInstances(service: ProcdService, host: HostFacts, options: MapOptions = {}): ServiceInstance[] {
  const names = Object.keys(service.instances);
  if (names.length === 0) {
    throw new JailctlError('SPEC_INVALID', `init script ${service.script}: start_service opened no instance`, {
      hint: 'start_service must call procd_open_instance, procd_set_param command ..., procd_close_instance',
    });
  }
  return names.map((name) => buildInstance(service, name, service.instances[name]!, host, options));
}

function buildInstance(service: ProcdService, instance: string, params: ProcdInstance, host: HostFacts, options: MapOptions): ServiceInstance {
  const where = `init script ${service.script}: instance "${instance}"`;
  if (params.error !== undefined && params.error.length > 0) {
    throw new JailctlError('SPEC_INVALID', `${where} reports an error: ${params.error.join(' ')}`, { hint: 'procd does not start an instance with an error either; fix what the script complains about' });
  }
  for (const key of UNSUPPORTED) {
    if (params[key] !== undefined) throw new JailctlError('NOT_SUPPORTED', `${where}: procd_set_param ${key} is not supported by jailctl`, { hint: 'remove it from the script' });
  }
  const command = params.command ?? [];
  if (command.length === 0 || command[0] === '') {
    throw new JailctlError('SPEC_INVALID', `${where}: no command (procd_set_param command is missing)`, { hint: 'add procd_set_param command /path/to/daemon ARGS...' });
  }
  const notes: string[] = [];
  const unjailed = params.jailctl_unjailed === true;
  if (unjailed && params.jail !== undefined) {
    throw new JailctlError('SPEC_INVALID', `${where}: procd_set_param jailctl_unjailed 1 and a jail (procd_add_jail or procd_add_jail_mount) contradict each other`, { hint: 'keep one of them' });
  }
  const raw: RawJailSpec = unjailed ? { name: jailName(service.name), command, autoLibs: false } : { name: jailName(params.jail?.name ?? service.name), command, dev: true };
  if (params.env !== undefined) raw.env = { ...params.env };
  if (params.user !== undefined) raw.user = params.user;
  if (params.group !== undefined) raw.group = params.group;
  if (params.seccomp !== undefined) {
    raw.seccomp = options.seccompMayBeMissing ? absolute(where, 'seccomp', params.seccomp) : requireFile(host, where, 'seccomp', params.seccomp, `write one with \`jailctl service ${service.name} trace\`, or remove the line`);
  }
  if (params.capabilities !== undefined) raw.caps = requireFile(host, where, 'capabilities', params.capabilities, 'create the capabilities JSON, or remove the line (every capability is then dropped)');
  if (params.limits !== undefined) raw.rlimits = buildRlimits(where, params.limits, host.arch);
  const features = unjailed ? ['unjailed'] : applyJail(where, raw, params.jail, host, notes);
  noteIgnored(params, notes);
  const result: ServiceInstance = { instance, raw, policy: buildRespawnPolicy(where, params, command), features, unjailed, notes };
  if (params.pidfile !== undefined) result.pidfile = params.pidfile;
  return result;
}

function jailName(name: string): string {
  const clean = name.replace(NAME_CHARS, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 63);
  return clean === '' ? 'service' : clean;
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

/** procd limits: name="SOFT [HARD]" (or "unlimited") -> --rlimit NAME=SOFT:HARD. */
function buildRlimits(where: string, limits: Record<string, string>, arch: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(limits)) {
    const what = `${where}: procd_set_param limits ${name}`;
    const parts = value.trim().split(/\s+/);
    const text = parts.length === 2 ? `${parts[0]}:${parts[1]}` : parts.join(' ');
    try {
      rlimitNumber(name, arch, what);
      parseRlimitValue(text, what);
    } catch (err) {
      if (err instanceof JailctlError) throw new JailctlError('SPEC_INVALID', err.message, { hint: 'write limits as name="SOFT HARD", e.g. nofile="1024 4096" or core="unlimited"', cause: err });
      throw err;
    }
    out[name] = text;
  }
  return out;
}

/** procd's jail flags -> jailctl's spec; returns the features to show in status. */
function applyJail(where: string, raw: RawJailSpec, jail: ProcdJail | undefined, host: HostFacts, notes: string[]): string[] {
  const features = ['dev', 'ro-root'];
  if (jail?.procfs) { raw.proc = true; features.push('proc'); }
  if (jail?.sysfs) { raw.sys = true; features.push('sys'); }
  if (jail?.netns) { raw.netns = true; features.push('netns'); }
  if (jail?.userns) { raw.userns = true; features.push('userns'); }
  if (jail?.cgroupsns) { raw.cgroupns = true; features.push('cgroupns'); }
  const ro: string[] = [];
  const rw: string[] = [];
  const socket = (flag: string, candidates: readonly string[]): void => {
    const found = candidates.find((p) => host.lstat(p) !== undefined);
    if (found === undefined) notes.push(`procd_add_jail ${flag}: ${candidates.join(' or ')} does not exist on this host; not bound`);
    else { ro.push(found); features.push(flag); }
  };
  if (jail?.log) socket('log', ['/dev/log']);
  if (jail?.ubus) socket('ubus', UBUS_SOCKETS);
  if (jail?.udebug) socket('udebug', [UDEBUG_SOCKET]);
  for (const [path, mode] of Object.entries(jail?.mount ?? {})) {
    if (!path.startsWith('/')) throw new JailctlError('SPEC_INVALID', `${where}: procd_add_jail_mount ${path}: must be an absolute path`, { path });
    if (host.lstat(path) === undefined) { notes.push(`procd_add_jail_mount ${path}: no such file or directory; not bound`); continue; }
    (mode === '1' ? rw : ro).push(path);
  }
  if (ro.length > 0) raw.ro = ro;
  if (rw.length > 0) raw.rw = rw;
  return features;
}

function noteIgnored(params: ProcdInstance, notes: string[]): void {
  if (params.no_new_privs === false) notes.push('no_new_privs 0: jailctl always sets no_new_privs');
  if (params.facility !== undefined && params.facility !== 'daemon') notes.push(`facility ${params.facility}: jailctl logs to the daemon facility`);
  if (params.nice !== undefined) notes.push(`nice ${params.nice}: not applied`);
  if (params.watchdog !== undefined) notes.push('watchdog: procd watchdogs are not supported; not applied');
}

function seconds(where: string, what: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text)) throw new JailctlError('SPEC_INVALID', `${where}: procd_set_param ${what} "${text}" is not a whole number of seconds`);
  return Number(text);
}

/** procd_set_param respawn [THRESHOLD [TIMEOUT [RETRY]]] and term_timeout, in seconds. */
export function buildRespawnPolicy(where: string, params: ProcdInstance, command: readonly string[]): RespawnPolicy {
  const [threshold, timeout, retry] = params.respawn ?? [];
  const term = params.term_timeout ?? PROCD_DEFAULTS.termTimeoutS;
  if (!Number.isInteger(term) || term < 0) throw new JailctlError('SPEC_INVALID', `${where}: procd_set_param term_timeout ${term}: expected whole seconds`);
  const logged = params.stdout === true || params.stderr === true;
  return {
    respawn: params.respawn !== undefined,
    thresholdMs: seconds(where, 'respawn threshold', threshold, PROCD_DEFAULTS.thresholdS) * 1000,
    timeoutMs: seconds(where, 'respawn timeout', timeout, PROCD_DEFAULTS.timeoutS) * 1000,
    retry: seconds(where, 'respawn retry', retry, PROCD_DEFAULTS.retry),
    termTimeoutMs: term * 1000,
    syslogIdent: logged ? command[0]!.slice(command[0]!.lastIndexOf('/') + 1) : '',
  };
}
