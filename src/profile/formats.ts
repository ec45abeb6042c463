// The two profile file formats -> the normalized SeccompProfile (model.ts), remembering where
// each rule came from so every later message can name its JSON path. Input here has already
// passed the JSON schema (profiles/schema/seccomp-*.schema.json); this file checks what a schema
// cannot say (argument index 0-5, errnoRet only where an errno is returned ...). Pure.
//
// OCI runtime-spec linux.seccomp, with runc's semantics (libcontainer/seccomp/seccomp_linux.go):
// - conditions of one `syscalls[]` entry are ANDed, EXCEPT when two of them test the same
//   argument index: then every condition of the entry becomes a rule of its own (ORed). runc
//   does this ("argCounts") because libseccomp cannot AND two tests of one argument, and
//   profiles in the wild rely on it (Docker's personality/clone rules).
// - SCMP_ACT_KILL is SCMP_ACT_KILL_THREAD (SECCOMP_RET_KILL kills the calling thread only).
// - SCMP_ACT_ERRNO without errnoRet returns EPERM; SCMP_ACT_TRACE without it passes EPERM (1)
//   to the tracer as runc does. errnoRet on any other action is an error (runtime-spec).
// - SCMP_CMP_MASKED_EQ without valueTwo tests (arg & value) == 0 (Go's zero value in runc).
// procd legacy {"whitelist": [...], "policy": N}: the names are allowed; policy 0 (or none) kills
// the thread (SECCOMP_RET_KILL), any other value is SECCOMP_RET_TRACE with that value as data.
import { ARCHES, ARCH_NAMES, type ArchName } from './arch.js';
import { nearestName } from './nearest.js';
import type { Action, ArgCond, ArgOp, FilterFlag, Rule, SeccompProfile } from './model.js';

export type ProfileFormat = 'oci' | 'legacy';

/** One problem: where (file, JSON pointer) and what, in words that say what is accepted. */
export interface Problem {
  /** set when the problem is in another file than the one being read (merge) */
  file?: string;
  /** JSON pointer (/syscalls/3/names/1) or "(top level)" */
  path: string;
  message: string;
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
}

/** OCI architecture names of ABIs jailctl has no syscall table for. */
const FOREIGN_OCI_ARCHES = ['LOONGARCH64', 'M68K', 'S390', 'S390X', 'SH', 'SHEB', 'PARISC', 'PARISC64'].map((a) => `SCMP_ARCH_${a}`);
const ERRNO_ACTIONS = ['SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE'];
/** Names people write for an arch, as OCI spells it (Go, Debian and uname names). */
const ARCH_ALIASES: Readonly<Record<string, string>> = {
  AMD64: 'X86_64', X64: 'X86_64', I386: 'X86', I686: 'X86', IA32: 'X86', ARM64: 'AARCH64', ARMHF: 'ARM', ARMEL: 'ARM',
  PPC64EL: 'PPC64LE', POWERPC: 'PPC', RISCV: 'RISCV64', MIPS64EL: 'MIPSEL64', MIPS64LE: 'MIPSEL64', MIPSLE: 'MIPSEL',
};
/** The kernel clamps larger errno values (MAX_ERRNO). */
const MAX_ERRNO = 4095;
const U64_MAX = (1n << 64n) - 1n;

interface OciArg { index: number; value: number | bigint; valueTwo?: number | bigint; op: string }
interface OciSyscall { names: string[]; action: string; errnoRet?: number; args?: OciArg[] }
interface OciProfile {
  defaultAction: string; defaultErrnoRet?: number; architectures?: string[]; flags?: string[];
  listenerPath?: string; syscalls?: OciSyscall[];
}
interface LegacyProfile { whitelist: string[]; policy?: number }

