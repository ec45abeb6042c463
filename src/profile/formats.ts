// The profile file formats -> the normalized SeccompProfile (model.ts), remembering where each
// rule came from so every later message can name its JSON path. Input here has already passed
// the JSON schema (profiles/schema/seccomp-*.schema.json); this file checks what a schema cannot
// say (argument index 0-5, errno ranges ...). Pure. Docker's own format is decided into the OCI
// shape first (docker.ts).
//
// OCI runtime-spec linux.seccomp, with runc's semantics (libcontainer/seccomp/seccomp_linux.go):
// - conditions of one `syscalls[]` entry are ANDed, EXCEPT when two of them test the same
//   argument index: then every condition of the entry becomes a rule of its own (ORed). runc
//   does this ("argCounts") because libseccomp cannot AND two tests of one argument, and
//   profiles in the wild rely on it (Docker's personality/clone rules).
// - SCMP_ACT_KILL is SCMP_ACT_KILL_THREAD (SECCOMP_RET_KILL kills the calling thread only).
// - SCMP_ACT_ERRNO without errnoRet returns EPERM; SCMP_ACT_TRACE without it passes EPERM (1)
//   to the tracer as runc does. errnoRet on any other action is ignored (runc does), a warning.
// - SCMP_CMP_MASKED_EQ without valueTwo tests (arg & value) == 0 (Go's zero value in runc).
// - what runc accepts and ignores ("names": [], "args": null, valueTwo on other tests,
//   listenerPath without a notify rule, errnoRet above MAX_ERRNO) is accepted with a warning
//   (findings.ts), an error under --strict.
// procd legacy {"whitelist": [...], "policy": N}: the names are allowed; policy 0 (or none) kills
// the thread (SECCOMP_RET_KILL), any other value is SECCOMP_RET_TRACE with that value as data.
import { ARCHES, ARCH_NAMES, type ArchName } from './arch.js';
import type { DockerDecision } from './docker.js';
import type { WarningKind } from './findings.js';
import { nearestName } from './nearest.js';
import type { Action, ArgCond, ArgOp, FilterFlag, Rule, SeccompProfile } from './model.js';

/** OCI runtime-spec, procd's legacy whitelist, or Docker's/Podman's own format (archMap, includes ...). */
export type ProfileFormat = 'oci' | 'legacy' | 'docker';

/** One problem: where (file, JSON pointer) and what, in words that say what is accepted. */
export interface Problem {
  /** set when the problem is in another file than the one being read (merge) */
  file?: string;
  /** JSON pointer (/syscalls/3/names/1) or "(top level)" */
  path: string;
  message: string;
  /** set when runc, crun or procd accept this: a warning (what it names is ignored) unless --strict */
  warning?: WarningKind;
  /** the syscall name or key the finding is about, for the summary of a long list */
  subject?: string;
}

/** Where one rule of the profile came from. */
export interface RuleSource {
  /** JSON pointer of the syscall name: /syscalls/3/names/1 or /whitelist/4 */
  path: string;
  /** the action as written: SCMP_ACT_KILL, or "whitelist" for the legacy format */
  actionName: string;
}

export interface ParsedProfile {
  format: ProfileFormat;
  profile: SeccompProfile;
  /** where each rule of profile.rules came from, index for index */
  sources: RuleSource[];
  /** the default action as written (SCMP_ACT_KILL, "policy 0") */
  defaultActionName: string;
  /** OCI architectures jailctl does not build filters for (s390x ...): never seen on its targets */
  ignoredArchitectures: string[];
  /**
   * Arches the file says it is written for, whose syscall names are therefore expected in it
   * (OCI: "architectures"; Docker: every arch of "archMap" and "includes"/"excludes").
   */
  declaredArchitectures: ArchName[];
  /** Docker format: for what the conditional entries were decided */
  docker?: DockerDecision;
}

