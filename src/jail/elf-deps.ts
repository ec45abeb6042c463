// Every host file a program needs to start: `#!` interpreters, the ELF interpreter and the shared
// libraries, found the way glibc's ld.so or musl would (breadth first, by name and soname, the
// same search order). Pure: reads through HostFacts. Paths are returned as found in their search
// directory, so the jail tree can recreate the symlink chains that make sonames resolve.
import { JailctlError } from '../errors.js';
import { isElf, parseElf, parseShebang, BINPRM_BUF_SIZE, type ElfHeader, type ElfInfo } from './elf.js';
import type { HostFacts } from './host.js';
import { dirname, joinPath, normalizePath } from './host-paths.js';
import { resolveRealPath, type RealPath } from './host-realpath.js';
import { glibcLibToken, glibcSystemDirs, resolveLdSoConf, resolveMuslPath } from './ld-config.js';

export interface ElfDep {
  path: string;
  reason: string;
  kind: 'program' | 'script-interpreter' | 'interpreter' | 'library';
}

export interface ElfDeps {
  /** the program first, then in the order the kernel and the loader open them; each path once */
  files: ElfDep[];
  /** set when glibc's loader must expand $ORIGIN for the program itself: the program's real
   * directory, which the loader reads from /proc/self/exe (or, without /proc, LD_ORIGIN_PATH) */
  programOrigin?: string;
}

interface LoadedObject {
  /** the path the loader opened (the search directory + the name) */
  path: string;
  real: string;
  info: ElfInfo;
  /** $ORIGIN: the real directory of the program, the directory a library was found in */
  origin: string;
  /** the object whose DT_NEEDED brought this one in (glibc's l_loader, musl's needed_by) */
  loader: LoadedObject | undefined;
  /** names it was loaded under: later DT_NEEDED entries with these names reuse it */
  names: Set<string>;
}

interface Candidate { path: string; real: string }

/** a script and at most 4 levels of interpreter scripts below it (fs/exec.c exec_binprm: ELOOP after that) */
const MAX_SCRIPTS = 5;
const EM_MIPS = 8;
const EF_MIPS_ABI2 = 0x20;
const DF_1_NODEFLIB = 0x800;
const MISSING_HINT = 'or pass --no-auto-libs and bind what the program needs with --ro';
/** names musl serves from its own loader (libc.so) instead of loading a file (ldso/dynlink.c) */
const MUSL_RESERVED = /^lib(c|pthread|rt|m|dl|util|xnet)\./;
const AT_PLATFORM: Record<string, string> = { i386: 'i686' };

/**
 * What resolving several programs over one host can share, for a pass short enough that the host
 * does not change (a trace's mount list): the ELF files parsed, by real path, and ld.so.conf.
 */
export interface ElfDepsCache {
  infos: Map<string, ElfInfo>;
  confDirs?: string[];
  /** resolveRealPath over the host, or a cache of it (cachedRealPaths) */
  realPath?: (path: string) => RealPath | undefined;
}

export function newElfDepsCache(realPath?: (path: string) => RealPath | undefined): ElfDepsCache {
  return realPath === undefined ? { infos: new Map() } : { infos: new Map(), realPath };
}

/** Every host file `path` needs to run; see ElfDeps. */
export function resolveElfDeps(host: HostFacts, path: string, cache: ElfDepsCache = newElfDepsCache()): ElfDeps {
  const resolver = new Resolver(host, cache);
  resolver.add(path, 'the program itself', 'program');
  const elf = resolver.followScripts(path);
  if (elf !== undefined) resolver.loadProgram(elf);
  const origin = resolver.programOriginForGlibc();
  return origin === undefined ? { files: resolver.files } : { files: resolver.files, programOrigin: origin };
}

class Resolver {
  readonly files: ElfDep[] = [];
  private readonly listed = new Set<string>();
  private readonly infos: Map<string, ElfInfo>;
  private readonly displayDirs = new Map<string, string | undefined>();
  private readonly objects: LoadedObject[] = [];
  private musl = false;
  private interpreter = '';
  private interpreterReal: string | undefined;

  private readonly realPath: (path: string) => RealPath | undefined;

  constructor(private readonly host: HostFacts, private readonly cache: ElfDepsCache) {
    this.infos = cache.infos;
    this.realPath = cache.realPath ?? ((path) => resolveRealPath(host, path));
  }

  add(path: string, reason: string, kind: ElfDep['kind']): void {
    if (this.listed.has(path)) return;
    this.listed.add(path);
    this.files.push({ path, reason, kind });
  }

