// Semantic checks of a parsed profile for one target arch, beyond what the schema can say:
// syscall names that do not exist there (with the nearest real name), duplicate, contradictory
// and unreachable rules, execve not allowed (jailctl installs the filter just before execve),
// seccomp notify without a listener, and programs the kernel would refuse (> 4096 insns). Pure.
import { JailctlError } from '../errors.js';
import { ARCH_NAMES, kernelGroupOf, resolveSyscall, syscallTable, type ArchName } from './arch.js';
import { compileFilter } from './compile.js';
import { actionKey, condsKey, isAllowing, ruleText } from './describe.js';
import type { ParsedProfile, Problem } from './formats.js';
import type { Rule } from './model.js';
import { nearestName } from './nearest.js';

/** Where a rule was written: its file (for merged profiles) and JSON path. */
export interface RuleLocation {
  file?: string;
  path: string;
}

export interface CheckOptions {
  /** also compile for the target (program size, compiler checks); only useful on a clean profile */
  compile?: boolean;
  /** the run-time path (`run --seccomp`): jailctl answers the service's first execve itself, so
   * the profile need not allow it (src/jail/seccomp-notify.ts) */
  execveAnswered?: boolean;
}

export function checkProfile(parsed: ParsedProfile, target: ArchName, options: CheckOptions = {}): Problem[] {
  const locations = parsed.sources.map((s) => ({ path: s.path }));
  const problems = [
    ...checkSyscallNames(parsed, target),
    ...findRuleConflicts(parsed.profile.rules, locations),
    ...checkNotify(parsed),
    ...(options.execveAnswered === true ? [] : checkExecve(parsed, target)),
  ];
  return problems.length > 0 || options.compile === false ? problems : checkCompiles(parsed, target);
}

/** The ABIs whose names count as known: the target, its listed compat ABIs, every listed arch. */
function namingAbis(parsed: ParsedProfile, target: ArchName): ArchName[] {
  const listed = parsed.profile.architectures;
  const group = kernelGroupOf(target).filter((a) => a === target || listed.includes(a));
  return [...new Set([...group, ...listed])];
}

/**
 * A name must be a syscall on the target or on an arch the profile lists: a profile shared by
 * several arches declares them in "architectures" and may then name each one's own syscalls.
 */
function checkSyscallNames(parsed: ParsedProfile, target: ArchName): Problem[] {
  const abis = namingAbis(parsed, target);
  const problems: Problem[] = [];
  const reported = new Set<string>();
  parsed.profile.rules.forEach((rule, i) => {
    const path = parsed.sources[i]!.path;
    if (reported.has(path) || abis.some((abi) => resolveSyscall(abi, rule.syscall) !== undefined)) return;
    reported.add(path);
    problems.push({ path, message: unknownSyscallMessage(rule.syscall, abis) });
  });
  return problems;
}

function unknownSyscallMessage(name: string, abis: readonly ArchName[]): string {
  const on = abis.join(' or ');
  const elsewhere = ARCH_NAMES.filter((a) => resolveSyscall(a, name) !== undefined);
  const near = nearestName(name, new Set(abis.flatMap((a) => Object.keys(syscallTable(a).syscalls))));
  const guess = near === undefined ? '' : ` (did you mean "${near}"?)`;
  if (elsewhere.length > 0) {
    return `"${name}" is not a syscall on ${on}${guess}; it is one on ${elsewhere.join(', ')}: list those in "architectures" if the profile is meant for them too, or remove it`;
  }
  return `"${name}" is not a syscall on ${on} or any other architecture${guess || ': use the kernel name (such as "newfstatat" or "rt_sigaction")'}`;
}

const where = (loc: RuleLocation, from: RuleLocation) => (loc.file !== undefined && loc.file !== from.file ? `${loc.file} ${loc.path}` : loc.path);

/**
 * Rules of one syscall are tried in order and the first match wins. Reported: the same
 * conditions twice (duplicate, or contradictory if the actions differ), and rules after an
 * unconditional one with another action (they are never used).
 */
