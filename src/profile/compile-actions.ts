// Profile actions, argument conditions and flags checked and mapped to the numbers a seccomp
// filter uses (SECCOMP_RET_* values, SECCOMP_FILTER_FLAG_* bits). Pure; throws JailctlError
// with the rule it was looking at, since a compiler can be fed data no schema has checked.
import { JailctlError } from '../errors.js';
import type { ArchInfo } from './arch.js';
import { SECCOMP_RET } from './bpf.js';
import { resolveErrno } from './errno.js';
import type { Action, ArgCond, ArgOp } from './model.js';

/** Largest errno the kernel returns (MAX_ERRNO, it clamps above). */
const MAX_ERRNO = 4095;
const U64_MAX = (1n << 64n) - 1n;
const ARG_OPS: readonly ArgOp[] = ['EQ', 'NE', 'LT', 'LE', 'GT', 'GE', 'MASKED_EQ'];

/** SECCOMP_FILTER_FLAG_* (include/uapi/linux/seccomp.h). */
export const FILTER_FLAGS: Readonly<Record<string, number>> = {
  SECCOMP_FILTER_FLAG_TSYNC: 1,
  SECCOMP_FILTER_FLAG_LOG: 2,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
  SECCOMP_FILTER_FLAG_NEW_LISTENER: 8,
  SECCOMP_FILTER_FLAG_TSYNC_ESRCH: 16,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 32,
};

/** The SECCOMP_RET_* value of an action on one ABI (errno names resolve per arch). */
export function actionValue(action: Action, abi: ArchInfo, where: string): number {
  switch (action.kind) {
    case 'ALLOW': return SECCOMP_RET.ALLOW;
    case 'KILL_PROCESS': return SECCOMP_RET.KILL_PROCESS;
    case 'KILL_THREAD': return SECCOMP_RET.KILL_THREAD;
    case 'TRAP': return SECCOMP_RET.TRAP;
    case 'LOG': return SECCOMP_RET.LOG;
    case 'NOTIFY': return SECCOMP_RET.USER_NOTIF;
    case 'ERRNO': return (SECCOMP_RET.ERRNO | errnoOf(action, abi, where)) >>> 0;
    case 'TRACE': return (SECCOMP_RET.TRACE | checkedData(action.data, where)) >>> 0;
    default: throw invalid(`${where}: unknown action ${JSON.stringify((action as { kind?: unknown }).kind)}`,
      'use ALLOW, ERRNO, KILL_PROCESS, KILL_THREAD, TRAP, TRACE, LOG or NOTIFY');
  }
}

function errnoOf(action: Extract<Action, { kind: 'ERRNO' }>, abi: ArchInfo, where: string): number {
  if (action.errnoName !== undefined) {
    const nr = resolveErrno(abi.errnoFamily, action.errnoName);
    if (nr === undefined) throw invalid(`${where}: unknown errno name "${action.errnoName}" on ${abi.name}`, 'use a name such as EPERM, EACCES or ENOSYS');
    return nr;
  }
  if (!Number.isInteger(action.errno) || action.errno < 0 || action.errno > MAX_ERRNO) {
    throw invalid(`${where}: errno ${action.errno} is not an integer in 0-${MAX_ERRNO}`, 'use a small errno number such as 1 (EPERM)');
  }
  return action.errno;
}

function checkedData(data: number, where: string): number {
  if (!Number.isInteger(data) || data < 0 || data > 0xffff) {
    throw invalid(`${where}: TRACE data ${data} is not an integer in 0-65535`, 'the tracer gets 16 bits of data');
  }
  return data;
}

/** The actions that let a syscall run (they weigh as "hot" when ordering the dispatch tree). */
export function isRunning(value: number): boolean {
  return value === SECCOMP_RET.ALLOW || value === SECCOMP_RET.LOG;
}

/** Check one argument condition; returns it with valueTwo filled (0 when unused). */
export function checkCond(cond: ArgCond, where: string): Required<ArgCond> {
  if (!Number.isInteger(cond.index) || cond.index < 0 || cond.index > 5) {
    throw invalid(`${where}: argument index ${cond.index} is not 0-5`, 'syscalls have at most six arguments, counted from 0');
  }
  if (!ARG_OPS.includes(cond.op)) throw invalid(`${where}: unknown comparison "${cond.op}"`, `use one of ${ARG_OPS.join(', ')}`);
  checkU64(cond.value, `${where}: args[${cond.index}] value`);
  if (cond.op === 'MASKED_EQ' && cond.valueTwo === undefined) {
    throw invalid(`${where}: MASKED_EQ on args[${cond.index}] needs valueTwo`, 'MASKED_EQ tests (arg & value) == valueTwo');
  }
  const valueTwo = cond.valueTwo ?? 0n;
  checkU64(valueTwo, `${where}: args[${cond.index}] valueTwo`);
  return { index: cond.index, op: cond.op, value: cond.value, valueTwo };
}

function checkU64(value: bigint, what: string): void {
  if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) {
    throw invalid(`${what} ${String(value)} is not an unsigned 64-bit integer`, 'write negative numbers as their two\'s complement (-1 is 18446744073709551615)');
  }
}

/** SECCOMP_FILTER_FLAG_* names -> the flags argument of seccomp(2). */
export function resolveFilterFlags(flags: readonly string[]): number {
  let bits = 0;
  for (const flag of flags) {
    const bit = FILTER_FLAGS[flag];
    if (bit === undefined) throw invalid(`unknown seccomp flag "${flag}"`, `use one of ${Object.keys(FILTER_FLAGS).join(', ')}`);
    bits |= bit;
  }
  return bits;
}

export function invalid(message: string, hint: string): JailctlError {
  return new JailctlError('PROFILE_INVALID', message, { hint });
}
