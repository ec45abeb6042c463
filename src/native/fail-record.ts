// The launcher's failure record (native/fail.h struct jc_fail) turned back into words, for a
// starter that receives it instead of the launcher's stderr (supervised services).
import { constants } from 'node:os';
import { JailctlError } from '../errors.js';
import type { LaunchPlan } from '../jail/plan.js';

/** enum jc_sys, in order. */
const SYSCALLS = [
  '', 'open', 'openat', 'fstat', 'write', 'mkdir', 'rmdir', 'mount', 'umount2', 'symlink', 'pivot_root',
  'chdir', 'sethostname', 'socket', 'ioctl', 'unshare', 'fork', 'setrlimit', 'setgroups', 'setresgid', 'setresuid',
  'prctl', 'capget', 'capset', 'setsid', 'close_range', 'seccomp', 'execve', 'statfs', 'clone', 'read', 'ptrace',
  'pidfd_open', 'pidfd_getfd', 'keyctl', 'fsmount',
];

const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, number]) => [number, name]));

export const FAIL_RECORD_SIZE = 12;

/** Decodes a jc_fail record into the error `jailctl run` would have printed. */
export function failRecordToError(plan: LaunchPlan, bytes: Uint8Array, littleEndian: boolean): JailctlError {
  const view = new DataView(bytes.buffer, bytes.byteOffset, FAIL_RECORD_SIZE);
  const index = view.getInt32(0, littleEndian);
  const sys = view.getInt32(4, littleEndian);
  const errno = view.getInt32(8, littleEndian);
  const step = plan.steps[index];
  const errnoName = ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
  const what = step?.describe ?? 'launch plan';
  const details = { errno: errnoName, ...(SYSCALLS[sys] ? { syscall: SYSCALLS[sys]! } : {}), ...(step?.hint ? { hint: step.hint } : {}), ...(step ? { step: step.op } : {}) };
  return new JailctlError('JAIL_SETUP_FAILED', `${plan.name}: ${what}: ${SYSCALLS[sys] ?? '?'}(2): ${errnoName}`, details);
}
