// What a traced file syscall did to its path (pure): the syscall's kind, the open flags of the
// ABI that made it, and the path made absolute against the process's working directory or a
// directory descriptor it opened. No fs access: only the records are read.
import type { ArchName } from '../profile/arch.js';
import { joinPath, normalizePath } from '../jail/host-paths.js';
import { NO_DIRFD } from './records.js';

/** What a successful call needed from its path. */
export type FileUse = 'lookup' | 'read' | 'write' | 'exec' | 'create' | 'remove' | 'chdir';

type CallKind = 'open' | 'creat' | 'lookup' | 'exec' | 'create' | 'remove' | 'write' | 'chdir';

/** Syscalls by what they do to the path the tracer captured (src/trace/trace-plan.ts): for
 * rename, link and symlink that is the new name, which they create. */
const KINDS: Readonly<Record<string, CallKind>> = {
  open: 'open', openat: 'open', openat2: 'open', creat: 'creat',
  stat: 'lookup', lstat: 'lookup', stat64: 'lookup', lstat64: 'lookup', newfstatat: 'lookup', fstatat64: 'lookup',
  statx: 'lookup', statfs: 'lookup', statfs64: 'lookup', access: 'lookup', faccessat: 'lookup', faccessat2: 'lookup',
  readlink: 'lookup', readlinkat: 'lookup', getxattr: 'lookup', lgetxattr: 'lookup', inotify_add_watch: 'lookup',
  chroot: 'lookup', uselib: 'lookup',
  execve: 'exec', execveat: 'exec',
  mkdir: 'create', mkdirat: 'create', mknod: 'create', mknodat: 'create', symlink: 'create', symlinkat: 'create',
  link: 'create', linkat: 'create', rename: 'create', renameat: 'create', renameat2: 'create',
  rmdir: 'remove', unlink: 'remove', unlinkat: 'remove',
  truncate: 'write', truncate64: 'write', chmod: 'write', fchmodat: 'write', chown: 'write', lchown: 'write',
  fchownat: 'write', utimensat: 'write', utimes: 'write', setxattr: 'write',
  chdir: 'chdir',
};

const DIRECTORY_CALLS = new Set(['mkdir', 'mkdirat', 'rmdir', 'chdir', 'chroot']);

/** open(2) flag bits: asm-generic/fcntl.h, with the arches that differ (arm, powerpc, mips). */
interface OpenFlags { creat: number; excl: number; trunc: number; append: number; directory: number }
const GENERIC_FLAGS: OpenFlags = { creat: 0o100, excl: 0o200, trunc: 0o1000, append: 0o2000, directory: 0o200000 };
const ARM_FLAGS: OpenFlags = { ...GENERIC_FLAGS, directory: 0o40000 };
const MIPS_FLAGS: OpenFlags = { creat: 0x100, excl: 0x400, trunc: 0x200, append: 0x8, directory: 0o200000 };
const O_ACCMODE = 3;
const AT_FDCWD = -100;
const AT_REMOVEDIR = 0x200;

function openFlagsOf(abi: ArchName): OpenFlags {
  if (abi === 'arm' || abi === 'aarch64' || abi === 'powerpc' || abi === 'ppc64' || abi === 'ppc64le') return ARM_FLAGS;
  if (abi.startsWith('mips')) return MIPS_FLAGS;
  return GENERIC_FLAGS;
}

/** The meaning of one successful or failed call on a path. */
export interface PathCall {
  uses: FileUse[];
  /** the call made the path a directory (mkdir), needs one (chdir) or opened one (O_DIRECTORY) */
  directory: boolean;
  /** O_CREAT|O_EXCL: the file did not exist before */
  exclusive: boolean;
  /** O_CREAT without O_EXCL (or creat): created unless it existed */
  mayCreate: boolean;
}

/** Classifies a file syscall; undefined for syscalls that are not file syscalls. `flags` is the
 * captured flags/mode argument, or -1 when the capture has none. */
export function classifyPathCall(abi: ArchName, syscall: string, flags: bigint): PathCall | undefined {
  return classifyPathCallFlags(abi, syscall, flagsNumber(flags));
}

/** The captured flags argument as TraceRecordSink gives it: its low 32 bits, or -1 for none. */
export function flagsNumber(flags: bigint): number {
  return flags < 0n ? -1 : Number(BigInt.asUintN(32, flags));
}

/** The captured dirfd argument as TraceRecordSink gives it: an int, or NO_DIRFD for none (-1). */
export function dirfdNumber(dirfd: bigint): number {
  return dirfd === -1n ? NO_DIRFD : Number(BigInt.asIntN(32, dirfd));
}

