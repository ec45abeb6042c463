// Library search directories as the dynamic loaders configure them: glibc's /etc/ld.so.conf
// (with nested, globbed includes) and musl's /etc/ld-musl-<arch>.path. Pure: reads through HostFacts.
import type { HostFacts } from './host.js';
import { dirname, joinPath } from './host-paths.js';

/** Directories listed by /etc/ld.so.conf and everything it includes, in order, without duplicates. */
export function readLdSoConf(host: HostFacts, file = '/etc/ld.so.conf'): string[] {
  const dirs: string[] = [];
  collect(host, file, dirs, new Set());
  return [...new Set(dirs)];
}

function collect(host: HostFacts, file: string, dirs: string[], visited: Set<string>): void {
  if (visited.has(file) || visited.size > 256) return; // include loops
  visited.add(file);
  const text = host.readText(file);
  if (text === undefined) return;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '' || line.startsWith('hwcap ')) continue;
    const include = /^include\s+(.+)$/.exec(line);
    if (include !== null) {
      for (const pattern of include[1]!.split(/\s+/)) {
        const absolute = pattern.startsWith('/') ? pattern : joinPath(dirname(file), pattern);
        for (const match of expandGlob(host, absolute)) collect(host, match, dirs, visited);
      }
      continue;
    }
    // old syntax allowed "dir=TYPE" and comma or colon lists
    for (const dir of line.split(/[\s,:]+/)) {
      const path = dir.replace(/=.*$/, '');
      if (path.startsWith('/')) dirs.push(path.replace(/\/+$/, '') || '/');
    }
  }
}

/** Expands * ? and [...] in the last path component, sorted like glob(3). */
export function expandGlob(host: HostFacts, pattern: string): string[] {
  const dir = dirname(pattern);
  const base = pattern.slice(pattern.lastIndexOf('/') + 1);
  if (!/[*?[]/.test(base)) return host.lstat(pattern) === undefined ? [] : [pattern];
  const regex = new RegExp(`^${globToRegex(base)}$`);
  return (host.readDir(dir) ?? []).filter((name) => !name.startsWith('.') && regex.test(name)).map((name) => joinPath(dir, name));
}

function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close < 0) { out += '\\['; continue; }
      const body = glob.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\');
      out += `[${body}]`;
      i = close;
    } else out += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return out;
}

/** musl's search path: /etc/ld-musl-ARCH.path (newline or colon separated) or its built-in default. */
export function readMuslPath(host: HostFacts, muslArch: string): string[] {
  const text = host.readText(`/etc/ld-musl-${muslArch}.path`);
  if (text === undefined) return ['/lib', '/usr/local/lib', '/usr/lib'];
  return text.split(/[\n:]+/).map((d) => d.trim()).filter((d) => d.startsWith('/'));
}
