// The jail's file tree: which host files and directories appear where, which symlinks are
// recreated, and which directories must be made in the tmpfs root. Pure: host facts come in
// through HostFacts, the result is a list of entries in mount order.
import { JailctlError } from '../errors.js';
import type { FileKind, HostFacts } from './host.js';
import { ancestors, dirname, isWithin, joinPath, normalizePath, resolveHostPath, type ResolvedHostPath } from './host-paths.js';
import { checkBindLinks } from './link-trust.js';

export interface BindRequest {
  /** host path as given (may contain symlinks) */
  source: string;
  /** jail path; undefined = the same path as on the host, with its symlink chain recreated */
  dest?: string;
  writable: boolean;
  /** why it is there: "--ro /etc/hosts", "elf-dep of /usr/bin/ls" */
  reason: string;
  /** where the request came from, for error messages ("--ro", "spec ro[2]") */
  origin: string;
}

export type TreeEntry =
  | { kind: 'dir'; path: string }
  | { kind: 'symlink'; path: string; target: string; reason: string }
  | { kind: 'bind'; path: string; source: string; sourceKind: FileKind; writable: boolean; reason: string; createMountpoint: boolean };

interface BindEntry { path: string; source: string; sourceKind: FileKind; writable: boolean; reason: string }

/** Lays out binds and symlinks; throws JailctlError for missing sources, symlinks that may not
 * be followed (src/jail/link-trust.ts) and conflicts. */
export function buildJailTree(host: HostFacts, requests: readonly BindRequest[]): TreeEntry[] {
  const links = new Map<string, { target: string; reason: string }>();
  const binds = new Map<string, BindEntry>();
  const ordered = [...requests.filter((r) => r.dest === undefined), ...requests.filter((r) => r.dest !== undefined)];
  const resolvedAll = ordered.map((request) => resolveSource(host, request));
  const writableDirs = resolvedAll.filter((r, i) => ordered[i]!.writable && r.info.kind === 'dir').map((r) => r.real);
  for (const [i, request] of ordered.entries()) {
    const resolved = resolvedAll[i]!;
    checkBindLinks(host, request, resolved, writableDirs);
    let target: string;
    if (request.dest === undefined) {
      for (const hop of resolved.links) addLink(links, binds, hop.path, hop.target, request.reason);
      target = resolved.real;
    } else {
      target = canonicalJailPath(request.dest, links, request.origin);
    }
    addBind(binds, links, { path: target, source: resolved.real, sourceKind: resolved.info.kind, writable: request.writable, reason: request.reason }, request.origin);
  }
  return layout(host, binds, links);
}

function resolveSource(host: HostFacts, request: BindRequest): ResolvedHostPath {
  const resolved = resolveHostPath(host, request.source);
  if (resolved === undefined) {
    throw new JailctlError('PATH_MISSING', `${request.origin} ${request.source}: no such file or directory on the host`, {
      path: request.source,
      hint: 'check the path, or drop the bind',
    });
  }
  return resolved;
}

function addLink(links: Map<string, { target: string; reason: string }>, binds: Map<string, BindEntry>, path: string, target: string, reason: string): void {
  const existing = links.get(path);
  if (existing !== undefined) return; // the same host link, met twice
  if (binds.has(path)) {
    throw new JailctlError('JAIL_INVALID', `${path} is a symlink on the host but is also bound as a ${binds.get(path)!.sourceKind} in the jail`, { path });
  }
  links.set(path, { target, reason });
}

function addBind(binds: Map<string, BindEntry>, links: Map<string, { target: string; reason: string }>, entry: BindEntry, origin: string): void {
  if (links.has(entry.path)) {
    throw new JailctlError('JAIL_INVALID', `${origin} ${entry.path}: the jail already has a symlink there (${entry.path} -> ${links.get(entry.path)!.target})`, { path: entry.path });
  }
  const existing = binds.get(entry.path);
  if (existing === undefined) {
    binds.set(entry.path, entry);
    return;
  }
  if (existing.source !== entry.source) {
    throw new JailctlError('JAIL_INVALID', `${origin}: ${entry.path} is bound twice, from ${existing.source} and from ${entry.source}`, { path: entry.path });
  }
  // The same file asked for read-only (say as a library) and read-write: writable wins, as asked.
  if (entry.writable && !existing.writable) binds.set(entry.path, { ...existing, writable: true, reason: entry.reason });
}