/** OCI architecture names of ABIs jailctl has no syscall table for. */
const FOREIGN_OCI_ARCHES = ['LOONGARCH64', 'M68K', 'S390', 'S390X', 'SH', 'SHEB', 'PARISC', 'PARISC64'].map((a) => `SCMP_ARCH_${a}`);
const ERRNO_ACTIONS = ['SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE'];
const NOT_ERRNO = 'only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno';
/** Names people write for an arch, as OCI spells it (Go, Debian and uname names). */
const ARCH_ALIASES: Readonly<Record<string, string>> = {
  AMD64: 'X86_64', X64: 'X86_64', I386: 'X86', I686: 'X86', IA32: 'X86', ARM64: 'AARCH64', ARMHF: 'ARM', ARMEL: 'ARM',
  PPC64EL: 'PPC64LE', POWERPC: 'PPC', RISCV: 'RISCV64', MIPS64EL: 'MIPSEL64', MIPS64LE: 'MIPSEL64', MIPSLE: 'MIPSEL',
};
/** The kernel clamps larger errno values (MAX_ERRNO). */
const MAX_ERRNO = 4095;
const U64_MAX = (1n << 64n) - 1n;

export interface OciArg { index: number; value: number | bigint; valueTwo?: number | bigint; op: string }
export interface OciSyscall {
  names?: string[] | null; action: string; errnoRet?: number; args?: OciArg[] | null;
  /** Docker/Podman "errno": an errno name, resolved for each target arch */
  errnoName?: string;
}
export interface OciProfile {
  defaultAction: string; defaultErrnoRet?: number; architectures?: string[]; flags?: string[];
  listenerPath?: string; syscalls?: OciSyscall[] | null;
  /** Docker/Podman "defaultErrno": an errno name */
  defaultErrnoName?: string;
}

/** Where the entries of an OciProfile came from, when it was made from another format. */
export interface OciOrigin {
  /** JSON path of each entry of `syscalls` in the file (default /syscalls/INDEX) */
  entryPaths?: string[];
  declaredArchitectures?: ArchName[];
  docker?: DockerDecision;
}
interface LegacyProfile { whitelist: string[]; policy?: number }

/** procd legacy if it has the legacy keys, OCI otherwise (the schema then names stray keys). */
export function detectFormat(json: unknown, isDocker: (json: object) => boolean): ProfileFormat {
  const isObject = json !== null && typeof json === 'object' && !Array.isArray(json);
  if (!isObject) return 'oci';
  if ('whitelist' in json || 'policy' in json) return 'legacy';
  return isDocker(json) ? 'docker' : 'oci';
}

export function convertLegacy(json: LegacyProfile): ParsedProfile {
  const policy = json.policy ?? 0;
  const defaultAction: Action = policy === 0 ? { kind: 'KILL_THREAD' } : { kind: 'TRACE', data: policy };
  const rules: Rule[] = json.whitelist.map((syscall) => ({ syscall, action: { kind: 'ALLOW' }, args: [] }));
  return {
    format: 'legacy',
    profile: { defaultAction, architectures: [], flags: [], rules },
    sources: json.whitelist.map((_, i) => ({ path: `/whitelist/${i}`, actionName: 'whitelist' })),
    defaultActionName: `policy ${policy}`,
    ignoredArchitectures: [],
    declaredArchitectures: [],
  };
}

