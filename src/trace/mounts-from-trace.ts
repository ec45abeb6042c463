// A trace -> the mounts a jail needs, as a jail-spec fragment (`jailctl run --spec`). Pure: the
// host is read through HostFacts. Files read become read-only binds, written ones read-write;
// what the tree created or removed needs its directory read-write (a tmpfs for /tmp and
// /var/tmp when nothing there comes from the host); /proc, /sys and /dev become the jail's own;
// failed lookups (ENOENT probes) are left out, and so are the libraries `jailctl run` adds by
// itself (the ELF dependencies of the command and of every program bound), while libraries
// loaded with dlopen(), which no ELF scan can see, stay. A trace inside a jail keeps the jail's
// own mounts, and only what they did not serve is looked for on the host.
import { newElfDepsCache, resolveElfDeps, type ElfDepsCache } from '../jail/elf-deps.js';
import type { HostFacts } from '../jail/host.js';
import { dirname, isWithin } from '../jail/host-paths.js';
import { cachedRealPaths, type RealPath } from '../jail/host-realpath.js';
import type { RawJailSpec } from '../jail/spec.js';
import type { FileAccess, TraceResult } from './aggregate.js';
import { collapseDirectories, type Need } from './mount-collapse.js';

/** The jail-spec keys a trace can fill (profiles/schema/jail-spec.schema.json). */
export type MountSpec = Pick<RawJailSpec, 'cwd' | 'ro' | 'rw' | 'tmpfs' | 'proc' | 'sys' | 'dev'>;

export interface MountOptions {
  /** the traced command as executed (host path): `jailctl run` binds it and its libraries */
  command?: string;
  /** the working directory the trace started in */
  cwd?: string;
  /** the jail the trace ran in (`jailctl trace --jail`): the paths traced are the jail's */
  jail?: TraceJailMounts;
}

/** The mounts of a jail, as its normalized spec holds them (src/jail/spec.ts). */
export interface TraceJailMounts {
  binds: { source: string; dest?: string; writable: boolean }[];
  tmpfs: string[];
  proc: boolean;
  sys: boolean;
  dev: boolean;
  cwd: string;
}

export interface MountsFromTrace {
  spec: MountSpec;
  /** things the list cannot express, one line each */
  notes: string[];
}

/** jailctl's minimal /dev (src/jail/mounts.ts): anything else there is not in the jail. */
export const JAIL_DEV = /^\/dev\/(null|zero|full|random|urandom|tty|ptmx|fd(\/.*)?|stdin|stdout|stderr|pts(\/.*)?|shm(\/.*)?)$/;
const TMP_DIRS = ['/tmp', '/var/tmp'];

/** The host, and the canonical paths found in it so far (thousands of files share directories). */
interface Lookup {
  host: HostFacts;
  real: (path: string) => RealPath | undefined;
}

export function buildMountsFromTrace(result: TraceResult, host: HostFacts, options: MountOptions = {}): MountsFromTrace {
  const look: Lookup = { host, real: cachedRealPaths(host) };
  const spec: MountSpec = {};
  const notes: string[] = [];
  // inside a jail, what its binds and tmpfs served is theirs: the host may hold something else
  // (or nothing) at those paths, so the jail's own mounts are listed instead
  const served = jailMountPoints(options.jail);
  const files = result.files.filter((f) => f.ok > 0 && !served.some((p) => isWithin(f.path, p)));
  for (const f of result.files) if (!f.absolute && f.ok > 0) notes.push(`${f.path}: relative to a directory the trace could not follow; left out`);
  const created = new Set(files.filter((f) => f.created).map((f) => f.path));
  let needs: Need[] = [];
  for (const file of files.filter((f) => f.absolute)) {
    if (claimSpecial(file, spec, notes)) continue;
    const need = needOf(file, look, created);
    if (need !== undefined) needs.push(need);
  }
  const executed = files.filter((f) => f.uses.includes('exec')).map((f) => f.path);
  const { programs, libraries } = programsAndLibraries(look, [...(options.command !== undefined ? [options.command] : []), ...executed], needs, notes);
  needs = needs.filter((n) => n.writable || !isLibrary(look, libraries, n.path));
  for (const need of needs) if (programs.has(need.path)) need.keep = true;
  const tmpfs = tmpfsRoots(needs, [...programs]);
  const kept = needs.filter((n) => !tmpfs.some((t) => isWithin(n.path, t)) && n.path !== '/');
  if (needs.some((n) => n.path === '/' && n.lookup !== true)) notes.push('/ itself was listed or written into; left out (bind what is below it instead)');
  const binds = collapseDirectories(kept, host, look.real);
  const ro = binds.filter((b) => !b.writable).map((b) => b.path);
  const rw = binds.filter((b) => b.writable).map((b) => b.path);
  if (options.cwd !== undefined && options.cwd !== '/' && binds.some((b) => isWithin(b.path, options.cwd!))) spec.cwd = options.cwd;
  if (ro.length > 0) spec.ro = ro;
  if (rw.length > 0) spec.rw = rw;
  if (tmpfs.length > 0) spec.tmpfs = tmpfs;
  return { spec: options.jail === undefined ? ordered(spec) : mergeMountSpecs(jailOwnMounts(options.jail), spec), notes };
}