  /** Follows `#!` lines like the kernel; returns the ELF file that finally runs, if any. */
  followScripts(program: string): string | undefined {
    let current = program;
    for (let scripts = 0; ; scripts++) {
      const real = this.requireFile(current, () => new JailctlError('PATH_MISSING', `${program}: no such file on the host`, { path: program }));
      const head = this.host.readRange(real, 0, BINPRM_BUF_SIZE) ?? new Uint8Array();
      const shebang = parseShebang(head, current);
      // not ELF and not a script: binfmt_misc may run it; there is nothing to add
      if (shebang === undefined) return isElf(head) ? current : undefined;
      if (scripts >= MAX_SCRIPTS) {
        throw new JailctlError('COMMAND_NOT_EXECUTABLE', `${program}: "#!" interpreters nest more than ${MAX_SCRIPTS - 1} deep (at ${current}); execve would fail with ELOOP`, {
          path: program,
          hint: 'make one of the interpreters in the chain an executable program, not a script',
        });
      }
      const interpreter = shebang.interpreter;
      if (interpreter.endsWith('\r')) {
        throw missing(`${current}: its "#!" line ends in a carriage return (Windows line endings), so the kernel looks for an interpreter named "${interpreter.slice(0, -1)}\\r"`, current,
          `convert it to Unix line endings (sed -i 's/\\r$//' ${current})`);
      }
      const what = `"#!" interpreter ${interpreter} of ${current}`;
      this.requireAbsolute(interpreter, what, current);
      this.requireFile(interpreter, () => missing(`${what} does not exist`, current, `install ${interpreter}, fix the "#!" line, ${MISSING_HINT}`));
      this.add(interpreter, `#! interpreter of ${current}`, 'script-interpreter');
      current = interpreter;
    }
  }

  /** The executable, its PT_INTERP, then DT_NEEDED breadth first as _dl_map_object_deps does. */
  loadProgram(path: string): void {
    const real = this.realPath(path)!.real;
    // the kernel maps the program; its $ORIGIN comes from /proc/self/exe, a real path
    const main: LoadedObject = { path, real, info: this.parseProgram(real, path), origin: dirname(real), loader: undefined, names: new Set() };
    this.objects.push(main);
    const interpreter = main.info.interpreter;
    if (interpreter !== undefined) this.loadInterpreter(interpreter, path);
    const queue = [main];
    for (let i = 0; i < queue.length; i++) {
      for (const name of queue[i]!.info.needed) {
        const loaded = this.need(name, queue[i]!);
        if (loaded !== undefined) queue.push(loaded);
      }
    }
  }

  private loadInterpreter(interpreter: string, program: string): void {
    const what = `ELF interpreter ${interpreter} of ${program}`;
    this.requireAbsolute(interpreter, what, program);
    const real = this.requireFile(interpreter, () =>
      missing(`${what} does not exist`, program, `install the C library the program was built for, ${MISSING_HINT}`));
    this.add(interpreter, `interpreter of ${program}`, 'interpreter');
    const info = this.parse(real, interpreter);
    // its soname (ld-linux-x86-64.so.2) satisfies libc's DT_NEEDED without a search
    this.objects.push({ path: interpreter, real, info, origin: dirname(interpreter), loader: undefined, names: new Set([interpreter]) });
    this.interpreter = interpreter;
    this.interpreterReal = real;
    this.musl = interpreter.slice(interpreter.lastIndexOf('/') + 1).startsWith('ld-musl-');
  }

  /** One DT_NEEDED entry of `object`: reused if already loaded, else searched and listed. */
  private need(name: string, object: LoadedObject): LoadedObject | undefined {
    if (this.objects.some((o) => o.names.has(name) || o.path === name || (!this.musl && o.info.soname === name))) return undefined;
    if (this.musl && MUSL_RESERVED.test(name)) return undefined;
    const found = this.search(name, object);
    this.add(found.path, `elf-dep of ${object.path}`, 'library');
    // the same file under another path (a second symlink): loaded once, by dev/ino
    const same = this.objects.find((o) => o.real === found.real);
    if (same !== undefined) {
      same.names.add(name);
      return undefined;
    }
    const loaded = { path: found.path, real: found.real, info: this.parse(found.real, found.path), origin: dirname(found.path), loader: object, names: new Set([name]) };
    this.objects.push(loaded);
    return loaded;
  }

  private search(name: string, object: LoadedObject): Candidate {
    const skipped: string[] = [];
    if (name.includes('/')) {
      // used as a path; glibc expands $ORIGIN in it, and a relative one is relative to the
      // working directory, which is the jail's root when the program starts
      const path = this.musl ? name : this.expandTokens(name, object);
      const found = this.candidate(path.startsWith('/') ? path : `/${path}`, object.info, skipped);
      if (found !== undefined) return found;
      throw missing(`${name} (needed by ${object.path}) does not exist${skippedText(skipped)}`, object.path, `install it, ${MISSING_HINT}`);
    }
    const dirs = this.searchDirs(object);
    for (const dir of dirs) {
      // not joinPath: ".." after a symlinked directory must be applied physically
      const found = this.candidate(`${dir}/${name}`, object.info, skipped);
      if (found !== undefined) return found;
    }
    const where = dirs.length === 0 ? ' (no directory to search)' : ` in ${dirs.join(':')}`;
    throw missing(`${name} (needed by ${object.path}) was not found${where}${skippedText(skipped)}`, object.path,
      `install the package that provides ${name}, ${MISSING_HINT}`);
  }