/** OCI JSON (schema-valid) -> model; problems the schema cannot express are pushed to `problems`. */
export function convertOci(json: OciProfile, problems: Problem[], origin: OciOrigin = {}): ParsedProfile {
  const defaultAction = convertAction({ name: json.defaultAction, errnoRet: json.defaultErrnoRet, errnoName: json.defaultErrnoName }, json.defaultErrnoName === undefined ? '/defaultErrnoRet' : '/defaultErrno', problems);
  const { architectures, ignored } = convertArchitectures(json.architectures ?? [], problems);
  const entries = json.syscalls ?? [];
  checkListener(json, entries, problems);
  const rules: Rule[] = [];
  const sources: RuleSource[] = [];
  entries.forEach((entry, i) => {
    const at = origin.entryPaths?.[i] ?? `/syscalls/${i}`;
    const action = convertAction({ name: entry.action, errnoRet: entry.errnoRet, errnoName: entry.errnoName }, `${at}/${entry.errnoName === undefined ? 'errnoRet' : 'errno'}`, problems);
    const conds = (entry.args ?? []).map((arg, j) => convertArg(arg, `${at}/args/${j}`, problems));
    const names = entry.names ?? [];
    if (names.length === 0) problems.push({ path: `${at}/names`, message: `${entry.names === null ? 'null' : 'no names'}: the entry applies to no syscall and is ignored`, warning: 'no-names' });
    names.forEach((syscall, k) => {
      for (const args of splitConditions(conds)) {
        rules.push({ syscall, action, args });
        sources.push({ path: `${at}/names/${k}`, actionName: entry.action });
      }
    });
  });
  const parsed: ParsedProfile = {
    format: origin.docker === undefined ? 'oci' : 'docker',
    profile: { defaultAction, architectures, flags: (json.flags ?? []) as FilterFlag[], rules },
    sources,
    defaultActionName: json.defaultAction,
    ignoredArchitectures: ignored,
    declaredArchitectures: [...new Set([...architectures, ...(origin.declaredArchitectures ?? [])])],
  };
  if (origin.docker !== undefined) parsed.docker = origin.docker;
  return parsed;
}

/** runc hands the notify fd to listenerPath only when a rule notifies; otherwise it is unused. */
function checkListener(json: OciProfile, entries: readonly OciSyscall[], problems: Problem[]): void {
  if (json.listenerPath === undefined || json.defaultAction === 'SCMP_ACT_NOTIFY' || entries.some((e) => e.action === 'SCMP_ACT_NOTIFY')) return;
  problems.push({ path: '/listenerPath', message: `${JSON.stringify(json.listenerPath)} is ignored: no rule is SCMP_ACT_NOTIFY, so there is nothing to listen to`, warning: 'listener-unused' });
}

/** runc: if any argument index is tested twice, each condition is a rule of its own (OR). */
function splitConditions(conds: ArgCond[]): ArgCond[][] {
  const indexes = conds.map((c) => c.index);
  const repeated = indexes.some((index, i) => indexes.indexOf(index) !== i);
  return repeated ? conds.map((c) => [c]) : [conds];
}

interface ActionSpec { name: string; errnoRet?: number | undefined; errnoName?: string | undefined }

function convertAction({ name, errnoRet, errnoName }: ActionSpec, path: string, problems: Problem[]): Action {
  if ((errnoRet !== undefined || errnoName !== undefined) && !ERRNO_ACTIONS.includes(name)) {
    problems.push({ path, message: `${errnoName ?? errnoRet} is ignored: ${NOT_ERRNO}, not ${name} (runc ignores it too); remove it or change the action`, warning: 'unused-field' });
  }
  switch (name) {
    case 'SCMP_ACT_ERRNO':
      if (errnoName !== undefined) return { kind: 'ERRNO', errno: 0, errnoName };
      if (errnoRet === undefined) return { kind: 'ERRNO', errno: 1, errnoName: 'EPERM' };
      return { kind: 'ERRNO', errno: clampErrno(errnoRet, path, problems) };
    case 'SCMP_ACT_TRACE':
      if (errnoRet !== undefined && errnoRet > 0xffff) problems.push({ path, message: `${errnoRet} does not fit the 16 bits a tracer receives: accepted 0-65535` });
      return { kind: 'TRACE', data: errnoRet ?? 1 };
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD': return { kind: 'KILL_THREAD' };
    case 'SCMP_ACT_KILL_PROCESS': return { kind: 'KILL_PROCESS' };
    case 'SCMP_ACT_TRAP': return { kind: 'TRAP' };
    case 'SCMP_ACT_LOG': return { kind: 'LOG' };
    case 'SCMP_ACT_NOTIFY': return { kind: 'NOTIFY' };
    default: return { kind: 'ALLOW' };
  }
}

