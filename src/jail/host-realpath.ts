// realpath(3) over HostFacts: like resolveHostPath, but ".." in the path itself is applied to the
// directory reached so far (after its symlinks), as the kernel does, not lexically beforehand.
// Pure: reads only through HostFacts.
import { JailctlError } from '../errors.js';
import type { FileInfo, HostFacts } from './host.js';
import { dirname, resolveHostPath } from './host-paths.js';

export interface RealPath {
  /** canonical absolute path: no component is a symlink, ".", or ".." */
  real: string;
  info: FileInfo;
}

/** The canonical path of `path` and what it is; undefined if missing, looping or not absolute. */
export function resolveRealPath(host: HostFacts, path: string): RealPath | undefined {
  if (!path.startsWith('/')) return undefined;
  let reached: RealPath | undefined = { real: '/', info: host.lstat('/')! };
  let pending: string[] = [];
  for (const part of [...path.split('/'), '..end']) {
    if (part === '' || part === '.') continue;
    if (part !== '..' && part !== '..end') {
      pending.push(part);
      continue;
    }
    // resolveHostPath would fold "a/.." away lexically, so it only ever sees ".."-free paths
    if (pending.length > 0) reached = walk(host, `${reached.real === '/' ? '' : reached.real}/${pending.join('/')}`);
    pending = [];
    if (reached === undefined || reached.info.kind !== 'dir') return part === '..end' ? reached : undefined;
    if (part === '..') reached = { real: dirname(reached.real), info: host.lstat(dirname(reached.real))! };
  }
  return reached;
}

/**
 * resolveRealPath with each answer kept, for one pass over many paths while the host stays put.
 * A path below a directory already resolved costs one lstat of its last component: the kernel
 * would reach the same directory first and look the name up in it.
 */
export function cachedRealPaths(host: HostFacts): (path: string) => RealPath | undefined {
  // null: known to be missing (one lookup per call instead of has() and get())
  const known = new Map<string, RealPath | null>();
  const real = (path: string): RealPath | undefined => {
    let found = known.get(path);
    if (found === undefined) {
      const inParent = inKnownParent(path);
      known.set(path, (found = (inParent === null ? resolveRealPath(host, path) : inParent) ?? null));
    }
    return found ?? undefined;
  };
  // null: not a plain name in a directory (a symlink, ".", "..", a parent that is no directory)
  const inKnownParent = (path: string): RealPath | undefined | null => {
    const slash = path.lastIndexOf('/');
    const length = path.length;
    if (slash <= 0 || slash === length - 1) return null;
    // "." and "..": told by their characters, without slicing every name out
    if (path.charCodeAt(length - 1) === 0x2e && (slash === length - 2 || (slash === length - 3 && path.charCodeAt(length - 2) === 0x2e))) return null;
    const parentPath = path.slice(0, slash);
    const parent = real(parentPath);
    if (parent?.info.kind !== 'dir') return null;
    // most directories are their own real path: the name is then looked up as given
    const candidate = parent.real === '/' ? path.slice(slash) : parent.real === parentPath ? path : `${parent.real}${path.slice(slash)}`;
    const info = host.lstat(candidate);
    if (info === undefined) return undefined;
    return info.kind === 'symlink' ? null : { real: candidate, info };
  };
  return real;
}

function walk(host: HostFacts, path: string): RealPath | undefined {
  try {
    const resolved = resolveHostPath(host, path);
    return resolved === undefined ? undefined : { real: resolved.real, info: resolved.info };
  } catch (err) {
    // documented fallback: a symlink loop cannot be opened (ELOOP), like a missing file
    if (err instanceof JailctlError && err.code === 'PATH_UNSAFE') return undefined;
    throw err;
  }
}
