// Library search directories as the dynamic loaders configure them: glibc's /etc/ld.so.conf
// (nested, globbed includes), its built-in system directories and $LIB, and musl's
// /etc/ld-musl-<arch>.path. Pure: files are read only through HostFacts.
import type { HostFacts } from './host.js';
import { dirname, joinPath, normalizePath } from './host-paths.js';

export type LdSoConfLine = { kind: 'dir'; path: string } | { kind: 'include'; pattern: string };

/** musl's built-in path when /etc/ld-musl-<arch>.path does not exist */
export const MUSL_DEFAULT_PATH = ['/lib', '/usr/local/lib', '/usr/lib'];
const MAX_INCLUDE_DEPTH = 16;

/** One ld.so.conf file, read like ldconfig's parse_conf (glibc elf/ldconfig.c). */
export function parseLdSoConf(text: string): LdSoConfLine[] {
  const out: LdSoConfLine[] = [];
  for (const raw of text.split('\n')) {
    // the format has no quoting: '#' starts a comment anywhere
    const line = raw.split('#', 1)[0]!.replace(/^\s+/, '');
    if (line === '') continue;
    if (/^include[ \t]/.test(line)) {
      for (const pattern of line.slice(8).split(/[ \t]/)) if (pattern !== '') out.push({ kind: 'include', pattern });
    } else if (!/^hwcap[ \t]/i.test(line)) {
      // "dir=TYPE" is the libc5-era library type: the directory is what precedes '='
      let path = line.split('=', 1)[0]!.replace(/\s+$/, '');
      while (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
      if (path !== '') out.push({ kind: 'dir', path });
    }
  }
  return out;
}

/**
 * Directories named by `file` and everything it includes, in order, each once. Relative include
 * patterns are relative to the including file's directory; relative directories are dropped
 * (ld.so would resolve them against its working directory).
 */
export function resolveLdSoConf(host: HostFacts, file = '/etc/ld.so.conf'): string[] {
  const dirs: string[] = [];
  collectConf(host, file, dirs, []);
  return [...new Set(dirs)];
}

function collectConf(host: HostFacts, file: string, dirs: string[], stack: string[]): void {
  // ldconfig itself has no guard: an include loop would recurse until it crashed
  if (stack.includes(file) || stack.length >= MAX_INCLUDE_DEPTH) return;
  const text = host.readText(file);
  if (text === undefined) return;
  for (const line of parseLdSoConf(text)) {
    if (line.kind === 'dir') {
      if (line.path.startsWith('/')) dirs.push(normalizePath(line.path));
      continue;
    }
    const pattern = line.pattern.startsWith('/') ? line.pattern : `${dirname(file)}/${line.pattern}`;
    for (const match of resolveGlob(host, pattern)) collectConf(host, match, dirs, [...stack, file]);
  }
}

/** glob(3) without flags: * ? [...] and \ in any component, no implicit leading '.', sorted. */
export function resolveGlob(host: HostFacts, pattern: string): string[] {
  let paths = ['/'];
  for (const part of pattern.split('/').filter((p) => p !== '')) {
    const next: string[] = [];
    for (const dir of paths) {
      if (!hasMagic(part)) {
        next.push(joinPath(dir, part.replace(/\\(.)/g, '$1')));
        continue;
      }
      const regex = globRegex(part);
      for (const name of host.readDir(dir) ?? []) {
        if (regex.test(name) && (!name.startsWith('.') || part.startsWith('.'))) next.push(joinPath(dir, name));
      }
    }
    paths = next;
  }
  return paths.filter((p) => host.lstat(p) !== undefined).sort();
}

const hasMagic = (part: string): boolean => /(^|[^\\])[*?[]/.test(part);
const escapeRegex = (c: string): string => c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

function globRegex(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\' && i + 1 < glob.length) out += escapeRegex(glob[++i]!);
    else if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const bracket = bracketRegex(glob, i);
      out += bracket?.regex ?? '\\[';
      if (bracket !== undefined) i = bracket.end;
    } else out += escapeRegex(c);
  }
  return new RegExp(`^${out}$`, 's');
}

