// HostFacts that remember what they read (pure wrapper): for one pass over thousands of paths
// that share their directories (a trace's mount list), each lstat, readlink and readdir of a
// path reaches the host once. Only for passes short enough that the host does not change.
import type { FileInfo, HostFacts } from './host.js';

export function memoizeHost(host: HostFacts): HostFacts {
  // null stands for a remembered undefined: one lookup per call
  const lstats = new Map<string, FileInfo | null>();
  const links = new Map<string, string | null>();
  const dirs = new Map<string, string[] | null>();
  return {
    arch: host.arch,
    lstat: (path) => {
      let info = lstats.get(path);
      if (info === undefined) lstats.set(path, (info = host.lstat(path) ?? null));
      return info ?? undefined;
    },
    readlink: (path) => {
      let target = links.get(path);
      if (target === undefined) links.set(path, (target = host.readlink(path) ?? null));
      return target ?? undefined;
    },
    // a copy: callers may sort or change the list they get
    readDir: (path) => {
      let names = dirs.get(path);
      if (names === undefined) dirs.set(path, (names = host.readDir(path) ?? null));
      return names?.slice();
    },
    readRange: (path, offset, length) => host.readRange(path, offset, length),
    readText: (path) => host.readText(path),
  };
}
