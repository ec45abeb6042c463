// Semantic checks of a parsed profile for one target arch, beyond what the schema can say:
// syscall names that do not exist there (with the nearest real name), duplicate, contradictory
// and unreachable rules, execve not allowed, seccomp notify, and programs the kernel would refuse
// (> 4096 insns). What runc, crun or procd accept is a warning (findings.ts) saying what jailctl
// does with it, which is what they do. Pure.
import { showString } from '../schema/safe-text.js';
import { JailctlError } from '../errors.js';
import { ARCH_NAMES, kernelGroupOf, resolveSyscall, syscallTable, type ArchName } from './arch.js';
import { compileFilter } from './compile.js';
import { actionKey, condsKey, isAllowing, ruleText } from './describe.js';
import { LINES_PER_KIND } from './findings.js';
import type { ParsedProfile, Problem } from './formats.js';
import type { Action, Rule } from './model.js';
import { nearestName } from './nearest.js';

/** Where a rule was written: its file (for merged profiles) and JSON path. */
export interface RuleLocation {
  file?: string;
  path: string;
}

export interface CheckOptions {
  /** also compile for the target (program size, compiler checks); only useful on a usable profile */
  compile?: boolean;
  /** checked for `jailctl run`: the filter is loaded before execve and there is no notify listener */
  forRun?: boolean;
  /** the runtime answers the program's first execve itself, so the profile need not allow it
   * (`run --seccomp`: the jail's pid 1 does, src/jail/seccomp-notify.ts) */
  execveAnswered?: boolean;
}

export function checkProfile(parsed: ParsedProfile, target: ArchName, options: CheckOptions = {}): Problem[] {
  const locations = parsed.sources.map((s) => ({ path: s.path }));
  const problems = [
    ...checkSyscallNames(parsed, target),
    ...findRuleConflicts(parsed.profile.rules, locations, false, parsed.profile.defaultAction),
    ...checkNotify(parsed, options.forRun === true),
    ...(options.execveAnswered === true ? [] : checkExecve(parsed, target, options.forRun === true)),
  ];
  const usable = !problems.some((p) => p.warning === undefined);
  return usable && options.compile !== false ? [...problems, ...checkCompiles(parsed, target)] : problems;
}

/** The ABIs the filter decides for: the target and the compat ABIs of its kernel the profile lists. */
function filterAbis(parsed: ParsedProfile, target: ArchName): ArchName[] {
  return kernelGroupOf(target).filter((a) => a === target || parsed.profile.architectures.includes(a));
}

/**
 * A name that is a syscall on no ABI of the filter is skipped, as runc and procd skip it, with a
 * warning. Silent: names of arches the file says it is written for ("architectures", Docker's
 * archMap), since a profile shared by several arches names each one's own syscalls.
 */
function checkSyscallNames(parsed: ParsedProfile, target: ArchName): Problem[] {
  const abis = filterAbis(parsed, target);
  const expected = [...new Set([...abis, ...parsed.declaredArchitectures])];
  const problems: Problem[] = [];
  const reported = new Set<string>();
  parsed.profile.rules.forEach((rule, i) => {
    const path = parsed.sources[i]!.path;
    if (reported.has(path) || expected.some((abi) => resolveSyscall(abi, rule.syscall) !== undefined)) return;
    reported.add(path);
    // only the first lines of a kind are shown (findings.ts): the nearest-name search is spared
    // for the rest, which a flood of 10,000 names would otherwise make take seconds
    const shown = problems.length <= LINES_PER_KIND;
    const message = shown ? unknownSyscallMessage(rule.syscall, abis) : `${showString(rule.syscall)} is not a syscall on ${abis.join(' or ')}: skipped, as runc and procd do`;
    problems.push({ path, message, warning: 'unknown-syscall', subject: rule.syscall });
  });
  return problems;
}

function unknownSyscallMessage(name: string, abis: readonly ArchName[]): string {
  const on = abis.join(' or ');
  const elsewhere = ARCH_NAMES.filter((a) => resolveSyscall(a, name) !== undefined);
  const near = nearestName(name, new Set(abis.flatMap((a) => Object.keys(syscallTable(a).syscalls))));
  const guess = near === undefined ? '' : ` (did you mean "${near}"?)`;
  if (elsewhere.length > 0) {
    return `${showString(name)} is not a syscall on ${on}${guess}: skipped there, as runc and procd do; it is one on ${elsewhere.join(', ')} (list those in "architectures" if the profile is meant for them)`;
  }
  return `${showString(name)} is not a syscall on ${on} or any other architecture${guess}: skipped, as runc and procd do${guess === '' ? '; use the kernel name (such as "newfstatat" or "rt_sigaction")' : ''}`;
}

const where = (loc: RuleLocation, from: RuleLocation) => (loc.file !== undefined && loc.file !== from.file ? `${loc.file} ${loc.path}` : loc.path);

/**
 * Rules of one syscall as libseccomp (so runc and crun) keeps them. Reported (warnings: runc, crun
 * and procd accept them): the same conditions twice (a duplicate, or contradictory if the actions
 * differ: libseccomp keeps the first), and conditional rules with another action than an
 * unconditional rule for the same syscall, before or after it: the unconditional rule wins
 * whatever the order, so they are never used. An unconditional rule with the default action
 * decides nothing (runc leaves it out), so it hides no rule. With `acrossFiles`, only pairs from
 * two different files are reported (a merge's own conflicts).
 */