export function findRuleConflicts(rules: readonly Rule[], locations: readonly RuleLocation[]): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, { rule: Rule; loc: RuleLocation }>();
  const decided = new Map<string, { rule: Rule; loc: RuleLocation }>();
  rules.forEach((rule, i) => {
    const loc = locations[i]!;
    const at = (message: string): Problem => (loc.file === undefined ? { path: loc.path, message } : { file: loc.file, path: loc.path, message });
    const key = `${rule.syscall}|${condsKey(rule.args)}`;
    const same = seen.get(key);
    const first = decided.get(rule.syscall);
    if (same !== undefined) {
      problems.push(at(actionKey(same.rule.action) === actionKey(rule.action)
        ? `duplicate rule for "${rule.syscall}" (${ruleText(rule)}): ${where(same.loc, loc)} says the same; remove one`
        : `contradictory rules for "${rule.syscall}": ${ruleText(rule)} here, ${ruleText(same.rule)} at ${where(same.loc, loc)}; the first one wins, remove the other`));
    } else if (first !== undefined && actionKey(first.rule.action) !== actionKey(rule.action)) {
      problems.push(at(`rule for "${rule.syscall}" (${ruleText(rule)}) is never used: ${where(first.loc, loc)} already decides every call (${ruleText(first.rule)}); move it before that rule or remove it`));
    }
    if (same === undefined) seen.set(key, { rule, loc });
    if (rule.args.length === 0 && first === undefined) decided.set(rule.syscall, { rule, loc });
  });
  return problems;
}

/** Without a listener (jailctl has none) SECCOMP_RET_USER_NOTIF fails the call with ENOSYS. */
function checkNotify(parsed: ParsedProfile): Problem[] {
  const hint = 'jailctl has no seccomp notify listener, so the call would fail with ENOSYS: use SCMP_ACT_ERRNO (errnoRet 38 is ENOSYS on x86 and arm)';
  const problems: Problem[] = [];
  if (parsed.profile.defaultAction.kind === 'NOTIFY') problems.push({ path: '/defaultAction', message: `SCMP_ACT_NOTIFY as the default action: ${hint}` });
  const paths = new Set(parsed.profile.rules.flatMap((rule, i) => (rule.action.kind === 'NOTIFY' ? [parsed.sources[i]!.path] : [])));
  for (const path of paths) problems.push({ path, message: `SCMP_ACT_NOTIFY: ${hint}` });
  return problems;
}

/**
 * jailctl installs the filter as the last step before execve(2), so the program must allow
 * execve whatever its arguments (they are pointers), or the service never starts.
 */
function checkExecve(parsed: ParsedProfile, target: ArchName): Problem[] {
  if (resolveSyscall(target, 'execve') === undefined) return [];
  const why = 'jailctl installs the filter just before execve, so the service could never start';
  const { rules } = parsed.profile;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (rule.syscall !== 'execve') continue;
    const path = parsed.sources[i]!.path;
    if (rule.args.length > 0) {
      if (isAllowing(rule.action)) continue;
      return [{ path, message: `execve can be refused by this rule (${ruleText(rule, target)}): ${why} if its arguments (pointers) match; allow execve without conditions` }];
    }
    return isAllowing(rule.action) ? [] : [{ path, message: `execve gets ${parsed.sources[i]!.actionName} here: ${why}; allow it (SCMP_ACT_ALLOW)` }];
  }
  if (isAllowing(parsed.profile.defaultAction)) return [];
  const list = parsed.format === 'legacy' ? '/whitelist' : '/syscalls';
  return [{ path: list, message: `execve is not allowed (it gets the default action ${parsed.defaultActionName}): ${why}; add "execve" to ${parsed.format === 'legacy' ? 'the whitelist' : 'an SCMP_ACT_ALLOW rule'}` }];
}

/** Compile for the target: the compiler knows the size limit and the last details. */
function checkCompiles(parsed: ParsedProfile, target: ArchName): Problem[] {
  try {
    compileFilter(parsed.profile, target);
    return [];
  } catch (err) {
    if (!(err instanceof JailctlError)) throw err;
    const hint = err.hint === undefined ? '' : ` (${err.hint})`;
    return [{ path: '(top level)', message: `${err.message}${hint}` }];
  }
}

/** Names of the profile's rules that have no number on `arch` (skipped there when compiling). */
export function syscallsMissingOn(parsed: ParsedProfile, arch: ArchName): string[] {
  return [...new Set(parsed.profile.rules.map((r) => r.syscall).filter((name) => resolveSyscall(arch, name) === undefined))];
}
