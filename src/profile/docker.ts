// Docker's and Podman's own profile format (moby/profiles seccomp/default.json, containers/common
// seccomp.json) -> the OCI shape, decided as dockerd's conversion decides it (moby/profiles
// seccomp/seccomp_linux.go setupSeccomp) for one arch, one capability set and one kernel version:
// - "archMap": the entry of the target arch gives "architectures" (itself and its sub-arches);
// - "includes"/"excludes" by "arches" (libseccomp's names: amd64, arm64, x86 ...), "caps" (the
//   bounding set) and "minKernel" ("4.8", major.minor) keep or leave out a whole entry: excluded
//   if any excluded arch or cap matches or the kernel is at least minKernel; included only if the
//   arch is listed, every cap is held and the kernel is at least minKernel;
// - "name" is a one-name "names"; "comment" is ignored; Podman's "errno"/"defaultErrno" name an
//   errno (EPERM), resolved for each target arch.
// Pure: the caller says which arch, capabilities and kernel to decide for.
import { ARCHES, ARCH_NAMES, type ArchName } from './arch.js';
import { resolveErrno } from './errno.js';
import type { OciArg, OciOrigin, OciProfile, OciSyscall, Problem } from './formats.js';

/** What a Docker-format profile is decided for. */
export interface DockerOptions {
  /** the arch (dockerd: its own); without it the file cannot be decided */
  arch?: ArchName;
  /** the capability bounding set, CAP_* names (default: Docker's default set, DOCKER_DEFAULT_CAPS) */
  caps?: readonly string[];
  /** kernel release minKernel is compared with ("6.1.0-18-amd64"); needed only when a rule has minKernel */
  kernel?: string;
}

/** How a Docker-format profile was decided (for summaries and explain). */
export interface DockerDecision {
  arch: ArchName;
  caps: string[];
  /** "Docker's default capabilities" or the list */
  capsLabel: string;
  kernel?: string;
  /** entries in the file, and how many apply */
  entries: number;
  kept: number;
}

/** `docker run` without --cap-add/--cap-drop (moby oci/caps/defaults.go). */
export const DOCKER_DEFAULT_CAPS: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** libseccomp's native arch names, as "arches" spells them (dockerd's goToNative, podman's GetNativeArch). */
export const DOCKER_ARCH_NAMES: Readonly<Record<ArchName, string>> = {
  x86_64: 'amd64', i386: 'x86', x32: 'x32', aarch64: 'arm64', arm: 'arm', mips: 'mips', mipsel: 'mipsel',
  mips64: 'mips64', mips64el: 'mipsel64', mips64n32: 'mips64n32', mipsel64n32: 'mipsel64n32', riscv64: 'riscv64',
  powerpc: 'ppc', ppc64: 'ppc64', ppc64le: 'ppc64le',
};

interface DockerFilter { caps?: string[] | null; arches?: string[] | null; minKernel?: string | null }
interface DockerSyscall {
  name?: string; names?: string[] | null; action: string; errnoRet?: number; errno?: string; args?: OciArg[] | null;
  includes?: DockerFilter | null; excludes?: DockerFilter | null;
}
export interface DockerProfile {
  defaultAction: string; defaultErrnoRet?: number; defaultErrno?: string; architectures?: string[] | null;
  archMap?: { architecture: string; subArchitectures?: string[] | null }[] | null; flags?: string[] | null;
  listenerPath?: string; syscalls?: DockerSyscall[] | null;
}

const DOCKER_ENTRY_KEYS = ['name', 'includes', 'excludes', 'errno'];

/** Docker's format has keys the OCI one lacks; a file using none of them is read as OCI. */
export function isDockerFormat(json: object): boolean {
  if ('archMap' in json || 'defaultErrno' in json) return true;
  const syscalls = (json as { syscalls?: unknown }).syscalls;
  return Array.isArray(syscalls) && syscalls.some((e) => e !== null && typeof e === 'object' && DOCKER_ENTRY_KEYS.some((k) => k in e));
}

interface KernelVersion { kernel: number; major: number }

/** Docker JSON (schema-valid) -> OCI JSON for convertOci, with each kept entry's JSON path. */
export function decideDocker(json: DockerProfile, options: DockerOptions, problems: Problem[]): { oci: OciProfile; origin: OciOrigin } {
  const arch = options.arch ?? 'x86_64';
  if (options.arch === undefined) problems.push({ path: '(top level)', message: 'a Docker-format profile (archMap, includes, excludes) is decided for one architecture, and none was given: pass --arch' });
  const caps = (options.caps ?? DOCKER_DEFAULT_CAPS).map(normalizeCap);
  const kernel = options.kernel === undefined ? undefined : parseRelease(options.kernel);
  if (options.kernel !== undefined && kernel === undefined) problems.push({ path: '(top level)', message: `kernel release "${options.kernel}" does not start with MAJOR.MINOR: pass --kernel 6.1` });
  const native = DOCKER_ARCH_NAMES[arch];
  const entries = json.syscalls ?? [];
  const syscalls: OciSyscall[] = [];
  const entryPaths: string[] = [];
  entries.forEach((entry, i) => {
    const at = `/syscalls/${i}`;
    const ctx: FilterContext = { native, caps, kernel, problems };
    if (!applies(entry, at, ctx)) return;
    syscalls.push(toOciEntry(entry, at, problems));
    entryPaths.push(at);
  });
  const oci: OciProfile = { defaultAction: json.defaultAction, architectures: architecturesFor(json, arch, problems), syscalls };
  if (json.defaultErrno !== undefined) setErrnoName(oci, json.defaultErrno, '/defaultErrno', problems);
  else if (json.defaultErrnoRet !== undefined) oci.defaultErrnoRet = json.defaultErrnoRet;
  if (json.flags) oci.flags = json.flags;
  if (json.listenerPath !== undefined) oci.listenerPath = json.listenerPath;
  const decision: DockerDecision = {
    arch, caps, capsLabel: options.caps === undefined ? "Docker's default capabilities" : caps.length === 0 ? 'no capabilities' : caps.join(','),
    entries: entries.length, kept: syscalls.length,
  };
  if (options.kernel !== undefined) decision.kernel = options.kernel;
  return { oci, origin: { entryPaths, declaredArchitectures: declaredArches(json), docker: decision } };
}

