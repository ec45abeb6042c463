// SeccompProfile -> OCI runtime-spec linux.seccomp JSON text (what `profile merge` writes).
// Rules with the same action and conditions share one `syscalls[]` entry as long as that keeps
// each syscall's rules in their order (libseccomp keeps the first of two with the same conditions). Pure.
import { ARCHES } from './arch.js';
import { actionKey, condsKey } from './describe.js';
import { stringifyExact } from './json-exact.js';

const WIDTH = 100;
import type { Action, ArgCond, Rule, SeccompProfile } from './model.js';

interface OciAction { action: string; errnoRet?: number }
interface OciEntry extends OciAction { names: string[]; args?: OciArgOut[] }
interface OciArgOut { index: number; value: bigint; valueTwo?: bigint; op: string }

/** The OCI name and errnoRet of an action (ERRNO EPERM by name needs no errnoRet). */
export function ociAction(action: Action): OciAction {
  switch (action.kind) {
    case 'ERRNO':
      return action.errnoName === 'EPERM' ? { action: 'SCMP_ACT_ERRNO' } : { action: 'SCMP_ACT_ERRNO', errnoRet: action.errno };
    case 'TRACE': return { action: 'SCMP_ACT_TRACE', errnoRet: action.data };
    default: return { action: `SCMP_ACT_${action.kind}` };
  }
}

function ociArg(cond: ArgCond): OciArgOut {
  const op = `SCMP_CMP_${cond.op}`;
  return cond.op === 'MASKED_EQ' ? { index: cond.index, value: cond.value, valueTwo: cond.valueTwo ?? 0n, op } : { index: cond.index, value: cond.value, op };
}

/** Entries in rule order; a rule joins the first entry like it that no rule of its syscall follows. */
function groupRules(rules: readonly Rule[]): OciEntry[] {
  const entries: OciEntry[] = [];
  const keys: string[] = [];
  const lastEntryOf = new Map<string, number>();
  for (const rule of rules) {
    const key = `${actionKey(rule.action)}|${condsKey(rule.args)}`;
    const last = lastEntryOf.get(rule.syscall) ?? -1;
    const at = keys.indexOf(key, Math.max(last, 0));
    if (at >= 0) {
      if (!entries[at]!.names.includes(rule.syscall)) entries[at]!.names.push(rule.syscall);
      lastEntryOf.set(rule.syscall, at);
      continue;
    }
    const entry: OciEntry = { names: [rule.syscall], ...ociAction(rule.action) };
    if (rule.args.length > 0) entry.args = rule.args.map(ociArg);
    entries.push(entry);
    keys.push(key);
    lastEntryOf.set(rule.syscall, entries.length - 1);
  }
  return entries;
}

/** The profile as OCI JSON text, ending in a newline. */
export function serializeOci(profile: SeccompProfile): string {
  const def = ociAction(profile.defaultAction);
  const json: Record<string, unknown> = { defaultAction: def.action };
  if (def.errnoRet !== undefined) json['defaultErrnoRet'] = def.errnoRet;
  if (profile.architectures.length > 0) json['architectures'] = profile.architectures.map((a) => ARCHES[a].scmpName);
  if (profile.flags.length > 0) json['flags'] = profile.flags;
  json['syscalls'] = groupRules(profile.rules);
  return `${formatJson(json, '')}\n`;
}

/** Pretty JSON that keeps scalar lists (wrapped) and small flat objects on one line. */
function formatJson(value: unknown, indent: string): string {
  const inner = `${indent}  `;
  if (value === null || typeof value !== 'object') return stringifyExact(value, 0);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => v === null || typeof v !== 'object')) return wrapScalars(value.map((v) => stringifyExact(v, 0)), inner, indent);
    return `[\n${value.map((v) => inner + formatJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const flat = entries.every(([, v]) => v === null || typeof v !== 'object');
  const oneLine = `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${stringifyExact(v, 0)}`).join(', ')} }`;
  if (flat && indent.length + oneLine.length <= WIDTH) return oneLine;
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`).join(',\n')}\n${indent}}`;
}

function wrapScalars(items: readonly string[], inner: string, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    if (line !== '' && inner.length + line.length + item.length + 2 > WIDTH) {
      lines.push(line);
      line = '';
    }
    line = line === '' ? item : `${line}, ${item}`;
  }
  lines.push(line);
  return lines.length === 1 && indent.length + lines[0]!.length < WIDTH - 10
    ? `[${lines[0]}]`
    : `[\n${lines.map((l) => inner + l).join(',\n')}\n${indent}]`;
}
