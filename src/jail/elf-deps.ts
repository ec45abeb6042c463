// Everything a program needs from the host to start: its ELF interpreter, the shared libraries
// it needs transitively (found the way ld.so or musl would find them), and `#!` interpreters.
// Pure: reads through HostFacts. Paths are returned as found in their search directory, so the
// jail tree can recreate the symlink chains that make sonames resolve.
import { JailctlError } from '../errors.js';
import { isElf, parseElf, parseShebang, type ElfInfo } from './elf.js';
import type { HostFacts } from './host.js';
import { dirname, joinPath, resolveHostPath } from './host-paths.js';
import { readLdSoConf, readMuslPath } from './ld-config.js';

export interface ElfDep {
  path: string;
  reason: string;
}

export interface ElfDeps {
  files: ElfDep[];
}

interface LoadedObject {
  path: string;
  info: ElfInfo;
  /** the object that needed this one (for DT_RPATH inheritance), or undefined for the program */
  loader: LoadedObject | undefined;
}

const MAX_SHEBANG_DEPTH = 4;

class Resolver {
  readonly files: ElfDep[] = [];
  private readonly seen = new Set<string>();
  private readonly parsed = new Map<string, ElfInfo>();
  private confDirs: string[] | undefined;

  constructor(private readonly host: HostFacts) {}

  add(path: string, reason: string): boolean {
    if (this.seen.has(path)) return false;
    this.seen.add(path);
    this.files.push({ path, reason });
    return true;
  }

  /** The command (or an interpreter): script, static or dynamic executable. */
  visitProgram(path: string, depth: number): void {
    const head = this.host.readRange(path, 0, 256);
    if (head === undefined) throw new JailctlError('PATH_MISSING', `${path}: cannot read the file`, { path });
    const shebang = parseShebang(head, path);
    if (shebang !== undefined) {
      if (depth >= MAX_SHEBANG_DEPTH) throw new JailctlError('ELF_MALFORMED', `${path}: "#!" interpreters nest more than ${MAX_SHEBANG_DEPTH} deep`, { path });
      if (!shebang.interpreter.startsWith('/')) {
        throw new JailctlError('ELF_DEP_MISSING', `${path}: "#!" interpreter ${shebang.interpreter} is not an absolute path`, { path });
      }
      this.requireExists(shebang.interpreter, path, '#! interpreter');
      this.add(shebang.interpreter, `#! interpreter of ${path}`);
      // like the kernel, count the nesting even through a loop (ELOOP there, an error here)
      this.visitProgram(shebang.interpreter, depth + 1);
      return;
    }
    if (!isElf(head)) return; // a data file or an unknown format: nothing to add
    this.visitObject({ path, info: this.parse(path), loader: undefined });
  }

  private visitObject(object: LoadedObject): void {
    const { info, path } = object;
    if (info.interpreter !== undefined) {
      this.requireExists(info.interpreter, path, 'ELF interpreter');
      this.add(info.interpreter, `interpreter of ${path}`);
    }
    for (const name of info.needed) {
      const found = this.findLibrary(name, object);
      if (this.add(found, `elf-dep of ${path}`)) this.visitObject({ path: found, info: this.parse(found), loader: object });
    }
  }

  private findLibrary(name: string, object: LoadedObject): string {
    if (name.includes('/')) {
      const path = name.startsWith('/') ? name : joinPath(this.originOf(object.path), name);
      this.requireExists(path, object.path, 'library');
      return path;
    }
    const dirs = this.searchDirs(object);
    for (const dir of dirs) {
      const candidate = joinPath(dir, name);
      if (this.compatible(candidate, object.info)) return candidate;
    }
    throw new JailctlError('ELF_DEP_MISSING', `${name} (needed by ${object.path}) was not found in ${dirs.join(':')}`, {
      path: object.path,
      hint: 'install the library, or pass --no-auto-libs and bind what the program needs with --ro',
    });
  }

