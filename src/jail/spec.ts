// JailSpec: the one shape every front door fills (CLI flags, --spec JSON, init scripts).
// normalizeJailSpec turns the raw, schema-checked input into it; nothing after this point
// knows where a setting came from. Pure.
import { JailctlError } from '../errors.js';
import { normalizePath } from './host-paths.js';
import { parseLimitNumber, parseRlimitValue, type RlimitValue } from './rlimits.js';

/** The JSON spec format (profiles/schema/jail-spec.schema.json) and the CLI's parsed flags. */
export interface RawJailSpec {
  name?: string;
  hostname?: string;
  command?: string[];
  cwd?: string;
  ro?: string[];
  rw?: string[];
  tmpfs?: string[];
  proc?: boolean;
  sys?: boolean;
  dev?: boolean;
  autoLibs?: boolean;
  netns?: boolean;
  userns?: boolean;
  cgroupns?: boolean;
  user?: string;
  group?: string;
  caps?: string;
  seccomp?: string;
  baselineFilter?: boolean;
  allowSuidSgid?: boolean;
  /** refuse a profile runc, crun or procd would accept with warnings */
  seccompStrict?: boolean;
  env?: Record<string, string>;
  rlimits?: Record<string, string | number>;
  memory?: string | number;
  pids?: number;
  cpuWeight?: number;
}

export interface BindSpec {
  source: string;
  dest?: string;
  writable: boolean;
  origin: string;
}

export interface JailSpec {
  name: string;
  hostname: string;
  command: string[];
  cwd: string;
  binds: BindSpec[];
  tmpfs: string[];
  proc: boolean;
  sys: boolean;
  dev: boolean;
  autoLibs: boolean;
  netns: boolean;
  userns: boolean;
  cgroupns: boolean;
  user?: string;
  group?: string;
  capsFile?: string;
  seccompFile?: string;
  /** the built-in baseline filter (src/jail/baseline-entries.ts); off for init-script instances */
  baselineFilter: boolean;
  /** leave set-user/group-ID bits out of the baseline (RestrictSUIDSGID= off) */
  allowSuidSgid: boolean;
  seccompStrict: boolean;
  env: Record<string, string>;
  rlimits: { name: string; value: RlimitValue }[];
  memory?: bigint;
  pids?: number;
  cpuWeight?: number;
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The PATH commands are looked up on, on the host: the caller's, or DEFAULT_PATH without one. */
export function hostSearchPath(env: Record<string, string | undefined> = process.env): string {
  return env['PATH'] ?? DEFAULT_PATH;
}

/** "PATH[:DEST]" -> bind; relative sources are taken from `baseDir` (the spec file's folder or the cwd). */
export function parseBindArg(arg: string, writable: boolean, origin: string, baseDir: string): BindSpec {
  const colon = arg.indexOf(':');
  const source = colon < 0 ? arg : arg.slice(0, colon);
  const dest = colon < 0 ? undefined : arg.slice(colon + 1);
  if (source === '') throw new JailctlError('USAGE', `${origin} "${arg}": empty source path`);
  if (dest !== undefined && !dest.startsWith('/')) {
    throw new JailctlError('USAGE', `${origin} "${arg}": destination "${dest}" must be an absolute path`);
  }
  const absolute = source.startsWith('/') ? normalizePath(source) : normalizePath(`${baseDir}/${source}`);
  return dest === undefined ? { source: absolute, writable, origin } : { source: absolute, dest: normalizePath(dest), writable, origin };
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** The jail name when --name is not given: the command's basename with every character a name
 * cannot hold turned into "_" ("c++" -> "c__", "[" -> "jail"), so any command runs without --name. */
export function defaultJailName(command: string): string {
  const cleaned = basename(command).replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 63);
  return cleaned === '' ? 'jail' : cleaned;
}

/** A NUL byte cannot reach the kernel in an argument, a path or a variable: name where it is. */
function refuseNulBytes(raw: RawJailSpec): void {
  const visit = (value: unknown, where: string): void => {
    if (typeof value === 'string' && value.includes('\0')) {
      throw new JailctlError('USAGE', `${where}: contains a NUL byte, which no argument, path or environment variable can hold`);
    }
    if (Array.isArray(value)) value.forEach((v, i) => visit(v, `${where}[${i}]`));
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) { visit(k, `${where} key`); visit(v, `${where}.${k}`); }
  };
  for (const [key, value] of Object.entries(raw)) visit(value, key);
}

