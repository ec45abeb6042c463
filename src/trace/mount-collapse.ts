// Turning the paths a trace needs into few binds (pure, host read through HostFacts): a
// directory whose files were mostly used is bound as a whole, and whatever a bound directory
// already shows is dropped, unless it is a program (`jailctl run` scans bound programs for their
// libraries) or needs more (read-write inside read-only) or leads elsewhere (a symlink).
import type { HostFacts } from '../jail/host.js';
import { dirname, isWithin } from '../jail/host-paths.js';
import { resolveRealPath, type RealPath } from '../jail/host-realpath.js';

export interface Need {
  path: string;
  writable: boolean;
  dir: boolean;
  /** bound by itself even inside a bound directory (an executed program) */
  keep: boolean;
  /** its contents were used (listed, entered, written into): bind the directory itself */
  listed: boolean;
  /** a directory that was only entered (chdir): it exists in the jail if anything below it is bound */
  lookup?: boolean;
}

export interface Bind {
  path: string;
  writable: boolean;
}

/** At least this many files of one directory, and at least half of its entries. */
const COLLAPSE_MIN_FILES = 3;
/** /etc, /usr, /home ... are never bound whole because of what was read in them. */
const COLLAPSE_MIN_DEPTH = 2;

/** `realPath`: resolveRealPath over `host`, or a cache of it. */
export function collapseDirectories(needs: readonly Need[], host: HostFacts, realPath: (path: string) => RealPath | undefined = (p) => resolveRealPath(host, p)): Bind[] {
  const byPath = dedupe(needs);
  dropCoveredLookups(byPath);
  collapseBottomUp(byPath, host);
  const all = [...byPath.values()];
  const real = (path: string): string => realPath(path)?.real ?? path;
  const dirs = new Map(all.filter((n) => n.dir && !n.lookup).map((n) => [n.path, n]));
  // a need is dropped when a bound directory above it (one of its ancestors) shows it
  const shown = (n: Need): boolean => ancestorsOf(n.path).some((a) => {
    const d = dirs.get(a);
    return d !== undefined && covers(d, n) && isWithin(real(n.path), real(d.path));
  });
  const kept = all.filter((n) => !shown(n));
  return kept.map((n) => ({ path: n.path, writable: n.writable })).sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** "/", "/a", "/a/b" for "/a/b/c": every directory above a normalized absolute path. */
function ancestorsOf(path: string): string[] {
  const out = path === '/' ? [] : ['/'];
  for (let i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i));
  return out;
}

/** A bound directory shows what lies in it: read-write shows everything, read-only what is read. */
function covers(dir: Need, inner: Need): boolean {
  return dir.writable || (!inner.writable && !inner.keep);
}

function dedupe(needs: readonly Need[]): Map<string, Need> {
  const byPath = new Map<string, Need>();
  for (const need of needs) {
    const seen = byPath.get(need.path);
    if (seen === undefined) {
      byPath.set(need.path, { ...need });
      continue;
    }
    seen.writable ||= need.writable;
    seen.keep ||= need.keep;
    seen.listed ||= need.listed;
    seen.dir ||= need.dir;
    seen.lookup = seen.lookup === true && need.lookup === true;
  }
  return byPath;
}

/** An entered directory with something bound below it exists anyway (the jail makes the
 * directories above its binds); with nothing below, it is bound so it exists. */
function dropCoveredLookups(byPath: Map<string, Need>): void {
  for (const need of [...byPath.values()]) {
    if (need.lookup !== true) continue;
    const below = [...byPath.values()].some((n) => n !== need && isWithin(n.path, need.path) && n.lookup !== true);
    if (below || need.path === '/') byPath.delete(need.path);
    else need.lookup = false;
  }
}

/** Deepest directories first, so a collapsed directory counts in its parent's turn. */
function collapseBottomUp(byPath: Map<string, Need>, host: HostFacts): void {
  const depths = new Map<string, number>();
  const depth = (p: string): number => {
    let d = depths.get(p);
    if (d === undefined) depths.set(p, (d = p.split('/').length - 1));
    return d;
  };
  let level = Math.max(0, ...[...byPath.keys()].map(depth));
  for (; level > COLLAPSE_MIN_DEPTH; level--) {
    const groups = new Map<string, Need[]>();
    for (const need of byPath.values()) {
      if (depth(need.path) !== level || need.writable) continue;
      const parent = dirname(need.path);
      const group = groups.get(parent);
      if (group === undefined) groups.set(parent, [need]);
      else group.push(need);
    }
    for (const [dir, children] of groups) {
      const entries = host.readDir(dir)?.length ?? Infinity;
      if (children.length < COLLAPSE_MIN_FILES || children.length * 2 < entries || byPath.get(dir)?.writable === true) continue;
      const existing = byPath.get(dir);
      byPath.set(dir, { path: dir, writable: false, dir: true, keep: existing?.keep ?? false, listed: true });
    }
  }
}