  /** glibc: RPATH of the object and its loaders (only when the object has no RUNPATH), then its
   * RUNPATH, then ld.so.conf, then the system directories. musl: RPATH/RUNPATH, then its path file. */
  private searchDirs(object: LoadedObject): string[] {
    const program = this.programOf(object);
    const musl = program.info.interpreter !== undefined && /\/ld-musl-/.test(program.info.interpreter);
    const expand = (dirs: string[], owner: LoadedObject) => dirs.map((d) => this.expandTokens(d, owner)).filter((d) => d.startsWith('/'));
    const own = [...expand(object.info.rpath, object), ...expand(object.info.runpath, object)];
    if (musl) return [...own, ...readMuslPath(this.host, muslArch(program.info.interpreter!))];
    const rpaths: string[] = [];
    if (object.info.runpath.length === 0) {
      for (let o: LoadedObject | undefined = object; o !== undefined; o = o.loader) rpaths.push(...expand(o.info.rpath, o));
    }
    this.confDirs ??= readLdSoConf(this.host);
    const system = object.info.bits === 64 ? ['/lib64', '/usr/lib64', '/lib', '/usr/lib'] : ['/lib', '/usr/lib', '/lib32', '/usr/lib32'];
    return [...new Set([...rpaths, ...expand(object.info.runpath, object), ...this.confDirs, ...system])];
  }

  private expandTokens(dir: string, owner: LoadedObject): string {
    return dir
      .replace(/\$(\{ORIGIN\}|ORIGIN)/g, () => this.originOf(owner.path))
      .replace(/\$(\{LIB\}|LIB)/g, owner.info.bits === 64 ? 'lib64' : 'lib')
      .replace(/\$(\{PLATFORM\}|PLATFORM)/g, this.host.arch);
  }

  private originOf(path: string): string {
    return dirname(resolveHostPath(this.host, path)?.real ?? path);
  }

  private programOf(object: LoadedObject): LoadedObject {
    let o = object;
    while (o.loader !== undefined) o = o.loader;
    return o;
  }

  /** ld.so skips libraries of another class or machine (an i386 libc for an x86_64 program). */
  private compatible(path: string, wanted: ElfInfo): boolean {
    const resolved = resolveHostPath(this.host, path);
    if (resolved === undefined || resolved.info.kind !== 'file') return false;
    const head = this.host.readRange(path, 0, 64);
    if (head === undefined || !isElf(head)) return false;
    const info = this.parse(path);
    return info.bits === wanted.bits && info.machine === wanted.machine;
  }

  private parse(path: string): ElfInfo {
    const real = resolveHostPath(this.host, path)?.real ?? path;
    let info = this.parsed.get(real);
    if (info === undefined) {
      info = parseElf((offset, length) => this.host.readRange(path, offset, length), path);
      this.parsed.set(real, info);
    }
    return info;
  }

  private requireExists(path: string, neededBy: string, what: string): void {
    const resolved = resolveHostPath(this.host, path);
    if (resolved === undefined || resolved.info.kind !== 'file') {
      throw new JailctlError('ELF_DEP_MISSING', `${what} ${path} (needed by ${neededBy}) does not exist`, {
        path: neededBy,
        hint: 'install it, or pass --no-auto-libs and bind what the program needs with --ro',
      });
    }
  }
}

/** musl names its loader ld-musl-ARCH.so.1 and its path file /etc/ld-musl-ARCH.path. */
function muslArch(interpreter: string): string {
  return /ld-musl-([^/]+?)\.so/.exec(interpreter)?.[1] ?? 'unknown';
}

/** Every host file `path` needs to run, interpreter and libraries first found first. */
export function resolveElfDeps(host: HostFacts, path: string): ElfDeps {
  const resolver = new Resolver(host);
  resolver.visitProgram(path, 0);
  return { files: resolver.files };
}