function jailMountPoints(jail: TraceJailMounts | undefined): string[] {
  return jail === undefined ? [] : [...jail.binds.map((b) => b.dest ?? b.source), ...jail.tmpfs];
}

/** The jail's mounts as run options: "SOURCE" or "SOURCE:DEST" binds, tmpfs, /proc /sys /dev. */
function jailOwnMounts(jail: TraceJailMounts): MountSpec {
  const arg = (b: TraceJailMounts['binds'][number]): string => (b.dest === undefined || b.dest === b.source ? b.source : `${b.source}:${b.dest}`);
  const spec: MountSpec = {};
  if (jail.cwd !== '/') spec.cwd = jail.cwd;
  const ro = jail.binds.filter((b) => !b.writable).map(arg);
  const rw = jail.binds.filter((b) => b.writable).map(arg);
  if (ro.length > 0) spec.ro = ro;
  if (rw.length > 0) spec.rw = rw;
  if (jail.tmpfs.length > 0) spec.tmpfs = [...jail.tmpfs];
  for (const key of ['proc', 'sys', 'dev'] as const) if (jail[key]) spec[key] = true;
  return spec;
}

/** /proc, /sys and /dev are the jail's own file systems, not binds. */
function claimSpecial(file: FileAccess, spec: MountSpec, notes: string[]): boolean {
  // most paths are none of these: one comparison of their first letters
  if (!file.path.startsWith('/proc') && !file.path.startsWith('/sys') && !file.path.startsWith('/dev')) return false;
  const under = (root: string): boolean => isWithin(file.path, root);
  if (under('/proc')) spec.proc = true;
  else if (under('/sys')) spec.sys = true;
  else if (under('/dev')) {
    spec.dev = true;
    if (file.path !== '/dev' && !JAIL_DEV.test(file.path)) notes.push(`${file.path}: not in the jail's minimal /dev; the program will not find it there`);
  } else return false;
  return true;
}

/** What one successful access needs on the host, or undefined when nothing. */
function needOf(file: FileAccess, look: Lookup, created: ReadonlySet<string>): Need | undefined {
  const onHost = look.real(file.path);
  const isDir = onHost?.info.kind === 'dir';
  // what the tree made or removed must be makeable again: its directory, writable
  if (file.created || file.removed || (file.mayCreate && onHost === undefined) || (file.access === 'write' && onHost === undefined)) {
    return writableParent(file.path, look, created);
  }
  if (onHost === undefined) return undefined; // gone since (a temporary file of another process)
  if (file.access === 'write') return { path: file.path, writable: true, dir: isDir, keep: false, listed: false };
  // a directory only looked up (stat, access) is not bound: the jail makes the directories
  // above its binds, and binding one whole for a stat would show all of it
  if (isDir && !file.uses.some((u) => u === 'read' || u === 'chdir')) return undefined;
  // entered but not read: it must exist, which anything bound below it also achieves
  const entered = isDir && !file.uses.includes('read');
  return { path: file.path, writable: false, dir: isDir, keep: file.uses.includes('exec'), listed: isDir, lookup: entered };
}

/** The nearest directory above `path` that the trace did not create and the host has. */
function writableParent(path: string, look: Lookup, created: ReadonlySet<string>): Need | undefined {
  let dir = dirname(path);
  while (dir !== '/' && (created.has(dir) || look.real(dir)?.info.kind !== 'dir')) dir = dirname(dir);
  return { path: dir, writable: true, dir: true, keep: false, listed: true };
}

