// An in-memory HostFacts for planner tests: a tree of files, directories and symlinks.
// Symlinks are resolved like the kernel does (relative to the link's directory, max 40 hops).
import type { FileInfo, FileKind, HostFacts } from '../../src/jail/host.js';
import { normalizePath as normalize } from '../../src/jail/host-paths.js';

export { normalize };

export type FakeNode =
  | { kind: 'file'; data: Uint8Array; mode?: number; uid?: number; gid?: number }
  | { kind: 'dir'; mode?: number; uid?: number }
  | { kind: 'symlink'; target: string; uid?: number }
  | { kind: 'char' | 'block' | 'fifo' | 'socket'; mode?: number };

/** Shorthand tree: string or Uint8Array = file, { symlink } = link, {} ending in / = dir. */
export type FakeTree = Record<string, string | Uint8Array | { symlink: string } | { dir: true } | FakeNode>;

export class FakeHost implements HostFacts {
  readonly arch: string;
  private readonly nodes = new Map<string, FakeNode>();

  constructor(tree: FakeTree = {}, arch = 'x86_64') {
    this.arch = arch;
    this.nodes.set('/', { kind: 'dir' });
    for (const [path, value] of Object.entries(tree)) this.add(path, value);
  }

  add(path: string, value: FakeTree[string]): this {
    const node = toNode(value);
    this.ensureParents(path);
    this.nodes.set(normalize(path), node);
    return this;
  }

  lstat(path: string): FileInfo | undefined {
    const node = this.lookup(path, false);
    return node === undefined ? undefined : infoOf(node);
  }

  readlink(path: string): string | undefined {
    const node = this.lookup(path, false);
    return node?.kind === 'symlink' ? node.target : undefined;
  }

  readRange(path: string, offset: number, length: number): Uint8Array | undefined {
    const node = this.lookup(path, true);
    if (node?.kind !== 'file') return undefined;
    return node.data.subarray(Math.min(offset, node.data.length), Math.min(offset + length, node.data.length));
  }

  readText(path: string): string | undefined {
    const node = this.lookup(path, true);
    return node?.kind === 'file' ? new TextDecoder().decode(node.data) : undefined;
  }

  readDir(path: string): string[] | undefined {
    const dir = this.resolve(path, true);
    if (dir === undefined || this.nodes.get(dir)?.kind !== 'dir') return undefined;
    const prefix = dir === '/' ? '/' : dir + '/';
    const names = new Set<string>();
    for (const key of this.nodes.keys()) {
      if (key !== dir && key.startsWith(prefix)) {
        const rest = key.slice(prefix.length);
        if (!rest.includes('/')) names.add(rest);
      }
    }
    return [...names].sort();
  }

  /** Canonical path of `path`, following symlinks in every component (and the last if followLast). */
  resolve(path: string, followLast: boolean): string | undefined {
    let hops = 0;
    const pending = normalize(path).split('/').filter(Boolean);
    let current = '/';
    while (pending.length > 0) {
      const name = pending.shift()!;
      const candidate = current === '/' ? `/${name}` : `${current}/${name}`;
      const node = this.nodes.get(candidate);
      if (node === undefined) return undefined;
      if (node.kind === 'symlink' && (pending.length > 0 || followLast)) {
        if (++hops > 40) return undefined;
        const target = node.target.startsWith('/') ? node.target : `${current}/${node.target}`;
        pending.unshift(...normalize(target).split('/').filter(Boolean));
        current = '/';
        continue;
      }
      current = candidate;
    }
    return current;
  }

  private lookup(path: string, followLast: boolean): FakeNode | undefined {
    const real = this.resolve(path, followLast);
    return real === undefined ? undefined : this.nodes.get(real);
  }

  private ensureParents(path: string): void {
    const parts = normalize(path).split('/').filter(Boolean);
    let current = '';
    for (const part of parts.slice(0, -1)) {
      current += `/${part}`;
      if (!this.nodes.has(current)) this.nodes.set(current, { kind: 'dir' });
    }
  }
}

function toNode(value: FakeTree[string]): FakeNode {
  if (typeof value === 'string') return { kind: 'file', data: new TextEncoder().encode(value) };
  if (value instanceof Uint8Array) return { kind: 'file', data: value };
  if ('symlink' in value) return { kind: 'symlink', target: value.symlink };
  if ('dir' in value) return { kind: 'dir' };
  return value;
}

function infoOf(node: FakeNode): FileInfo {
  const kind: FileKind = node.kind;
  const mode = 'mode' in node && node.mode !== undefined ? node.mode : node.kind === 'dir' ? 0o755 : 0o644;
  const size = node.kind === 'file' ? node.data.length : node.kind === 'symlink' ? node.target.length : 0;
  const uid = 'uid' in node ? (node.uid ?? 0) : 0;
  const gid = node.kind === 'file' ? (node.gid ?? 0) : 0;
  return { kind, mode, uid, gid, size };
}
