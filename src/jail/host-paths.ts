// Resolving host paths without trusting symlinks: every link met on the way is recorded, so
// the jail can recreate the same chain (sonames, /lib -> usr/lib) while binds only ever use
// canonical, symlink-free sources. Pure: reads only through HostFacts.
import { JailctlError } from '../errors.js';
import type { FileInfo, HostFacts } from './host.js';

export interface SymlinkHop {
  /** canonical path of the link itself (its parent directories hold no links) */
  path: string;
  /** the link's content, verbatim */
  target: string;
}

export interface ResolvedHostPath {
  /** canonical path: no component is a symlink */
  real: string;
  info: FileInfo;
  /** the links followed, in order */
  links: SymlinkHop[];
}

const MAX_LINKS = 40;

/** Lexically normalized absolute path (//, ., .. collapsed; .. at / stays at /). */
export function normalizePath(path: string): string {
  // most paths are already clean (the tracer normalizes thousands of them)
  if (path.startsWith('/') && !NEEDS_NORMALIZING.test(path)) return path;
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return '/' + out.join('/');
}

/** "//", a "." or ".." component, or a trailing "/" (but "/" itself). */
const NEEDS_NORMALIZING = /\/\/|\/\.\.?(\/|$)|.\/$/;

export function joinPath(dir: string, name: string): string {
  return normalizePath(`${dir}/${name}`);
}

export function dirname(path: string): string {
  const norm = normalizePath(path);
  const i = norm.lastIndexOf('/');
  return i <= 0 ? '/' : norm.slice(0, i);
}

/** Every ancestor of a path, outermost first, excluding "/" and the path itself. */
export function ancestors(path: string): string[] {
  const parts = normalizePath(path).split('/').filter(Boolean);
  return parts.slice(0, -1).map((_, i) => '/' + parts.slice(0, i + 1).join('/'));
}

/** True if `path` equals `dir` or lies below it. */
export function isWithin(path: string, dir: string): boolean {
  // no `dir + '/'`: a mount list asks this thousands of times
  return dir === '/' || path === dir || (path.charCodeAt(dir.length) === 0x2f && path.startsWith(dir));
}

/**
 * Follows `path` component by component like the kernel would, recording each symlink.
 * Returns undefined if some component does not exist; throws on loops.
 */
export function resolveHostPath(host: HostFacts, path: string): ResolvedHostPath | undefined {
  if (!path.startsWith('/')) throw new JailctlError('PATH_UNSAFE', `${path}: not an absolute path`);
  const links: SymlinkHop[] = [];
  // ".." is applied where the walk has got to, after the symlinks before it, as the kernel does:
  // folding "a/.." away first would be wrong whenever a is a symlink to another directory
  const pending = path.split('/').filter((p) => p !== '' && p !== '.');
  let current = '/';
  let info: FileInfo | undefined = host.lstat('/');
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (name === '..') {
      // current has no symlink in it; after a file, ".." is ENOTDIR
      if (current !== '/' && host.lstat(current)?.kind !== 'dir') return undefined;
      current = dirname(current);
      info = host.lstat(current);
      continue;
    }
    const candidate = current === '/' ? `/${name}` : `${current}/${name}`;
    info = host.lstat(candidate);
    if (info === undefined) return undefined;
    if (info.kind !== 'symlink') {
      current = candidate;
      continue;
    }
    const target = host.readlink(candidate);
    if (target === undefined) return undefined;
    if (links.length >= MAX_LINKS) {
      throw new JailctlError('PATH_UNSAFE', `${path}: too many levels of symbolic links`);
    }
    links.push({ path: candidate, target });
    // ".." must apply to the directory the link sits in, so keep it in the pending list
    const rest = target.split('/').filter((p) => p !== '' && p !== '.');
    pending.unshift(...rest);
    if (target.startsWith('/')) current = '/';
  }
  if (info === undefined) return undefined;
  return { real: current, info, links };
}
