// The launch-plan cache (edge). Planning a jail costs tens of milliseconds (ELF parsing, library
// search, profile compilation); running the same command line again with nothing changed on the
// host gives the same plan. So a real `jailctl run` stores its encoded plan together with every
// host path planning looked at (found or not) and its lstat/stat fingerprint; the next identical
// run re-checks those fingerprints and, when all match, execs the launcher with the stored plan
// before the CLI is even loaded. Any difference (a library updated, a file appearing earlier on
// a search path, another profile) is a miss and the plan is built again.
//
// Only root runs use it (jailctl run needs root), from a directory only root can write; plans
// that depend on the launcher's pid (a cgroup) or read /proc or /sys are never stored.
// This module imports only Node built-ins and no import.meta: it is on the start-up path of every
// run, bundled into the CommonJS bin as well as the ES module.
import { closeSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeSync, type BigIntStats } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fsPath } from '../io/raw-bytes.js';
import type { HostFacts } from './host.js';

const FORMAT = 1;
export const DEFAULT_PLAN_CACHE_DIR = '/run/jailctl/plans';
/** at most this many stored plans and bytes (/run is memory); storing one more evicts the least
 * recently used (a hit marks its file used by touching its mtime: one utimes(2) on the fast path) */
export const MAX_ENTRIES = 1024;
export const MAX_BYTES = 8 * 1024 * 1024;

/** A host path planning depended on; `follow`: its target's stat too (it was read, not lstat'ed). */
export interface PlanDependency {
  path: string;
  follow: boolean;
}

interface StoredPlan {
  format: number;
  key: string;
  /** [path, 1 if followed, fingerprint] */
  deps: [string, number, string][];
  addon: string;
  launcher: string;
  plan: string;
}

/** The cache directory from JAILCTL_PLAN_CACHE: "off" disables, an absolute path replaces the
 * default; anything else is a mistake, reported (a plain Error: this module stays free of the
 * rest of jailctl, and the CLI turns it into one line) instead of silently using the default. */
export function planCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const setting = env['JAILCTL_PLAN_CACHE'];
  if (setting === 'off') return undefined;
  if (setting === undefined || setting === '') return DEFAULT_PLAN_CACHE_DIR;
  if (!setting.startsWith('/')) throw new PlanCacheSettingError(setting);
  return setting;
}

export class PlanCacheSettingError extends Error {
  constructor(readonly setting: string) {
    super(`JAILCTL_PLAN_CACHE=${setting}: expected "off" or an absolute directory`);
  }
}

/** Everything besides host files that the plan is made from: the command line, cwd, PATH, the
 * native directory override, ids, and which jailctl build runs (its script's fingerprint). */
export function planCacheKey(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): string {
  const script = argv[1] ?? '';
  return JSON.stringify([
    FORMAT, process.version, process.arch, process.geteuid?.(), process.getegid?.(), process.cwd(),
    env['PATH'] ?? null, env['JAILCTL_NATIVE_DIR'] ?? null, script, fingerprint(script, true), argv.slice(2),
  ]);
}

/** lstat (or stat) identity of a path: type, mode, owner, size, inode, times to the nanosecond
 * (no size or times for a directory only walked through); "!CODE" when it cannot be looked at
 * (absence is a fact the plan depends on too). */
export function fingerprint(path: string, follow: boolean): string {
  return stamp(path, follow).print;
}

function stamp(path: string, follow: boolean): { print: string; ctimeNs: bigint } {
  let s: BigIntStats | undefined;
  try {
    const at = fsPath(path);
    s = follow ? statSync(at, { bigint: true, throwIfNoEntry: false }) : lstatSync(at, { bigint: true, throwIfNoEntry: false });
  } catch (err) {
    return { print: `!${(err as NodeJS.ErrnoException).code ?? 'ERR'}`, ctimeNs: 0n };
  }
  if (s === undefined) return { print: '!ENOENT', ctimeNs: 0n };
  // a directory walked through (lstat, not listed): what matters is that it is still the same
  // directory; entries appearing in it are deps of their own (/tmp changes all the time)
  if (!follow && s.isDirectory()) return { print: `${s.mode}:${s.uid}:${s.gid}:${s.dev}:${s.ino}`, ctimeNs: 0n };
  return { print: `${s.mode}:${s.uid}:${s.gid}:${s.size}:${s.dev}:${s.ino}:${s.mtimeNs}:${s.ctimeNs}`, ctimeNs: s.ctimeNs };
}

/** File times tick in jiffies: a file changed in the last moments could change again with the
 * same size and the same times. Plans depending on such a file are not stored (git's "racily
 * clean" problem); the next run stores it. */
export const RACY_NS = 1_000_000_000n;

/** 64-bit FNV-1a of the key, as the file name (the full key is inside and compared). */
function fileNameFor(key: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < key.length; i++) h = BigInt.asUintN(64, (h ^ BigInt(key.charCodeAt(i))) * 0x100000001b3n);
  return `${h.toString(16).padStart(16, '0')}.json`;
}

/** A directory (and its parent) only we can write, or a file only we can write. */
function trusted(s: { uid: number; mode: number }, euid: number): boolean {
  return s.uid === euid && (s.mode & 0o022) === 0;
}

function trustedDir(dir: string, euid: number): boolean {
  for (const path of [dir, join(dir, '..')]) {
    const s = lstatSync(path, { throwIfNoEntry: false });
    if (s === undefined || !s.isDirectory() || !trusted(s, euid)) return false;
  }
  return true;
}