/** dockerd: the archMap entry of its own arch, else "architectures"; both at once is refused. */
function architecturesFor(json: DockerProfile, arch: ArchName, problems: Problem[]): string[] {
  const archMap = json.archMap ?? [];
  if (archMap.length > 0 && (json.architectures ?? []).length > 0) {
    problems.push({ path: '/archMap', message: 'both "architectures" and "archMap" are given: dockerd refuses that; keep one' });
  }
  const own = archMap.find((a) => a.architecture === ARCHES[arch].scmpName);
  return own === undefined ? (json.architectures ?? []) : [own.architecture, ...(own.subArchitectures ?? [])];
}

/** Every arch the file is written for: archMap, architectures, and the arches its filters name. */
function declaredArches(json: DockerProfile): ArchName[] {
  const scmp = new Set([...(json.architectures ?? []), ...(json.archMap ?? []).flatMap((a) => [a.architecture, ...(a.subArchitectures ?? [])])]);
  const natives = new Set((json.syscalls ?? []).flatMap((e) => [...(e.includes?.arches ?? []), ...(e.excludes?.arches ?? [])]));
  return ARCH_NAMES.filter((a) => scmp.has(ARCHES[a].scmpName) || natives.has(DOCKER_ARCH_NAMES[a]));
}

interface FilterContext { native: string; caps: readonly string[]; kernel: KernelVersion | undefined; problems: Problem[] }

/** dockerd's order: excludes (arches, caps, minKernel), then includes (arches, caps, minKernel). */
function applies(entry: DockerSyscall, at: string, ctx: FilterContext): boolean {
  const ex = entry.excludes ?? {};
  if ((ex.arches ?? []).includes(ctx.native)) return false;
  if ((ex.caps ?? []).some((c) => ctx.caps.includes(normalizeCap(c)))) return false;
  if (ex.minKernel && kernelAtLeast(ex.minKernel, `${at}/excludes/minKernel`, ctx) === true) return false;
  const inc = entry.includes ?? {};
  if ((inc.arches ?? []).length > 0 && !inc.arches!.includes(ctx.native)) return false;
  if ((inc.caps ?? []).some((c) => !ctx.caps.includes(normalizeCap(c)))) return false;
  if (inc.minKernel && kernelAtLeast(inc.minKernel, `${at}/includes/minKernel`, ctx) === false) return false;
  return true;
}

/** Only kernel and major revision count: "3.12.25-gentoo" and "3.12-1-amd64" are both 3.12. */
function kernelAtLeast(min: string, path: string, ctx: FilterContext): boolean | undefined {
  const parts = min.split('.');
  const [kernel, major] = parts.map(Number);
  if (parts.length !== 2 || !parts.every((p) => /^\d{1,3}$/.test(p)) || kernel! > 255 || major! > 255 || (kernel === 0 && major === 0)) {
    ctx.problems.push({ path, message: `${JSON.stringify(min)} is not a kernel version: write "<kernel>.<major>", such as "4.8"` });
    return undefined;
  }
  if (ctx.kernel === undefined) {
    ctx.problems.push({ path, message: `${JSON.stringify(min)}: the kernel version to compare with is unknown: pass --kernel` });
    return undefined;
  }
  return ctx.kernel.kernel > kernel! || (ctx.kernel.kernel === kernel && ctx.kernel.major >= major!);
}

function parseRelease(release: string): KernelVersion | undefined {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m === null ? undefined : { kernel: Number(m[1]), major: Number(m[2]) };
}

function toOciEntry(entry: DockerSyscall, at: string, problems: Problem[]): OciSyscall {
  if (entry.name !== undefined && (entry.names ?? []).length > 0) {
    problems.push({ path: `${at}/name`, message: 'both "name" and "names" are given: dockerd refuses that; move the name into "names"' });
  }
  const out: OciSyscall = { names: entry.name !== undefined ? [entry.name] : (entry.names ?? null), action: entry.action };
  if (entry.args !== undefined) out.args = entry.args;
  if (entry.errno !== undefined) setErrnoName(out, entry.errno, `${at}/errno`, problems);
  else if (entry.errnoRet !== undefined) out.errnoRet = entry.errnoRet;
  return out;
}

/** Podman: a number in a string is that number, else an errno name (per target arch later). */
function setErrnoName(target: { errnoRet?: number; defaultErrnoRet?: number; errnoName?: string; defaultErrnoName?: string }, errno: string, path: string, problems: Problem[]): void {
  const isDefault = path === '/defaultErrno';
  if (/^\d+$/.test(errno)) {
    if (isDefault) target.defaultErrnoRet = Number(errno);
    else target.errnoRet = Number(errno);
    return;
  }
  const name = errno.toUpperCase();
  if (resolveErrno('generic', name) === undefined) problems.push({ path, message: `${JSON.stringify(errno)} is not an errno name: write one such as "EPERM" or "ENOSYS", or a number` });
  if (isDefault) target.defaultErrnoName = name;
  else target.errnoName = name;
}

function normalizeCap(cap: string): string {
  const upper = cap.trim().toUpperCase();
  return upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
}