/** procd legacy if it has the legacy keys, OCI otherwise (the schema then names stray keys). */
export function detectFormat(json: unknown): ProfileFormat {
  const isObject = json !== null && typeof json === 'object' && !Array.isArray(json);
  return isObject && ('whitelist' in json || 'policy' in json) ? 'legacy' : 'oci';
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
  };
}

/** OCI JSON (schema-valid) -> model; problems the schema cannot express are pushed to `problems`. */
export function convertOci(json: OciProfile, problems: Problem[]): ParsedProfile {
  const defaultAction = convertAction(json.defaultAction, json.defaultErrnoRet, '/defaultErrnoRet', problems);
  const { architectures, ignored } = convertArchitectures(json.architectures ?? [], problems);
  if (json.listenerPath !== undefined) {
    problems.push({ path: '/listenerPath', message: `${JSON.stringify(json.listenerPath)}: jailctl has no seccomp notify listener; remove listenerPath and listenerMetadata` });
  }
  const rules: Rule[] = [];
  const sources: RuleSource[] = [];
  (json.syscalls ?? []).forEach((entry, i) => {
    const at = `/syscalls/${i}`;
    const action = convertAction(entry.action, entry.errnoRet, `${at}/errnoRet`, problems);
    const conds = (entry.args ?? []).map((arg, j) => convertArg(arg, `${at}/args/${j}`, problems));
    entry.names.forEach((syscall, k) => {
      for (const args of splitConditions(conds)) {
        rules.push({ syscall, action, args });
        sources.push({ path: `${at}/names/${k}`, actionName: entry.action });
      }
    });
  });
  return {
    format: 'oci',
    profile: { defaultAction, architectures, flags: (json.flags ?? []) as FilterFlag[], rules },
    sources,
    defaultActionName: json.defaultAction,
    ignoredArchitectures: ignored,
  };
}

/** runc: if any argument index is tested twice, each condition is a rule of its own (OR). */
function splitConditions(conds: ArgCond[]): ArgCond[][] {
  const indexes = conds.map((c) => c.index);
  const repeated = indexes.some((index, i) => indexes.indexOf(index) !== i);
  return repeated ? conds.map((c) => [c]) : [conds];
}

function convertAction(name: string, errnoRet: number | undefined, path: string, problems: Problem[]): Action {
  if (errnoRet !== undefined && !ERRNO_ACTIONS.includes(name)) {
    problems.push({ path, message: `${errnoRet} is not used by ${name}: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno; remove it or change the action` });
  }
  switch (name) {
    case 'SCMP_ACT_ERRNO':
      if (errnoRet === undefined) return { kind: 'ERRNO', errno: 1, errnoName: 'EPERM' };
      if (errnoRet > MAX_ERRNO) problems.push({ path, message: `${errnoRet} is not an errno: accepted 0-${MAX_ERRNO} (1 is EPERM, 38 ENOSYS on x86 and arm)` });
      return { kind: 'ERRNO', errno: errnoRet };
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

function convertArg(arg: OciArg, at: string, problems: Problem[]): ArgCond {
  if (arg.index > 5) problems.push({ path: `${at}/index`, message: `${arg.index} is not an argument index: accepted 0-5 (syscalls have six arguments, counted from 0)` });
  const op = arg.op.replace(/^SCMP_CMP_/, '') as ArgOp;
  const value = toU64(arg.value, `${at}/value`, problems);
  const cond: ArgCond = { index: arg.index, op, value };
  if (arg.valueTwo !== undefined) {
    const valueTwo = toU64(arg.valueTwo, `${at}/valueTwo`, problems);
    // 0 is what tools write for an unused valueTwo (Docker's default profile); anything else is a mistake
    if (op !== 'MASKED_EQ' && valueTwo !== 0n) {
      problems.push({ path: `${at}/valueTwo`, message: `${valueTwo} is only used by SCMP_CMP_MASKED_EQ, not ${arg.op}: remove it, or use SCMP_CMP_MASKED_EQ to test (arg & value) == valueTwo` });
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
