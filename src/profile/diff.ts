// What changed between two profiles (`jailctl profile diff A B`), as readable lines: default
// action, architectures, flags, then per syscall (alphabetical) `+` added, `-` removed, `~`
// changed action or conditions. Compares meaning, not text: the format (OCI or legacy), entry
// grouping and name order do not count, SCMP_ACT_KILL equals SCMP_ACT_KILL_THREAD. Pure.
import { actionKey, actionText, condsKey, ruleText } from './describe.js';
import type { Rule, SeccompProfile } from './model.js';
import { isPlainText, showString } from '../schema/safe-text.js';

export interface DiffSide {
  label: string;
  profile: SeccompProfile;
}

/** The differences, one per line; empty when the profiles mean the same. */
export function diffProfiles(a: DiffSide, b: DiffSide): string[] {
  const lines: string[] = [];
  const pa = a.profile;
  const pb = b.profile;
  if (actionKey(pa.defaultAction) !== actionKey(pb.defaultAction)) {
    lines.push(`default action: ${actionText(pa.defaultAction)} -> ${actionText(pb.defaultAction)}`);
  }
  lines.push(...listChange('architectures', pa.architectures, pb.architectures));
  lines.push(...listChange('flags', pa.flags, pb.flags));
  const ra = rulesBySyscall(pa.rules);
  const rb = rulesBySyscall(pb.rules);
  for (const key of [...new Set([...ra.keys(), ...rb.keys()])].sort()) {
    const before = ra.get(key);
    const after = rb.get(key);
    // a name that is no syscall anywhere may be anything a file held (a key given by mistake)
    const name = isPlainText(key) ? key : showString(key);
    if (before === undefined) lines.push(`+ ${name}: ${rulesText(after!)}`);
    else if (after === undefined) lines.push(`- ${name}: ${rulesText(before)}`);
    else if (rulesKey(before) !== rulesKey(after)) lines.push(`~ ${name}: ${changeText(before, after)}`);
  }
  return lines.length === 0 ? [] : [`--- ${a.label}`, `+++ ${b.label}`, ...lines];
}

function listChange(what: string, before: readonly string[], after: readonly string[]): string[] {
  const added = after.filter((x) => !before.includes(x)).map((x) => `+${x}`);
  const removed = before.filter((x) => !after.includes(x)).map((x) => `-${x}`);
  return added.length + removed.length === 0 ? [] : [`${what}: ${[...added, ...removed].join(' ')}`];
}

function rulesBySyscall(rules: readonly Rule[]): Map<string, Rule[]> {
  const map = new Map<string, Rule[]>();
  for (const rule of rules) map.set(rule.syscall, [...(map.get(rule.syscall) ?? []), rule]);
  return map;
}

/** Rules of one syscall in order, up to the first unconditional one (later ones never match). */
function effective(rules: readonly Rule[]): Rule[] {
  const end = rules.findIndex((r) => r.args.length === 0);
  return end < 0 ? [...rules] : rules.slice(0, end + 1);
}

function rulesKey(rules: readonly Rule[]): string {
  return effective(rules).map((r) => `${actionKey(r.action)}|${condsKey(r.args)}`).join(';');
}

function rulesText(rules: readonly Rule[]): string {
  const list = effective(rules);
  const text = list.map((r) => ruleText(r)).join('; ');
  return list.at(-1)?.args.length === 0 ? text : `${text}; otherwise the default`;
}

/** `ALLOW -> ERRNO(EPERM)` when only the action changed, the whole rule list otherwise. */
function changeText(before: readonly Rule[], after: readonly Rule[]): string {
  const eb = effective(before);
  const ea = effective(after);
  const sameConds = eb.length === ea.length && eb.every((r, i) => condsKey(r.args) === condsKey(ea[i]!.args));
  if (sameConds && eb.length === 1 && eb[0]!.args.length === 0) return `${actionText(eb[0]!.action)} -> ${actionText(ea[0]!.action)}`;
  return `${rulesText(before)} -> ${rulesText(after)}`;
}
