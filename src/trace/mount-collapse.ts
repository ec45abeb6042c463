// Turning the paths a trace needs into few binds (pure, host read through HostFacts): a
// directory whose files were mostly used is bound as a whole, and whatever a bound directory
// already shows is dropped, unless it is a program (`jailctl run` scans bound programs for their
// libraries) or needs more (read-write inside read-only) or leads elsewhere (a symlink).
import type { HostFacts } from '../jail/host.js';
import { isWithin } from '../jail/host-paths.js';
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

/** `realPath`: resolveRealPath over `host`, or a cache of it. Linear in the needs: each is
 * grouped once, and the bound directories above a directory are found once for all it holds. */
export function collapseDirectories(needs: readonly Need[], host: HostFacts, realPath: (path: string) => RealPath | undefined = (p) => resolveRealPath(host, p)): Bind[] {
  const byPath = dedupe(needs);
  dropCoveredLookups(byPath);
  collapseBottomUp(byPath, host);
  const all = [...byPath.values()];
  const real = (path: string): string => realPath(path)?.real ?? path;
  const dirs = new Map<string, Need>();
  for (const n of all) if (n.dir && !n.lookup) dirs.set(n.path, n);
  const boundAbove = boundAncestors(dirs);
  // a need is dropped when a bound directory above it (one of its ancestors) shows it
  const shown = (n: Need): boolean => n.path !== '/' && boundAbove(parentOf(n.path)).some((d) => covers(d, n) && isWithin(real(n.path), real(d.path)));
  const kept = new Map<string, Bind>();
  for (const n of all) if (!shown(n)) kept.set(n.path, { path: n.path, writable: n.writable });
  // by path (each once), sorted natively as `<` orders strings
  return [...kept.keys()].sort().map((path) => kept.get(path)!);
}

/** The directory holding a normalized absolute path ("/" for "/" and "/a"). */
function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

/** Directories with 1 for "/" and "/a", 2 for "/a/b" ... (as `path.split('/').length - 1`). */
function depthOf(path: string): number {
  let depth = 0;
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) depth++;
  return depth;
}

/** For a directory: the bound directories among it and its ancestors (remembered per directory). */
function boundAncestors(dirs: ReadonlyMap<string, Need>): (dir: string) => readonly Need[] {
  const known = new Map<string, readonly Need[]>();
  const of = (dir: string): readonly Need[] => {
    let found = known.get(dir);
    if (found === undefined) {
      const above = dir === '/' ? [] : of(parentOf(dir));
      const self = dirs.get(dir);
      known.set(dir, (found = self === undefined ? above : [...above, self]));
    }
    return found;
  };
  return of;
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
    let below = false;
    for (const n of byPath.values()) {
      if (n !== need && n.lookup !== true && isWithin(n.path, need.path)) {
        below = true;
        break;
      }
    }
    if (below || need.path === '/') byPath.delete(need.path);
    else need.lookup = false;
  }
}

/** Deepest directories first, so a collapsed directory counts in its parent's turn. */
function collapseBottomUp(byPath: Map<string, Need>, host: HostFacts): void {
  // the paths at each depth, in the order they were added
  const levels: string[][] = [];
  for (const path of byPath.keys()) (levels[depthOf(path)] ??= []).push(path);
  for (let level = levels.length - 1; level > COLLAPSE_MIN_DEPTH; level--) {
    // readable children per directory one level up
    const groups = new Map<string, number>();
    for (const path of levels[level] ?? []) {
      if (byPath.get(path)!.writable) continue;
      const parent = parentOf(path);
      groups.set(parent, (groups.get(parent) ?? 0) + 1);
    }
    for (const [dir, children] of groups) {
      if (children < COLLAPSE_MIN_FILES) continue;
      const existing = byPath.get(dir);
      if (existing?.writable === true) continue;
      const entries = host.readDir(dir)?.length ?? Infinity;
      if (children * 2 < entries) continue;
      if (existing === undefined) (levels[level - 1] ??= []).push(dir);
      byPath.set(dir, { path: dir, writable: false, dir: true, keep: existing?.keep ?? false, listed: true });
    }
  }
}