/** /tmp and /var/tmp become a tmpfs when everything the tree did there is its own making. */
function tmpfsRoots(needs: readonly Need[], programs: readonly string[]): string[] {
  return TMP_DIRS.filter((tmp) => {
    const inside = needs.filter((n) => isWithin(n.path, tmp));
    const fromHost = inside.some((n) => !(n.writable && n.dir)) || programs.some((p) => isWithin(p, tmp));
    return inside.length > 0 && !fromHost && inside.every((n) => n.path === tmp || isWithin(n.path, tmp));
  });
}

/**
 * What `jailctl run` binds by itself: the command and every executable file bound are scanned
 * for their ELF interpreter and libraries (and glibc's loader cache), which are left out of the
 * list, by the path the loader opened and by the file it leads to. A program found only here
 * (a dlopen'ed library with its x bit, a program started through a PATH lookup) is scanned too.
 */
function programsAndLibraries(look: Lookup, started: readonly string[], needs: readonly Need[], notes: string[]): { programs: Set<string>; libraries: Set<string> } {
  const programs = new Set<string>();
  const libraries = new Set<string>();
  // programs share their loader and libc: each file is parsed once
  const elfCache = newElfDepsCache(look.real);
  let next = [...new Set(started)];
  while (next.length > 0) {
    for (const program of next) {
      programs.add(program);
      addLoaderFiles(look, program, libraries, notes, elfCache);
    }
    next = needs.filter((n) => !n.dir && !programs.has(n.path) && !isLibrary(look, libraries, n.path) && isExecutableFile(look, n.path)).map((n) => n.path);
  }
  return { programs, libraries };
}

function addLoaderFiles(look: Lookup, program: string, into: Set<string>, notes: string[], elfCache: ElfDepsCache): void {
  let deps;
  try {
    deps = resolveElfDeps(look.host, program, elfCache).files.filter((d) => d.kind !== 'program');
  } catch (err) {
    // documented fallback: the libraries it opened stay in the list, as seen
    notes.push(`${program}: its libraries could not be resolved (${(err as Error).message}); they are listed as traced`);
    return;
  }
  for (const dep of deps) {
    into.add(dep.path);
    const real = look.real(dep.path)?.real;
    if (real !== undefined) into.add(real);
  }
  if (deps.some((d) => d.kind === 'library')) into.add('/etc/ld.so.cache');
}

/** By the path the loader opened, or by the file it leads to (/lib -> usr/lib ...). */
function isLibrary(look: Lookup, libraries: ReadonlySet<string>, path: string): boolean {
  return libraries.has(path) || libraries.has(look.real(path)?.real ?? path);
}

function isExecutableFile(look: Lookup, path: string): boolean {
  const info = look.real(path)?.info;
  return info?.kind === 'file' && (info.mode & 0o111) !== 0;
}

function ordered(spec: MountSpec): MountSpec {
  const out: MountSpec = {};
  for (const key of ['cwd', 'ro', 'rw', 'tmpfs', 'proc', 'sys', 'dev'] as const) if (spec[key] !== undefined) (out as Record<string, unknown>)[key] = spec[key];
  return out;
}

/** Two mount lists as one: binds of both (read-write wins), file systems of either. */
export function mergeMountSpecs(a: MountSpec, b: MountSpec): MountSpec {
  const rw = [...new Set([...(a.rw ?? []), ...(b.rw ?? [])])].sort();
  const ro = [...new Set([...(a.ro ?? []), ...(b.ro ?? [])])].filter((p) => !rw.includes(p)).sort();
  const tmpfs = [...new Set([...(a.tmpfs ?? []), ...(b.tmpfs ?? [])])].sort();
  const out: MountSpec = {};
  const cwd = b.cwd ?? a.cwd;
  if (cwd !== undefined) out.cwd = cwd;
  if (ro.length > 0) out.ro = ro;
  if (rw.length > 0) out.rw = rw;
  if (tmpfs.length > 0) out.tmpfs = tmpfs;
  for (const key of ['proc', 'sys', 'dev'] as const) if (a[key] === true || b[key] === true) out[key] = true;
  return out;
}