/** Normalizes a raw spec; `baseDir` resolves relative paths. */
export function normalizeJailSpec(raw: RawJailSpec, baseDir: string): JailSpec {
  refuseNulBytes(raw);
  const command = raw.command ?? [];
  if (command.length === 0 || command[0] === '') {
    throw new JailctlError('USAGE', 'no command given', { hint: 'usage: jailctl run [options] -- COMMAND [ARGS...]' });
  }
  const name = raw.name ?? defaultJailName(command[0]!);
  if (!NAME.test(name)) throw new JailctlError('USAGE', `--name "${name}": use letters, digits, "_", "." and "-" (at most 63)`);
  const hostname = raw.hostname ?? name;
  if (hostname.length === 0 || hostname.length > 64) throw new JailctlError('USAGE', `--hostname "${hostname}": must be 1 to 64 characters`);
  const abs = (p: string): string => (p.startsWith('/') ? normalizePath(p) : normalizePath(`${baseDir}/${p}`));
  const spec: JailSpec = {
    name,
    hostname,
    command,
    cwd: raw.cwd ?? '/',
    binds: [
      ...(raw.ro ?? []).map((a) => parseBindArg(a, false, '--ro', baseDir)),
      ...(raw.rw ?? []).map((a) => parseBindArg(a, true, '--rw', baseDir)),
    ],
    tmpfs: (raw.tmpfs ?? []).map((t) => {
      if (!t.startsWith('/') || normalizePath(t) === '/') throw new JailctlError('USAGE', `--tmpfs "${t}": must be an absolute path other than /`);
      return normalizePath(t);
    }),
    proc: raw.proc ?? false,
    sys: raw.sys ?? false,
    dev: raw.dev ?? false,
    autoLibs: raw.autoLibs ?? true,
    netns: raw.netns ?? false,
    userns: raw.userns ?? false,
    cgroupns: raw.cgroupns ?? false,
    baselineFilter: raw.baselineFilter ?? true,
    allowSuidSgid: raw.allowSuidSgid ?? false,
    seccompStrict: raw.seccompStrict ?? false,
    env: { PATH: DEFAULT_PATH, ...(raw.env ?? {}) },
    rlimits: Object.entries(raw.rlimits ?? {}).map(([name, value]) => ({ name, value: parseRlimitValue(String(value), `--rlimit ${name}`) })),
  };
  if (!spec.cwd.startsWith('/')) throw new JailctlError('USAGE', `--cwd "${spec.cwd}": must be an absolute path inside the jail`);
  if (raw.user !== undefined) spec.user = raw.user;
  if (raw.group !== undefined) spec.group = raw.group;
  if (raw.caps !== undefined) spec.capsFile = abs(raw.caps);
  if (raw.seccomp !== undefined) spec.seccompFile = abs(raw.seccomp);
  if (raw.memory !== undefined) spec.memory = memoryLimit(String(raw.memory));
  if (raw.pids !== undefined) spec.pids = positiveInt(raw.pids, '--pids', 1, 4194304);
  if (raw.cpuWeight !== undefined) spec.cpuWeight = positiveInt(raw.cpuWeight, '--cpu-weight', 1, 10000);
  return spec;
}

/** Below a megabyte the kernel OOM-kills the jail before its command even starts. */
export const MIN_MEMORY = 1024n * 1024n;

function memoryLimit(text: string): bigint {
  const bytes = parseLimitNumber(text, '--memory');
  if (bytes < MIN_MEMORY) {
    throw new JailctlError('USAGE', `--memory ${text}: too small; a jail needs at least 1M (the kernel would kill it before the command starts)`);
  }
  return bytes;
}

function positiveInt(value: number, what: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new JailctlError('USAGE', `${what} ${value}: expected an integer from ${min} to ${max}`);
  }
  return value;
}

/** Later layers win for scalars; lists and env accumulate (spec file first, then flags). */
export function mergeRawSpecs(base: RawJailSpec, over: RawJailSpec): RawJailSpec {
  const out: RawJailSpec = { ...base };
  for (const [key, value] of Object.entries(over) as [keyof RawJailSpec, unknown][]) {
    if (value === undefined) continue;
    const prev = out[key];
    if (Array.isArray(value) && Array.isArray(prev) && key !== 'command') (out as Record<string, unknown>)[key] = [...prev, ...value];
    else if ((key === 'env' || key === 'rlimits') && typeof prev === 'object') (out as Record<string, unknown>)[key] = { ...prev, ...(value as object) };
    else (out as Record<string, unknown>)[key] = value;
  }
  return out;
}
