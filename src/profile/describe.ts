// Readable and comparable text for actions, conditions and rules: shared by the checks, merge,
// diff and explain so one rule reads the same everywhere. Pure.
import { ARCHES, type ArchName } from './arch.js';
import { errnoName } from './errno.js';
import type { Action, ArgCond, ArgOp, Rule } from './model.js';

const OP_TEXT: Readonly<Record<ArgOp, string>> = { EQ: '==', NE: '!=', LT: '<', LE: '<=', GT: '>', GE: '>=', MASKED_EQ: '&' };

/** Kernel precedence of actions (include/uapi/linux/seccomp.h): the stricter comes first. */
const PRECEDENCE: readonly Action['kind'][] = ['KILL_PROCESS', 'KILL_THREAD', 'TRAP', 'ERRNO', 'NOTIFY', 'TRACE', 'LOG', 'ALLOW'];

/** ALLOW, ERRNO(EPERM), ERRNO(38), TRACE(1) ...; with `arch`, errno numbers get their name there. */
export function actionText(action: Action, arch?: ArchName): string {
  if (action.kind === 'ERRNO') {
    if (action.errnoName !== undefined) return `ERRNO(${action.errnoName})`;
    const name = arch === undefined ? undefined : errnoName(ARCHES[arch].errnoFamily, action.errno);
    return name === undefined ? `ERRNO(${action.errno})` : `ERRNO(${action.errno} ${name})`;
  }
  if (action.kind === 'TRACE') return `TRACE(${action.data})`;
  return action.kind;
}

/** Equal for actions the kernel cannot tell apart (ERRNO named EPERM and ERRNO 1 are one). */
export function actionKey(action: Action): string {
  if (action.kind === 'ERRNO') return `ERRNO:${action.errno}`;
  if (action.kind === 'TRACE') return `TRACE:${action.data}`;
  return action.kind;
}

/** Lower is stricter, following the kernel's precedence when filters are stacked. */
export function actionStrictness(action: Action): number {
  return PRECEDENCE.indexOf(action.kind);
}

/** The actions that let a syscall run. */
export function isAllowing(action: Action): boolean {
  return action.kind === 'ALLOW' || action.kind === 'LOG';
}

function valueText(value: bigint): string {
  return value < 0x10000n ? value.toString() : `0x${value.toString(16)}`;
}

/** `arg0 == 2`, `arg1 & 0x80000 == 0` */
export function condText(cond: ArgCond): string {
  const arg = `arg${cond.index}`;
  if (cond.op === 'MASKED_EQ') return `${arg} & ${valueText(cond.value)} == ${valueText(cond.valueTwo ?? 0n)}`;
  return `${arg} ${OP_TEXT[cond.op]} ${valueText(cond.value)}`;
}

/** Conditions in a canonical order (by index, op, value), so equal sets compare equal. */
export function sortedConds(conds: readonly ArgCond[]): ArgCond[] {
  const key = (c: ArgCond) => `${c.index}:${c.op}:${c.value}:${c.valueTwo ?? 0n}`;
  return [...conds].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** `arg0 == 2 && arg2 != 0`, or '' without conditions. */
export function condsText(conds: readonly ArgCond[]): string {
  return sortedConds(conds).map(condText).join(' && ');
}

/** Same string for rules of one syscall whose conditions are the same set. */
export function condsKey(conds: readonly ArgCond[]): string {
  return sortedConds(conds).map((c) => `${c.index}:${c.op}:${c.value}:${c.valueTwo ?? 0n}`).join('&');
}

/** `ALLOW`, or `ERRNO(EPERM) if arg0 == 10` */
export function ruleText(rule: Rule, arch?: ArchName): string {
  const conds = condsText(rule.args);
  return conds === '' ? actionText(rule.action, arch) : `${actionText(rule.action, arch)} if ${conds}`;
}