  /**
   * glibc: DT_RPATH of the object and of the objects that loaded it (all ignored when the object
   * has DT_RUNPATH, and each one's own when it has one), then the object's DT_RUNPATH, then
   * ld.so.conf (the cache) and the system directories unless DF_1_NODEFLIB.
   * musl: DT_RUNPATH (else DT_RPATH) of the object and each loader, then its path file.
   */
  private searchDirs(object: LoadedObject): string[] {
    const dirs: string[] = [];
    if (this.musl) {
      for (let o: LoadedObject | undefined = object; o !== undefined; o = o.loader) dirs.push(...this.muslRpath(o));
      dirs.push(...resolveMuslPath(this.host, this.interpreter));
      return uniqueAbsolute(dirs);
    }
    if (object.info.runpath.length === 0) {
      for (let o: LoadedObject | undefined = object; o !== undefined; o = o.loader) {
        if (o.info.runpath.length === 0) dirs.push(...o.info.rpath.map((d) => this.expandTokens(d, o!)));
      }
    }
    dirs.push(...object.info.runpath.map((d) => this.expandTokens(d, object)));
    if ((object.info.flags1 & DF_1_NODEFLIB) === 0) {
      this.cache.confDirs ??= resolveLdSoConf(this.host);
      dirs.push(...this.cache.confDirs, ...glibcSystemDirs(object.info.class, this.interpreterReal));
    }
    return uniqueAbsolute(dirs);
  }

  /** musl expands only $ORIGIN and ${ORIGIN}; any other '$' makes it ignore the whole path. */
  private muslRpath(o: LoadedObject): string[] {
    const list = o.info.runpath.length > 0 ? o.info.runpath : o.info.rpath;
    if (list.some((d) => /\$(?!ORIGIN|\{ORIGIN\})/.test(d))) return [];
    return list.map((d) => d.replace(/\$(\{ORIGIN\}|ORIGIN)/g, () => o.origin));
  }

  /** glibc's dynamic string tokens (elf/dl-load.c is_dst): $ORIGIN, $LIB, $PLATFORM, or in braces. */
  private expandTokens(text: string, o: LoadedObject): string {
    return text.replace(/\$(?:\{(ORIGIN|LIB|PLATFORM)\}|(ORIGIN|LIB|PLATFORM)(?![A-Za-z0-9_]))/g, (_, braced?: string, bare?: string) => {
      const token = braced ?? bare;
      if (token === 'ORIGIN') return o.origin;
      if (token === 'LIB') return glibcLibToken(o.info.class, this.interpreterReal);
      return AT_PLATFORM[this.host.arch] ?? this.host.arch;
    });
  }

  /** `path` if it is a regular file the loader would accept for `wanted`; records skipped ones. */
  private candidate(path: string, wanted: ElfHeader, skipped: string[]): Candidate | undefined {
    const resolved = this.realPath(path);
    if (resolved === undefined || resolved.info.kind !== 'file') return undefined;
    const display = this.displayPath(path);
    // a file that is not ELF stops ld.so too ("invalid ELF header"): parseElf throws
    const header = this.parse(resolved.real, display);
    if (!compatible(header, wanted)) {
      skipped.push(`${display} (ELFCLASS${header.class} ${header.endian.toUpperCase()}, machine ${header.machine})`);
      return undefined;
    }
    return { path: display, real: resolved.real };
  }

  /**
   * The path as the loader opened it, without "." or "..": those are applied to the real
   * directory (as the kernel does), so the jail gets a path its symlinks can recreate.
   */
  private displayPath(path: string): string {
    if (!path.split('/').some((p) => p === '.' || p === '..')) return normalizePath(path);
    const dir = path.slice(0, path.lastIndexOf('/'));
    if (!this.displayDirs.has(dir)) this.displayDirs.set(dir, this.realPath(dir || '/')?.real);
    return joinPath(this.displayDirs.get(dir) ?? normalizePath(dir), path.slice(path.lastIndexOf('/') + 1));
  }

