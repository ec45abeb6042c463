// Merging profiles (`jailctl profile merge A B... -o OUT`), e.g. traces of one service taken on
// different paths. Pure. The result:
// - allows every syscall any input allows: rules are concatenated in input order, identical
//   rules (same syscall, conditions and action) kept once, rules behind an unconditional rule
//   with the same action dropped;
// - keeps no contradiction: the same syscall and conditions with different actions in two
//   inputs, or a rule hidden behind another input's unconditional rule with a different action,
//   is a conflict (within one input they are that input's own, accepted as its checks say). Conflicts are reported and nothing is written: which input is right is the
//   user's call, not ours;
// - uses the default action of the inputs when they agree; otherwise the strictest one wins, in
//   the kernel's own precedence (KILL_PROCESS > KILL_THREAD > TRAP > ERRNO > NOTIFY > TRACE >
//   LOG > ALLOW, what stacking both filters would do), and a note says so. A syscall one input
//   left to a lenient default may thus be refused harder: safer than the other way round.
// - lists every architecture and flag of any input.
import { actionKey, actionStrictness, actionText, condsKey } from './describe.js';
import { findRuleConflicts, type RuleLocation } from './check.js';
import { formatProblem } from './findings.js';
import type { ParsedProfile } from './formats.js';
import type { Action, Rule, SeccompProfile } from './model.js';

export interface MergeInput {
  file: string;
  parsed: ParsedProfile;
}

export interface MergeResult {
  profile: SeccompProfile;
  /** contradictions between the inputs, one line each; the merge is unusable when any */
  conflicts: string[];
  /** things the user should know (default actions that differed) */
  notes: string[];
}

export function mergeProfiles(inputs: readonly MergeInput[]): MergeResult {
  const rules: Rule[] = [];
  const locations: RuleLocation[] = [];
  const kept = new Set<string>();
  for (const { file, parsed } of inputs) {
    parsed.profile.rules.forEach((rule, i) => {
      const key = `${rule.syscall}|${condsKey(rule.args)}|${actionKey(rule.action)}`;
      if (kept.has(key)) return;
      kept.add(key);
      rules.push(rule);
      locations.push({ file, path: parsed.sources[i]!.path });
    });
  }
  const first = inputs[0]?.file ?? 'merged';
  const { action, notes } = mergeDefaults(inputs);
  const conflicts = findRuleConflicts(rules, locations, true, action).map((p) => formatProblem(first, p));
  const profile: SeccompProfile = {
    defaultAction: action,
    architectures: union(inputs.map((i) => i.parsed.profile.architectures)),
    flags: union(inputs.map((i) => i.parsed.profile.flags)),
    rules: dropUnreachable(rules),
  };
  return { profile, conflicts, notes };
}

/** Rules after a syscall's first unconditional rule never match (conflicting ones were reported). */
function dropUnreachable(rules: readonly Rule[]): Rule[] {
  const decided = new Set<string>();
  return rules.filter((rule) => {
    if (decided.has(rule.syscall)) return false;
    if (rule.args.length === 0) decided.add(rule.syscall);
    return true;
  });
}

function mergeDefaults(inputs: readonly MergeInput[]): { action: Action; notes: string[] } {
  const actions = inputs.map((i) => i.parsed.profile.defaultAction);
  let strictest: Action = actions[0] ?? { kind: 'KILL_PROCESS' };
  for (const a of actions) if (actionStrictness(a) < actionStrictness(strictest)) strictest = a;
  if (new Set(actions.map(actionKey)).size <= 1) return { action: strictest, notes: [] };
  const listed = inputs.map((i) => `${i.file}: ${actionText(i.parsed.profile.defaultAction)}`).join(', ');
  return { action: strictest, notes: [`default actions differ (${listed}): the merged profile uses the strictest, ${actionText(strictest)}`] };
}

function union<T>(lists: readonly (readonly T[])[]): T[] {
  return [...new Set(lists.flat())];
}