/** The stored plan for this exact invocation if every host fingerprint still matches. */
export function lookupPlan(dir: string, key: string): { plan: Uint8Array; addon: string; launcher: string } | undefined {
  const euid = process.geteuid?.();
  if (euid === undefined || !trustedDir(dir, euid)) return undefined;
  let text: string;
  const fd = openSync(join(dir, fileNameFor(key)), 'r');
  try {
    const s = fstatSync(fd);
    if (!s.isFile() || !trusted(s, euid)) return undefined;
    text = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  const stored = JSON.parse(text) as StoredPlan;
  if (stored.format !== FORMAT || stored.key !== key) return undefined;
  for (const [path, follow, print] of stored.deps) if (fingerprint(path, follow === 1) !== print) return undefined;
  markUsed(join(dir, fileNameFor(key)));
  return { plan: Buffer.from(stored.plan, 'base64'), addon: stored.addon, launcher: stored.launcher };
}

/** A hit's mtime says when it was last used; eviction removes the oldest. */
function markUsed(file: string): void {
  try {
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // a read-only cache still serves plans; it just cannot keep its order
  }
}

/** Removes the least recently used plans (and leftover temporaries) until one more of `incoming`
 * bytes fits in `maxEntries` files and `maxBytes`. */
export function evictLeastRecentlyUsed(dir: string, incoming: number, maxEntries = MAX_ENTRIES, maxBytes = MAX_BYTES): void {
  const entries = readdirSync(dir).map((name) => {
    const s = lstatSync(join(dir, name), { throwIfNoEntry: false });
    return { name, used: s?.mtimeMs ?? 0, size: s?.size ?? 0 };
  });
  let bytes = entries.reduce((sum, e) => sum + e.size, incoming);
  let count = entries.length + 1;
  if (count <= maxEntries && bytes <= maxBytes) return;
  entries.sort((a, b) => a.used - b.used);
  for (const entry of entries) {
    if (count <= maxEntries && bytes <= maxBytes) break;
    unlinkSync(join(dir, entry.name));
    count--;
    bytes -= entry.size;
  }
}

/** Wraps `host` so that every path it is asked about lands in `deps`. */
export function recordingHost(host: HostFacts, deps: Map<string, PlanDependency>): HostFacts {
  const note = (path: string, follow: boolean): void => {
    const id = `${follow ? 1 : 0}${path}`;
    if (!deps.has(id)) deps.set(id, { path, follow });
  };
  return {
    arch: host.arch,
    lstat: (path) => (note(path, false), host.lstat(path)),
    readlink: (path) => (note(path, false), host.readlink(path)),
    readRange: (path, offset, length) => (note(path, true), host.readRange(path, offset, length)),
    readText: (path, input) => (note(path, true), host.readText(path, input)),
    readDir: (path) => (note(path, true), host.readDir(path)),
  };
}

/** Whether a plan made from these host paths may be stored: /proc and /sys have no stable
 * fingerprints (what the cgroup planner reads there describes this process). */
export function cacheableDependencies(deps: Iterable<PlanDependency>): boolean {
  for (const { path } of deps) if (/^\/(proc|sys)(\/|$)/.test(path)) return false;
  return true;
}

/** Stores a plan (atomically; a cache that cannot be written is simply not used). */
export function storePlan(dir: string, key: string | (() => string), deps: Iterable<PlanDependency>, plan: Uint8Array, addon: string, launcher: string, nowMs = Date.now()): void {
  const euid = process.geteuid?.();
  if (euid === undefined) return;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!trustedDir(dir, euid)) return;
    const all = [...deps, { path: addon, follow: true }, { path: launcher, follow: true }];
    const racyFrom = BigInt(nowMs) * 1_000_000n - RACY_NS;
    const stamps = all.map(({ path, follow }) => ({ path, follow, ...stamp(path, follow) }));
    if (stamps.some((s) => s.ctimeNs >= racyFrom)) return;
    const stored: StoredPlan = {
      format: FORMAT,
      key: typeof key === 'string' ? key : key(),
      deps: stamps.map(({ path, follow, print }) => [path, follow ? 1 : 0, print]),
      addon,
      launcher,
      plan: Buffer.from(plan).toString('base64'),
    };
    const text = JSON.stringify(stored);
    evictLeastRecentlyUsed(dir, Buffer.byteLength(text));
    const target = join(dir, fileNameFor(stored.key));
    const temp = `${target}.${process.pid}.tmp`;
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch {
    // a full /run, a read-only file system: the next run plans again, nothing else changes
  }
}

/**
 * The start-up fast path of `jailctl run`: on a hit this process becomes the launcher and never
 * returns; on a miss (or any doubt) it returns false and the CLI plans as usual.
 */
export function runFromPlanCache(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): boolean {
  if (argv[2] !== 'run' || process.geteuid?.() !== 0) return false;
  let hit: ReturnType<typeof lookupPlan>;
  try {
    const dir = planCacheDir(env); // a bad setting is reported by the CLI's own run
    if (dir === undefined) return false;
    hit = lookupPlan(dir, planCacheKey(argv, env));
  } catch {
    return false;
  }
  if (hit === undefined) return false;
  try {
    const addon = createRequire(hit.addon)(hit.addon) as { execLauncher(path: string, plan: Uint8Array): never };
    addon.execLauncher(hit.launcher, hit.plan);
  } catch {
    // the launcher could not be started this way: plan again, and let that path report it
  }
  return false;
}