  /** The main program's $ORIGIN when glibc has to expand it (musl falls back to argv[0] itself). */
  programOriginForGlibc(): string | undefined {
    const main = this.objects[0];
    if (main === undefined || this.musl || this.interpreter === '') return undefined;
    const usesOrigin = [...main.info.rpath, ...main.info.runpath].some((d) => /\$(\{ORIGIN\}|ORIGIN(?![A-Za-z0-9_]))/.test(d));
    return usesOrigin ? main.origin : undefined;
  }

  /** The program execve maps: what the kernel refuses (a corrupt file, another machine's code) is
   * ENOEXEC there, exit 126, and said as such rather than as a missing library. */
  private parseProgram(real: string, shown: string): ElfInfo {
    let info: ElfInfo;
    try {
      info = this.parse(real, shown);
    } catch (err) {
      if (err instanceof JailctlError && err.code === 'ELF_MALFORMED') {
        throw new JailctlError('COMMAND_NOT_EXECUTABLE', `${err.message} (execve would fail with ENOEXEC)`, { path: shown, ...(err.hint === undefined ? {} : { hint: err.hint }) });
      }
      throw err;
    }
    const runs = HOST_MACHINES[this.host.arch];
    if (runs !== undefined && !runs.includes(info.machine)) {
      throw new JailctlError('COMMAND_NOT_EXECUTABLE', `${shown}: a program for ${MACHINE_NAMES[info.machine] ?? `ELF machine ${info.machine}`}; this host runs ${this.host.arch} (execve would fail with ENOEXEC)`, {
        path: shown,
        hint: 'run it on a machine of its kind; where binfmt_misc runs it (qemu-user), pass --no-auto-libs and bind its loader and libraries yourself',
      });
    }
    return info;
  }

  private parse(real: string, shown: string): ElfInfo {
    let info = this.infos.get(real);
    if (info === undefined) {
      info = parseElf((offset, length) => this.host.readRange(real, offset, length), shown);
      this.infos.set(real, info);
    }
    return info;
  }

  private requireFile(path: string, error: () => JailctlError): string {
    const resolved = this.realPath(path);
    if (resolved === undefined || resolved.info.kind !== 'file') throw error();
    return resolved.real;
  }

  private requireAbsolute(path: string, what: string, neededBy: string): void {
    if (path.startsWith('/')) return;
    throw missing(`${what} is not an absolute path (the kernel would look for it in the working directory)`, neededBy, 'use an absolute path');
  }
}

/** What glibc's open_verify and elf_machine_matches_host compare; a mismatch means "keep looking". */
function compatible(found: ElfHeader, wanted: ElfHeader): boolean {
  if (found.class !== wanted.class || found.endian !== wanted.endian || found.machine !== wanted.machine) return false;
  // o32 and n32 MIPS are both ELFCLASS32 EM_MIPS and must not be mixed
  return wanted.machine !== EM_MIPS || wanted.class === 64 || (found.flags & EF_MIPS_ABI2) === (wanted.flags & EF_MIPS_ABI2);
}

function uniqueAbsolute(dirs: string[]): string[] {
  // relative entries would be resolved against the working directory at run time: not followed
  return [...new Set(dirs.filter((d) => d.startsWith('/')))];
}

function skippedText(skipped: string[]): string {
  return skipped.length === 0 ? '' : `; skipped incompatible ${skipped.join(', ')}`;
}

/** e_machine values a kernel of each arch executes natively (64-bit kernels run their compat ABI). */
const HOST_MACHINES: Readonly<Record<string, readonly number[]>> = {
  x86_64: [62, 3], i386: [3], x32: [62, 3], aarch64: [183, 40], arm: [40],
  mips: [8], mipsel: [8], mips64: [8], mips64el: [8], mips64n32: [8], mipsel64n32: [8],
  riscv64: [243], powerpc: [20], ppc64le: [21, 20], ppc64: [21, 20], s390x: [22],
};
const MACHINE_NAMES: Readonly<Record<number, string>> = {
  3: 'i386', 8: 'MIPS', 20: 'PowerPC', 21: 'PowerPC64', 22: 's390', 40: 'ARM', 62: 'x86_64', 183: 'aarch64', 243: 'RISC-V',
};

function missing(message: string, path: string, hint: string): JailctlError {
  return new JailctlError('ELF_DEP_MISSING', message, { path, hint });
}

/** The ELF interpreter (PT_INTERP) `path` asks the kernel for, if it is a dynamic ELF program;
 * undefined for anything else or a file that cannot be read. For messages only. */
export function elfInterpreterOf(host: HostFacts, path: string): string | undefined {
  try {
    const real = resolveRealPath(host, path)?.real;
    if (real === undefined) return undefined;
    const head = host.readRange(real, 0, BINPRM_BUF_SIZE);
    if (head === undefined || !isElf(head)) return undefined;
    return parseElf((offset, length) => host.readRange(real, offset, length), path).interpreter;
  } catch {
    return undefined;
  }
}