/** A [...] expression starting at `start`: '!' or '^' negates, a leading ']' is literal, a-z ranges. */
function bracketRegex(glob: string, start: number): { regex: string; end: number } | undefined {
  let i = start + 1;
  const negate = glob[i] === '!' || glob[i] === '^';
  if (negate) i++;
  let body = '';
  for (let first = true; i < glob.length && (first || glob[i] !== ']'); i++, first = false) {
    body += glob[i] === '-' ? '-' : escapeRegex(glob[i]!);
  }
  return i < glob.length ? { regex: `[${negate ? '^' : ''}${body}]`, end: i } : undefined;
}

/** musl's path file: directories separated by ':' or newlines (ldso/dynlink.c path_open). */
export function parseMuslPath(text: string): string[] {
  return text.split(/[:\n]/).filter((d) => d !== '');
}

/**
 * Where musl reads its search path: ld-musl-ARCH.so.1 looks for PREFIX/etc/ld-musl-ARCH.path,
 * PREFIX being the loader's path minus its last two components (/lib/ld-musl-x.so.1 -> "").
 */
export function muslPathFile(interpreter: string): string | undefined {
  const base = interpreter.slice(interpreter.lastIndexOf('/') + 1);
  const arch = /^ld-musl-(.+)\.so\.1$/.exec(base)?.[1];
  if (arch === undefined) return undefined;
  const slashes = [...interpreter].flatMap((c, i) => (c === '/' ? [i] : []));
  const prefix = interpreter.startsWith('/') && slashes.length >= 2 ? interpreter.slice(0, slashes[slashes.length - 2]) : '';
  return `${prefix}/etc/ld-musl-${arch}.path`;
}

/** musl's system search path for a program whose loader is `interpreter`. */
export function resolveMuslPath(host: HostFacts, interpreter: string): string[] {
  const file = muslPathFile(interpreter);
  const text = file === undefined ? undefined : host.readText(file);
  // an existing but empty file means "no system directories", as in musl
  if (text === undefined) return MUSL_DEFAULT_PATH;
  return parseMuslPath(text).filter((d) => d.startsWith('/')).map(normalizePath);
}

/**
 * The loader's slibdir as seen from where its real file lives: /usr/lib/x86_64-linux-gnu (Debian),
 * /usr/lib64 (Fedora) or /lib (OpenWrt) become /lib/x86_64-linux-gnu, /lib64, /lib.
 */
function slibdirOf(interpreterReal: string): string {
  return dirname(interpreterReal).replace(/^\/usr(?=\/)/, '');
}

/**
 * glibc's built-in directories, searched after ld.so.cache: its slibdir and libdir (found from
 * where the loader lives), then the usual ones for the class. Wrong-class libraries found here
 * are skipped by the caller, so the generous list costs nothing.
 */
export function glibcSystemDirs(elfClass: 32 | 64, interpreterReal: string | undefined): string[] {
  const slibdir = interpreterReal === undefined ? '/' : slibdirOf(interpreterReal);
  const own = slibdir === '/' ? [] : [slibdir, `/usr${slibdir}`];
  const usual = elfClass === 64 ? ['/lib64', '/usr/lib64', '/lib', '/usr/lib'] : ['/lib', '/usr/lib'];
  return [...new Set([...own, ...usual])];
}

/**
 * glibc's $LIB: the slibdir below "/" (Debian: "lib/x86_64-linux-gnu", Fedora x86_64: "lib64").
 * Upstream glibc uses only its last component; the two agree except on multiarch systems.
 */
export function glibcLibToken(elfClass: 32 | 64, interpreterReal: string | undefined): string {
  if (interpreterReal === undefined) return elfClass === 64 ? 'lib64' : 'lib';
  const slibdir = slibdirOf(interpreterReal).slice(1);
  return slibdir === '' ? 'lib' : slibdir;
}
