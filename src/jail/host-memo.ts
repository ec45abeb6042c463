// HostFacts that remember what they read (pure wrapper): for one pass over thousands of paths
// that share their directories (a trace's mount list), each lstat, readlink and readdir of a
// path reaches the host once. Only for passes short enough that the host does not change.
import type { FileInfo, HostFacts } from './host.js';

export function memoizeHost(host: HostFacts): HostFacts {
  const lstats = new Map<string, FileInfo | undefined>();
  const links = new Map<string, string | undefined>();
  const dirs = new Map<string, string[] | undefined>();
  const remember = <T>(cache: Map<string, T>, path: string, read: (path: string) => T): T => {
    if (cache.has(path)) return cache.get(path) as T;
    const value = read(path);
    cache.set(path, value);
    return value;
  };
  return {
    arch: host.arch,
    lstat: (path) => remember(lstats, path, (p) => host.lstat(p)),
    readlink: (path) => remember(links, path, (p) => host.readlink(p)),
    // a copy: callers may sort or change the list they get
    readDir: (path) => remember(dirs, path, (p) => host.readDir(p))?.slice(),
    readRange: (path, offset, length) => host.readRange(path, offset, length),
    readText: (path) => host.readText(path),
  };
}
