// The one error type jailctl throws. Library code never prints or exits: it throws a JailctlError
// and src/cli/output.ts turns it into one line (plus an optional hint) and an exit code.

/** Codes are AREA_PROBLEM; the common ones are listed, each area may add its own. */
export type JailctlErrorCode =
  | `${Uppercase<string>}_${Uppercase<string>}`
  | 'USAGE'
  | 'SPEC_INVALID'
  | 'SPEC_UNREADABLE'
  | 'PROFILE_INVALID'
  | 'PROFILE_UNREADABLE'
  | 'PROFILE_UNKNOWN_SYSCALL'
  | 'PROFILE_TOO_LARGE'
  | 'ARCH_UNKNOWN'
  | 'ELF_MALFORMED'
  | 'ELF_DEP_MISSING'
  | 'PATH_MISSING'
  | 'COMMAND_NOT_FOUND'
  | 'COMMAND_NOT_EXECUTABLE'
  | 'PATH_UNSAFE'
  | 'CAPS_INVALID'
  | 'USER_UNKNOWN'
  | 'GROUP_UNKNOWN'
  | 'JAIL_INVALID'
  | 'JAIL_SETUP_FAILED'
  | 'NATIVE_NOT_BUILT'
  | 'NOT_SUPPORTED'
  | 'IO_FAILED'
  | 'FAILSAFE_CONFIG_INVALID'
  | 'FAILSAFE_KEY_MISSING'
  | 'FAILSAFE_KEY_INVALID'
  | 'FAILSAFE_KEY_EXISTS'
  | 'FAILSAFE_IFACE_FAILED';

export interface JailctlErrorDetails {
  hint?: string;
  path?: string;
  syscall?: string;
  errno?: string;
  step?: string;
  cause?: unknown;
}

export class JailctlError extends Error {
  readonly code: JailctlErrorCode;
  readonly hint: string | undefined;
  readonly path: string | undefined;
  readonly syscall: string | undefined;
  readonly errno: string | undefined;
  readonly step: string | undefined;

  constructor(code: JailctlErrorCode, message: string, details: JailctlErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'JailctlError';
    this.code = code;
    this.hint = details.hint;
    this.path = details.path;
    this.syscall = details.syscall;
    this.errno = details.errno;
    this.step = details.step;
  }
}

/** Narrow an unknown thrown value to a Node system error (ENOENT, EACCES ...). */
export function isErrnoError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string';
}