/** Resolves a jail destination through the symlinks the jail will hold. */
function canonicalJailPath(dest: string, links: Map<string, { target: string; reason: string }>, origin: string): string {
  if (!dest.startsWith('/')) throw new JailctlError('PATH_UNSAFE', `${origin} destination ${dest}: must be an absolute path`, { path: dest });
  const pending = normalizePath(dest).split('/').filter(Boolean);
  let current = '/';
  let hops = 0;
  while (pending.length > 0) {
    const candidate = joinPath(current, pending.shift()!);
    const link = links.get(candidate);
    if (link === undefined) {
      current = candidate;
      continue;
    }
    if (++hops > 40) throw new JailctlError('PATH_UNSAFE', `${origin} destination ${dest}: too many levels of symbolic links`, { path: dest });
    pending.unshift(...link.target.split('/').filter((p) => p !== '' && p !== '.'));
    if (link.target.startsWith('/')) current = '/';
    // ".." components are resolved lexically against the canonical current directory
    while (pending[0] === '..') {
      pending.shift();
      current = dirname(current);
    }
  }
  return current;
}

/** Orders entries parents-first and decides which mountpoints and directories to create. */
function layout(host: HostFacts, binds: Map<string, BindEntry>, links: Map<string, { target: string; reason: string }>): TreeEntry[] {
  const paths = [...new Set([...binds.keys(), ...links.keys()])].sort(byDepthThenName);
  const dirBinds: BindEntry[] = [];
  const made = new Set<string>(['/']);
  const out: TreeEntry[] = [];
  for (const path of paths) {
    const enclosing = innermost(dirBinds, path);
    const bind = binds.get(path);
    const link = links.get(path);
    if (enclosing !== undefined) {
      const hostPath = joinPath(enclosing.source, path.slice(enclosing.path.length));
      const onHost = resolveHostPath(host, hostPath);
      if (link !== undefined) {
        if (host.readlink(hostPath) === link.target) continue; // already there through the bind
        throw new JailctlError('JAIL_INVALID', `cannot create symlink ${path} inside bind-mounted ${enclosing.path}`, { path });
      }
      if (bind === undefined) continue;
      if (onHost?.real === bind.source && bind.writable === enclosing.writable) continue; // covered
      if (onHost === undefined || onHost.links.length > 0 || !sameKind(onHost.info.kind, bind.sourceKind)) {
        throw new JailctlError('JAIL_INVALID', `cannot bind ${bind.source} at ${path}: it lies inside bind-mounted ${enclosing.path} (from ${enclosing.source}), which has no ${bind.sourceKind === 'dir' ? 'directory' : 'file'} there`, {
          path,
          hint: 'bind it somewhere else, or bind the enclosing directory read-write and create it there',
        });
      }
      out.push({ kind: 'bind', ...bind, createMountpoint: false });
    } else {
      for (const dir of ancestors(path)) {
        if (made.has(dir)) continue;
        if (links.has(dir) || (binds.has(dir) && binds.get(dir)!.sourceKind !== 'dir')) {
          throw new JailctlError('JAIL_INVALID', `${path} needs ${dir} to be a directory, but the jail has a ${links.has(dir) ? 'symlink' : 'file'} there`, { path });
        }
        if (binds.has(dir)) continue;
        made.add(dir);
        out.push({ kind: 'dir', path: dir });
      }
      if (link !== undefined) out.push({ kind: 'symlink', path, target: link.target, reason: link.reason });
      if (bind !== undefined) out.push({ kind: 'bind', ...bind, createMountpoint: true });
    }
    if (bind?.sourceKind === 'dir') {
      dirBinds.push(bind);
      made.add(path);
    }
  }
  return out;
}

function innermost(dirBinds: readonly BindEntry[], path: string): BindEntry | undefined {
  let best: BindEntry | undefined;
  for (const d of dirBinds) if (d.path !== path && isWithin(path, d.path) && (best === undefined || d.path.length > best.path.length)) best = d;
  return best;
}

function sameKind(a: FileKind, b: FileKind): boolean {
  return (a === 'dir') === (b === 'dir');
}

function byDepthThenName(a: string, b: string): number {
  const da = a.split('/').length;
  const db = b.split('/').length;
  return da !== db ? da - db : a < b ? -1 : a > b ? 1 : 0;
}
