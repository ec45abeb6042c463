// procd's instance JSON (what rc.common + procd.sh recorded) -> per instance what procd would
// run (an InstanceSpec, see instance-spec.ts) and its respawn policy, or why the instance
// cannot start. As under procd, a bad instance fails alone: the others still start. Pure: the
// host is read only through HostFacts.
import { constants } from 'node:os';
import { JailctlError } from '../errors.js';
import { describeJsonSyntaxError } from '../schema/json-syntax.js';
import type { HostFacts } from '../jail/host.js';
import type { SupervisePolicy } from '../jail/plan.js';
import { parseRlimitValue, rlimitNumber } from '../jail/rlimits.js';
import { buildInstanceSpec, type InstanceSpec, type SpecOptions } from './instance-spec.js';

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
  nice?: number; term_timeout?: number;
  /** a number, or a name (HUP) the shell could not turn into one */
  reload_signal?: number | string;
  pidfile?: string; user?: string; group?: string; seccomp?: string; capabilities?: string; facility?: string;
  extroot?: string; overlaydir?: string; tmpoverlaysize?: string; vrf?: string;
  stdout?: boolean; stderr?: boolean; no_new_privs?: boolean; trace?: boolean;
  /** jailctl's own key, from before procd's semantics: no jail (the default without procd_add_jail) */
  jailctl_unjailed?: boolean;
  jail?: ProcdJail;
}

/** A config.change trigger: procd_add_reload_trigger PACKAGE, or procd_add_config_trigger. */
export interface ConfigTrigger {
  type: 'config.change';
  package: string;
  /** what procd would run: ["/etc/init.d/NAME", "reload"] */
  run: string[];
}

export interface ProcdService {
  name: string;
  script: string;
  instances: Record<string, ProcdInstance>;
  triggers: ConfigTrigger[];
}

/** What the launcher's supervise step needs besides the paths the edge chooses. */
export type RespawnPolicy = Pick<SupervisePolicy, 'respawn' | 'thresholdMs' | 'timeoutMs' | 'retry' | 'termTimeoutMs' | 'syslogIdent'>;

export interface ServiceInstance {
  /** procd's instance name ("instance1" when the script gives none) */
  instance: string;
  /** the instance as the script asked for it (compared on the next start or reload) */
  config: ProcdInstance;
  spec: InstanceSpec;
  policy: RespawnPolicy;
  pidfile?: string;
  /** what procd would do silently, or jailctl does not apply (printed as notes on start) */
  notes: string[];
}

/** An instance that cannot start: procd would not start it either, or it would fail at once. */
export interface FailedInstance {
  instance: string;
  config: ProcdInstance;
  error: JailctlError;
  notes: string[];
}

/** procd's defaults: respawn threshold 3600 s, timeout 5 s, retry 5; term_timeout 5 s. */
export const PROCD_DEFAULTS = { thresholdS: 3600, timeoutS: 5, retry: 5, termTimeoutS: 5 } as const;
export const UBUS_SOCKETS = ['/var/run/ubus/ubus.sock', '/var/run/ubus.sock'];
export const UDEBUG_SOCKET = '/var/run/udebug.sock';
const UNSUPPORTED = ['extroot', 'overlaydir', 'tmpoverlaysize', 'vrf'] as const;

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
    throw new JailctlError('SPEC_INVALID', `init script ${script}: the procd shim recorded no service object`);
  }
  return { name: service.name, script, instances: service.instances, triggers: Array.isArray(service.triggers) ? service.triggers : [] };
}

/** Maps every instance of the service; a failing one comes back as a FailedInstance. */
export function buildServiceInstances(service: ProcdService, host: HostFacts, options: SpecOptions = {}): (ServiceInstance | FailedInstance)[] {
  return Object.entries(service.instances).map(([name, params]) => {
    const notes: string[] = [];
    try {
      return buildInstance(service, name, params, host, options, notes);
    } catch (err) {
      if (!(err instanceof JailctlError)) throw err;
      return { instance: name, config: params, error: err, notes };
    }
  });
}

export function isFailed(instance: ServiceInstance | FailedInstance): instance is FailedInstance {
  return 'error' in instance;
}

function buildInstance(service: ProcdService, instance: string, params: ProcdInstance, host: HostFacts, options: SpecOptions, notes: string[]): ServiceInstance {
  const where = `init script ${service.script}: instance "${instance}"`;
  if (params.error !== undefined && params.error.length > 0) {
    throw new JailctlError('SPEC_INVALID', `${where} reports an error: ${params.error.join(' ')}`, { hint: 'procd does not start an instance with an error either; fix what the script complains about' });
  }
  for (const key of UNSUPPORTED) {
    if (params[key] !== undefined) throw new JailctlError('NOT_SUPPORTED', `${where}: procd_set_param ${key} is not supported by jailctl`, { hint: 'remove it from the script' });
  }
  if (params.reload_signal !== undefined && resolveSignal(params.reload_signal) === undefined) {
    throw new JailctlError('SPEC_INVALID', `${where}: procd_set_param reload_signal ${params.reload_signal}: no such signal`, { hint: 'name it as kill -l does (HUP, USR1) or give its number' });
  }
  const spec = buildInstanceSpec(service.name, where, params, host, notes, options);
  noteIgnored(params, notes);
  const result: ServiceInstance = { instance, config: params, spec, policy: buildRespawnPolicy(where, params, spec.command), notes };
  if (params.pidfile !== undefined) result.pidfile = params.pidfile;
  return result;
}

/** A signal number, or a name (HUP, SIGHUP) as this host numbers it; undefined when unknown. */
export function resolveSignal(signal: number | string): number | undefined {
  if (typeof signal === 'number') return Number.isInteger(signal) && signal > 0 && signal < 65 ? signal : undefined;
  return (constants.signals as Record<string, number>)[`SIG${signal.toUpperCase().replace(/^SIG/, '')}`];
}


/** procd limits: name="SOFT [HARD]" (or "unlimited") -> --rlimit NAME=SOFT:HARD. */
export function buildRlimits(where: string, limits: Record<string, string>, arch: string): Record<string, string> {
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

function noteIgnored(params: ProcdInstance, notes: string[]): void {
  if (params.facility !== undefined && params.facility !== 'daemon') notes.push(`facility ${params.facility}: jailctl logs to the daemon facility`);
  if (params.nice !== undefined) notes.push(`nice ${params.nice}: not applied`);
  if (params.watchdog !== undefined) notes.push('watchdog: procd watchdogs are not supported; not applied');
}

function seconds(where: string, what: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  if (!/^-?\d+$/.test(text)) throw new JailctlError('SPEC_INVALID', `${where}: procd_set_param ${what} "${text}" is not a whole number`);
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
    thresholdMs: Math.max(0, seconds(where, 'respawn threshold', threshold, PROCD_DEFAULTS.thresholdS)) * 1000,
    timeoutMs: Math.max(0, seconds(where, 'respawn timeout', timeout, PROCD_DEFAULTS.timeoutS)) * 1000,
    // procd reads retry as unsigned: 0 and any negative number (respawn ... -1) never give up
    retry: Math.max(-1, seconds(where, 'respawn retry', retry, PROCD_DEFAULTS.retry)),
    termTimeoutMs: term * 1000,
    syslogIdent: logged ? command[0]!.slice(command[0]!.lastIndexOf('/') + 1) : '',
  };
}
