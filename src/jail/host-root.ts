// Another machine's root filesystem as HostFacts (`jailctl run --save-plan --root DIR`, edge):
// every path is the target's, looked up below DIR with the target's symlinks resolved inside
// DIR, as the device's kernel will resolve them (an absolute link leads to DIR, never to the
// build host's own files; ".." stops at DIR).
import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import { JailctlError, isErrnoError } from '../errors.js';
import { decodeRaw, fsPath } from '../io/raw-bytes.js';
import { createHostFs } from './host-fs.js';
import type { HostFacts } from './host.js';

const MAX_LINKS = 40;

export type RootLookup = { local: string } | { errno: 'ENOENT' | 'ENOTDIR' | 'EACCES' | 'ELOOP' };

function lstatQuietly(local: string): Stats | 'ENOENT' | 'ENOTDIR' | 'EACCES' {
  try {
    return lstatSync(fsPath(local));
  } catch (err) {
    if (isErrnoError(err) && (err.code === 'ENOENT' || err.code === 'ENOTDIR' || err.code === 'EACCES')) return err.code;
    throw err;
  }
}

function split(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

/** Where the target's `path` is below `root`; `follow`: resolve a final symlink too (stat),
 * else leave it (lstat). The local path holds no symlink below `root`. */
export function lookupInRoot(root: string, path: string, follow: boolean): RootLookup {
  const pending = split(path);
  const reached: string[] = [];
  const local = (parts: string[]) => `${root.replace(/\/+$/, '')}/${parts.join('/')}`;
  let links = 0;
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (name === '..') {
      reached.pop();
      continue;
    }
    const here = local([...reached, name]);
    const s = lstatQuietly(here);
    if (typeof s === 'string') return { errno: s };
    if (s.isSymbolicLink() && (pending.length > 0 || follow)) {
      if (++links > MAX_LINKS) return { errno: 'ELOOP' };
      const target = decodeRaw(readlinkSync(fsPath(here), { encoding: 'buffer' }));
      if (target.startsWith('/')) reached.length = 0;
      pending.unshift(...split(target));
      continue;
    }
    if (pending.length > 0 && !s.isDirectory()) return { errno: 'ENOTDIR' };
    reached.push(name);
  }
  return { local: local(reached) };
}

/** HostFacts of the machine whose root filesystem is `root`, of architecture `arch`. */
export function createRootedHost(root: string, arch: string): HostFacts {
  const s = lstatQuietly(root);
  if (typeof s === 'string' || !s.isDirectory()) {
    throw new JailctlError('PATH_MISSING', `--root ${root}: not a directory`, { path: root, hint: 'give the target\'s root filesystem (the image builder\'s staging directory)' });
  }
  return createHostFs({
    arch,
    locate: (path, follow) => {
      const found = lookupInRoot(root, path, follow);
      if ('local' in found) return found.local;
      if (found.errno === 'ELOOP') throw new JailctlError('PATH_UNSAFE', `${path}: too many levels of symbolic links below ${root}`, { path });
      return undefined;
    },
  });
}
