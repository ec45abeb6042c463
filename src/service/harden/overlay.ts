// The hardening overlay `service NAME harden` writes (OVERLAYS/NAME.json) and how `start` lays
// it over what the script asks (pure): more namespaces, a read-only root holding the traced
// binds, the traced profile, only the traced capabilities, no_new_privs. Never less than the
// script's own jail: its namespaces, binds and user stay.
import { JailctlError } from '../../errors.js';
import { capabilityNumber } from '../../jail/caps.js';
import type { NamespaceName } from '../../jail/plan.js';
import type { InstanceBind, InstanceSpec } from '../instance-spec.js';

export const DEFAULT_OVERLAY_DIR = '/etc/jailctl';
export const OVERLAY_VERSION = 1;
/** The namespaces a hardened instance gets besides the script's own. */
export const HARDENED_NAMESPACES: readonly NamespaceName[] = ['mount', 'pid', 'uts', 'ipc'];
const NAMESPACE_ORDER: readonly NamespaceName[] = ['mount', 'pid', 'uts', 'ipc', 'net', 'user', 'cgroup'];

export interface OverlayInstance {
  namespaces: NamespaceName[];
  readOnlyRoot: boolean;
  proc: boolean;
  sys: boolean;
  /** host paths, bound at the same place */
  ro: string[];
  rw: string[];
  tmpfs: string[];
  /** the OCI profile (OVERLAYS/NAME.seccomp.json) */
  seccomp: string;
  /** CAP_* names: bounding, effective, permitted, inheritable and ambient are these */
  capabilities: string[];
  noNewPrivs: boolean;
  /** what the trace showed, for people: CAP_* -> calls; unix sockets and devices used */
  why?: Record<string, string[]>;
  sockets?: string[];
  devices?: string[];
}

export interface ServiceOverlay {
  version: number;
  service: string;
  /** where it was read from (not stored) */
  file?: string;
  instances: Record<string, OverlayInstance>;
}

const ABSOLUTE_LIST = ['ro', 'rw', 'tmpfs'] as const;

/** Parses and checks an overlay's JSON text; every problem names the file and the field. */
export function parseOverlay(text: string, file: string): ServiceOverlay {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new JailctlError('SPEC_INVALID', `${file}: invalid JSON: ${(err as Error).message}`, { path: file, hint: 'write it again with `jailctl service NAME harden`, or remove it with `jailctl service NAME unharden`' });
  }
  const fail = (field: string, what: string): never => { throw new JailctlError('SPEC_INVALID', `${file}: ${field}: ${what}`, { path: file, hint: 'fix the field, or write the overlay again with `jailctl service NAME harden`' }); };
  if (!isObject(json)) return fail('(top)', 'expected an object');
  if (json['version'] !== OVERLAY_VERSION) fail('version', `expected ${OVERLAY_VERSION}`);
  if (typeof json['service'] !== 'string') fail('service', 'expected a string');
  if (!isObject(json['instances'])) return fail('instances', 'expected an object');
  for (const [name, inst] of Object.entries(json['instances'])) checkInstance(inst, `instances.${name}`, fail);
  return { ...(json as unknown as ServiceOverlay), file };
}

function checkInstance(inst: unknown, where: string, fail: (field: string, what: string) => never): void {
  if (!isObject(inst)) return fail(where, 'expected an object');
  const ns = inst['namespaces'];
  if (!Array.isArray(ns) || ns.some((n) => !NAMESPACE_ORDER.includes(n as NamespaceName))) fail(`${where}.namespaces`, `expected names of ${NAMESPACE_ORDER.join(', ')}`);
  for (const key of ['readOnlyRoot', 'proc', 'sys', 'noNewPrivs']) if (typeof inst[key] !== 'boolean') fail(`${where}.${key}`, 'expected true or false');
  for (const key of ABSOLUTE_LIST) {
    const list = inst[key];
    if (!Array.isArray(list) || list.some((p) => typeof p !== 'string' || !p.startsWith('/'))) fail(`${where}.${key}`, 'expected a list of absolute paths');
  }
  if (typeof inst['seccomp'] !== 'string' || !inst['seccomp'].startsWith('/')) fail(`${where}.seccomp`, 'expected the absolute path of a profile');
  const caps = inst['capabilities'];
  if (!Array.isArray(caps)) return fail(`${where}.capabilities`, 'expected a list of capability names');
  for (const [i, c] of caps.entries()) if (typeof c !== 'string' || capabilityNumber(c) === undefined) fail(`${where}.capabilities[${i}]`, `unknown capability ${JSON.stringify(c)}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The spec `start` runs: the script's, made stricter by the overlay's instance. */
export function applyOverlay(spec: InstanceSpec, overlay: OverlayInstance, file: string): InstanceSpec {
  const namespaces = NAMESPACE_ORDER.filter((n) => spec.namespaces.includes(n) || overlay.namespaces.includes(n));
  const fs = namespaces.includes('mount') ? hardenedFs(spec, overlay) : spec.fs;
  const out: InstanceSpec = {
    ...spec,
    namespaces,
    capabilityNames: [...overlay.capabilities],
    noNewPrivs: spec.noNewPrivs || overlay.noNewPrivs,
    seccomp: overlay.seccomp,
    overlay: file,
    features: [...new Set([...spec.features.filter((f) => f !== 'unjailed' && f !== 'rw-root'), 'jail', ...(overlay.readOnlyRoot ? ['ro-root'] : []), 'hardened'])],
  };
  delete out.capabilities;
  if (fs === undefined) delete out.fs;
  else out.fs = fs;
  return out;
}

/** The script's binds stay; the traced ones join them (read-write wins for the same path). */
function hardenedFs(spec: InstanceSpec, overlay: OverlayInstance): NonNullable<InstanceSpec['fs']> {
  const own = spec.fs;
  const binds: InstanceBind[] = (own?.binds ?? []).map((b) => ({ ...b }));
  const add = (path: string, writable: boolean): void => {
    const seen = binds.find((b) => b.path === path);
    if (seen === undefined) binds.push({ path, writable, reason: `harden: traced ${writable ? 'write' : 'read'}` });
    else seen.writable ||= writable;
  };
  for (const p of overlay.rw) add(p, true);
  for (const p of overlay.ro) add(p, false);
  return {
    readOnly: (own?.readOnly ?? false) || overlay.readOnlyRoot,
    proc: (own?.proc ?? false) || overlay.proc,
    sys: (own?.sys ?? false) || overlay.sys,
    binds,
    tmpfs: [...new Set([...(own?.tmpfs ?? []), ...overlay.tmpfs])],
  };
}