/**
 * The kernel returns at most MAX_ERRNO (it clamps larger data) and procd passes the value on, so
 * values that fit the 16 data bits are accepted and clamped as the kernel would (Docker's example
 * profile uses 12345); libseccomp refuses 4095 and up (so runc and crun do), hence the warning.
 * Larger values mean something else in every runtime, so they are refused.
 */
function clampErrno(errnoRet: number, path: string, problems: Problem[]): number {
  if (errnoRet < MAX_ERRNO) return errnoRet;
  if (errnoRet > 0xffff) {
    problems.push({ path, message: `${errnoRet} is not an errno: accepted 0-${MAX_ERRNO} (1 is EPERM, 38 ENOSYS on x86 and arm)` });
    return MAX_ERRNO;
  }
  problems.push({ path, message: `${errnoRet} is not an errno: the kernel returns ${MAX_ERRNO} for it (procd and jailctl pass it on), runc and crun refuse it (libseccomp takes at most ${MAX_ERRNO - 1}); write a real errno`, warning: 'errno-clamped' });
  return MAX_ERRNO;
}

function convertArg(arg: OciArg, at: string, problems: Problem[]): ArgCond {
  if (arg.index > 5) problems.push({ path: `${at}/index`, message: `${arg.index} is not an argument index: accepted 0-5 (syscalls have six arguments, counted from 0)` });
  const op = arg.op.replace(/^SCMP_CMP_/, '') as ArgOp;
  const value = toU64(arg.value, `${at}/value`, problems);
  const cond: ArgCond = { index: arg.index, op, value };
  if (arg.valueTwo !== undefined) {
    const valueTwo = toU64(arg.valueTwo, `${at}/valueTwo`, problems);
    // 0 is what tools write for an unused valueTwo (Docker's default profile); anything else is a mistake
    if (op !== 'MASKED_EQ' && valueTwo !== 0n) {
      problems.push({ path: `${at}/valueTwo`, message: `${valueTwo} is ignored: only SCMP_CMP_MASKED_EQ uses valueTwo, not ${arg.op} (runc ignores it too); remove it, or use SCMP_CMP_MASKED_EQ to test (arg & value) == valueTwo`, warning: 'unused-field' });
    }
    if (op === 'MASKED_EQ') cond.valueTwo = valueTwo;
  } else if (op === 'MASKED_EQ') {
    cond.valueTwo = 0n;
  }
  return cond;
}

function toU64(value: number | bigint, path: string, problems: Problem[]): bigint {
  const big = BigInt(value);
  if (big > U64_MAX) problems.push({ path, message: `${big} does not fit in 64 bits: accepted 0-${U64_MAX}` });
  return big;
}

function convertArchitectures(names: readonly string[], problems: Problem[]): { architectures: ArchName[]; ignored: string[] } {
  const architectures: ArchName[] = [];
  const ignored: string[] = [];
  names.forEach((name, i) => {
    const arch = ARCH_NAMES.find((a) => ARCHES[a].scmpName === name);
    if (arch !== undefined) {
      if (!architectures.includes(arch)) architectures.push(arch);
    } else if (FOREIGN_OCI_ARCHES.includes(name)) {
      if (!ignored.includes(name)) ignored.push(name);
    } else {
      problems.push({ path: `/architectures/${i}`, message: unknownArchMessage(name) });
    }
  });
  return { architectures, ignored };
}

function unknownArchMessage(name: string): string {
  const supported = ARCH_NAMES.map((a) => ARCHES[a].scmpName);
  const bare = name.replace(/^SCMP_ARCH_/, '').toUpperCase();
  const alias = ARCH_ALIASES[bare];
  const near = alias === undefined ? nearestName(bare, supported.map((s) => s.replace(/^SCMP_ARCH_/, ''))) : alias;
  const guess = near === undefined ? '' : ` (did you mean "SCMP_ARCH_${near}"?)`;
  return `"${name}" is not an architecture${guess}: accepted ${supported.join(', ')}, or another OCI name (${FOREIGN_OCI_ARCHES.join(', ')}: ignored)`;
}