/** classifyPathCall with the flags as flagsNumber gives them. */
export function classifyPathCallFlags(abi: ArchName, syscall: string, f: number): PathCall | undefined {
  const kind = KINDS[syscall];
  if (kind === undefined) return undefined;
  const directory = DIRECTORY_CALLS.has(syscall) || (syscall === 'unlinkat' && f >= 0 && (f & AT_REMOVEDIR) !== 0);
  const call: PathCall = { uses: [], directory, exclusive: false, mayCreate: false };
  switch (kind) {
    case 'open': return classifyOpen(abi, f, call);
    case 'creat': return { ...call, uses: ['write'], mayCreate: true };
    case 'lookup': return { ...call, uses: ['lookup'] };
    case 'exec': return { ...call, uses: ['exec'] };
    case 'create': return { ...call, uses: ['create'] };
    case 'remove': return { ...call, uses: ['remove'] };
    case 'write': return { ...call, uses: ['write'] };
    case 'chdir': return { ...call, uses: ['chdir'] };
  }
}

function classifyOpen(abi: ArchName, f: number, call: PathCall): PathCall {
  // openat2 passes its flags in struct open_how, which is not captured: counted as a read
  if (f < 0) return { ...call, uses: ['read'] };
  const bits = openFlagsOf(abi);
  const creat = (f & bits.creat) !== 0;
  const writes = (f & O_ACCMODE) !== 0 || creat || (f & (bits.trunc | bits.append)) !== 0;
  return {
    uses: [writes ? 'write' : 'read'],
    directory: (f & bits.directory) !== 0,
    exclusive: creat && (f & bits.excl) !== 0,
    mayCreate: creat && (f & bits.excl) === 0,
  };
}

/**
 * Working directories and directory descriptors per traced process, to make relative paths
 * absolute. Only what the trace shows is known: chdir() with a path, and directories opened
 * with O_DIRECTORY (what opendir(3) and `find` use); fchdir and descriptor passing are not
 * captured, so such paths stay relative and are reported as such.
 */
export class PathResolver {
  private readonly cwd = new Map<number, string>();
  private readonly dirFds = new Map<number, Map<number, string>>();
  private readonly initialCwd: string | undefined;

  constructor(initialCwd: string | undefined) {
    this.initialCwd = initialCwd;
  }

  /** A new process or thread starts with its parent's directory and descriptors. */
  spawn(pid: number, parent: number): void {
    const cwd = this.cwdOf(parent);
    if (cwd !== undefined) this.cwd.set(pid, cwd);
    const fds = this.dirFds.get(parent);
    if (fds !== undefined) this.dirFds.set(pid, new Map(fds));
  }

  /** The absolute path, or undefined when it is relative to something the trace cannot see. */
  resolve(pid: number, path: string, dirfd: bigint): string | undefined {
    return this.resolveAt(pid, path, dirfdNumber(dirfd));
  }

  /** resolve() with the dirfd as dirfdNumber gives it */
  resolveAt(pid: number, path: string, dirfd: number): string | undefined {
    if (path.charCodeAt(0) === 0x2f) return normalizePath(path);
    // NO_DIRFD: the syscall has no dirfd argument (open, stat ...), which means the working directory
    const base = dirfd === AT_FDCWD || dirfd === NO_DIRFD ? this.cwdOf(pid) : this.dirFds.get(pid)?.get(dirfd);
    return base === undefined ? undefined : joinPath(base, path);
  }

  /** Whether a successful `syscall` changes what later calls resolve against (see afterCall). */
  static movesBase(syscall: string): boolean {
    return syscall === 'chdir' || KINDS[syscall] === 'open';
  }

  /** Updates what later calls resolve against, after a call on `path` returned `ret`. */
  afterCall(pid: number, syscall: string, path: string | undefined, call: PathCall, ret: bigint | number): void {
    if (ret < 0 || path === undefined) return;
    if (syscall === 'chdir') this.cwd.set(pid, path);
    if (KINDS[syscall] !== 'open') return;
    let fds = this.dirFds.get(pid);
    if (fds === undefined) this.dirFds.set(pid, (fds = new Map()));
    // a descriptor number reused for a file no longer names the directory
    if (call.directory) fds.set(Number(ret), path);
    else fds.delete(Number(ret));
  }

  /** A descriptor the trace saw created for something else (a socket). */
  forgetFd(pid: number, fd: bigint | number): void {
    if (fd >= 0) this.dirFds.get(pid)?.delete(Number(fd));
  }

  private cwdOf(pid: number): string | undefined {
    return this.cwd.get(pid) ?? this.initialCwd;
  }
}