export function findRuleConflicts(rules: readonly Rule[], locations: readonly RuleLocation[], acrossFiles = false, defaultAction?: Action): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, { rule: Rule; loc: RuleLocation }>();
  const decided = new Map<string, { rule: Rule; loc: RuleLocation }>();
  rules.forEach((rule, i) => {
    const added = defaultAction === undefined || actionKey(rule.action) !== actionKey(defaultAction);
    if (rule.args.length === 0 && added && !decided.has(rule.syscall)) decided.set(rule.syscall, { rule, loc: locations[i]! });
  });
  rules.forEach((rule, i) => {
    const loc = locations[i]!;
    const report = (other: RuleLocation, warning: Problem['warning'], message: string): void => {
      if (acrossFiles && other.file === loc.file) return;
      const problem: Problem = { path: loc.path, message, subject: rule.syscall };
      if (warning !== undefined) problem.warning = warning;
      if (loc.file !== undefined) problem.file = loc.file;
      problems.push(problem);
    };
    const key = `${rule.syscall}|${condsKey(rule.args)}`;
    const same = seen.get(key);
    const wins = decided.get(rule.syscall);
    if (same !== undefined) {
      if (actionKey(same.rule.action) === actionKey(rule.action)) {
        report(same.loc, 'duplicate-rule', `duplicate rule for ${showString(rule.syscall)} (${ruleText(rule)}): ${where(same.loc, loc)} says the same; kept once`);
      } else {
        report(same.loc, 'contradictory-rule', `contradictory rules for ${showString(rule.syscall)}: ${ruleText(rule)} here, ${ruleText(same.rule)} at ${where(same.loc, loc)}; the first one wins (as in libseccomp and procd), this one is ignored`);
      }
    } else if (wins !== undefined && rule.args.length > 0 && actionKey(wins.rule.action) !== actionKey(rule.action)) {
      report(wins.loc, 'unused-rule', `rule for ${showString(rule.syscall)} (${ruleText(rule)}) is never used: ${where(wins.loc, loc)} decides every call (${ruleText(wins.rule)}), since an unconditional rule wins over conditional ones in any order (libseccomp, so runc and crun); remove it, or give that rule conditions`);
    }
    if (same === undefined) seen.set(key, { rule, loc });
  });
  return problems;
}

/**
 * SECCOMP_RET_USER_NOTIF fails the call with ENOSYS when no listener holds the filter's fd. runc
 * hands the fd to listenerPath; `jailctl run` has no listener, so there it is an error, and for
 * check/compile a warning. A notify default action is refused everywhere (runc refuses it too).
 */
function checkNotify(parsed: ParsedProfile, forRun: boolean): Problem[] {
  const problems: Problem[] = [];
  if (parsed.profile.defaultAction.kind === 'NOTIFY') {
    problems.push({ path: '/defaultAction', message: 'SCMP_ACT_NOTIFY as the default action: runc refuses it, and every call would wait for a listener; use SCMP_ACT_ERRNO (errnoRet 38 is ENOSYS on x86 and arm)' });
  }
  const paths = new Set(parsed.profile.rules.flatMap((rule, i) => (rule.action.kind === 'NOTIFY' ? [parsed.sources[i]!.path] : [])));
  const why = forRun
    ? 'jailctl run has no seccomp notify listener, so the call would fail with ENOSYS: use SCMP_ACT_ERRNO (errnoRet 38 is ENOSYS on x86 and arm)'
    : 'compiled as SECCOMP_RET_USER_NOTIF; a runtime with a listener (runc with listenerPath) answers it, jailctl run refuses it (no listener)';
  for (const path of paths) problems.push(forRun ? { path, message: `SCMP_ACT_NOTIFY: ${why}` } : { path, message: `SCMP_ACT_NOTIFY: ${why}`, warning: 'notify' });
  return problems;
}

/**
 * A runtime that loads the filter before the program's execve (runc, crun) needs execve allowed
 * whatever its arguments (pointers), or the program never starts. procd loads it after the
 * service's execve, so OpenWrt's own profiles have none: for check and compile that is a warning,
 * for a run that loads the filter first an error (`jailctl run` answers that execve itself and
 * skips this check: CheckOptions.execveAnswered).
 */
function checkExecve(parsed: ParsedProfile, target: ArchName, forRun: boolean): Problem[] {
  if (resolveSyscall(target, 'execve') === undefined) return [];
  const why = forRun
    ? 'jailctl installs the filter just before execve, so the service could never start'
    : 'runtimes that load the filter before execve (runc, crun) cannot start the program; procd loads it after the service\'s execve, jailctl run answers that execve itself';
  const found = (path: string, message: string): Problem[] => [forRun ? { path, message } : { path, message, warning: 'no-execve', subject: 'execve' }];
  const { rules } = parsed.profile;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (rule.syscall !== 'execve') continue;
    const path = parsed.sources[i]!.path;
    if (rule.args.length > 0) {
      if (isAllowing(rule.action)) continue;
      return found(path, `execve can be refused by this rule (${ruleText(rule, target)}): ${why} if its arguments (pointers) match; allow execve without conditions`);
    }
    return isAllowing(rule.action) ? [] : found(path, `execve gets ${parsed.sources[i]!.actionName} here: ${why}; allow it (SCMP_ACT_ALLOW)`);
  }
  if (isAllowing(parsed.profile.defaultAction)) return [];
  const list = parsed.format === 'legacy' ? '/whitelist' : '/syscalls';
  return found(list, `execve is not allowed (it gets the default action ${parsed.defaultActionName}): ${why}; add "execve" to ${parsed.format === 'legacy' ? 'the whitelist' : 'an SCMP_ACT_ALLOW rule'}`);
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
