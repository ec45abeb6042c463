// Which symlinks a bind may follow on the host. A link a jailed service (or another user) could
// have planted must not redirect a later bind to where it points (the Kubernetes subPath
// pattern, CVE-2017-1002101). The rule, as README's "Security model" states it:
//   a link is followed only if it and every directory above it belong to root and no one else
//   may write there (a sticky directory counts as such), and it either stays inside the directory
//   holding it or lies in the host's system tree (/, /bin, /sbin, /lib*, /usr, /etc, /var itself)
//   outside every directory this jail binds read-write. Pure: reads only through HostFacts.
import { JailctlError } from '../errors.js';
import type { FileInfo, HostFacts } from './host.js';
import { ancestors, dirname, isWithin, resolveHostPath, type ResolvedHostPath, type SymlinkHop } from './host-paths.js';

/** Directories whose links are the distribution's own: merged /usr, /etc/alternatives, /lib64's
 * loader, /etc/resolv.conf -> /tmp/... on OpenWrt, /var/run -> /run. */
const SYSTEM_TREES = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/usr', '/etc'];
const SYSTEM_DIRS = ['/', '/var'];

export interface LinkBind {
  /** "--ro", "spec rw[1]", "ELF dependency" ... */
  origin: string;
  source: string;
  /** the jail path when given (SRC:DEST) */
  dest?: string;
  writable: boolean;
}

/** Why a link may not be followed, or undefined if it may. `writableDirs` are the canonical
 * sources of this jail's read-write directory binds. */
export function untrustedLink(host: HostFacts, hop: SymlinkHop, writableDirs: readonly string[]): string | undefined {
  const holder = dirname(hop.path);
  const owner = whoElseMayWrite(host, hop.path, host.lstat(hop.path));
  if (owner !== undefined) return owner;
  for (const dir of ['/', ...ancestors(hop.path)]) {
    const problem = whoElseMayWrite(host, dir, host.lstat(dir));
    if (problem !== undefined) return problem;
  }
  const system = (SYSTEM_DIRS.includes(holder) || SYSTEM_TREES.some((tree) => isWithin(holder, tree))) && !writableDirs.some((dir) => isWithin(hop.path, dir));
  if (system) return undefined;
  // kernel semantics, not lexical: ".." after a link inside the target climbs from where it led
  const lands = resolveHostPath(host, hop.target.startsWith('/') ? hop.target : `${holder}/${hop.target}`);
  if (lands !== undefined && isWithin(lands.real, holder)) return undefined;
  const where = writableDirs.some((dir) => isWithin(hop.path, dir)) ? 'inside a directory this jail binds read-write' : 'outside the system directories';
  return `it leads out of ${holder} and lies ${where}`;
}

/** undefined if only root could have written `path` (a file, link or directory). */
function whoElseMayWrite(host: HostFacts, path: string, info: FileInfo | undefined): string | undefined {
  if (info === undefined) return `${path} cannot be examined`;
  if (info.uid !== 0) return `${path} belongs to uid ${info.uid}`;
  const othersWrite = (info.mode & 0o022) !== 0;
  const sticky = (info.mode & 0o1000) !== 0;
  if (info.kind === 'dir' && othersWrite && !sticky) return `${path} is writable by ${info.mode & 0o002 ? 'everyone' : 'its group'}`;
  return undefined;
}

/** Throws PATH_UNSAFE for the first link on the bind's path that may not be followed. */
export function checkBindLinks(host: HostFacts, bind: LinkBind, resolved: ResolvedHostPath, writableDirs: readonly string[]): void {
  for (const hop of resolved.links) {
    const why = untrustedLink(host, hop, writableDirs);
    if (why === undefined) continue;
    throw new JailctlError('PATH_UNSAFE', `${bind.origin} ${bind.source}: symlink ${hop.path} -> ${hop.target} is not followed: ${why}, so a jail or another user could have planted it`, {
      path: hop.path,
      hint: remedy(bind, resolved.real),
    });
  }
}

/** What to do instead, by where the bind came from. */
function remedy(bind: LinkBind, real: string): string {
  const explicit = `${bind.writable ? '--rw' : '--ro'} ${real}:${bind.dest ?? bind.source}`;
  if (bind.origin === 'command') return `if ${real} is really meant, run it by its own path`;
  if (bind.origin === 'ELF dependency') return `if ${real} is really meant, bind the libraries yourself: --no-auto-libs ${explicit}`;
  return `if ${real} is really meant, bind it by its own path: ${explicit}`;
}
