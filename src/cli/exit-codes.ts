// Exit codes, following env(1) and chroot(1): the service's own status passes through.

/** jailctl failed before the command ran: usage, spec, profile, jail setup. */
export const EXIT_JAILCTL_FAILED = 125;
/** the command exists but could not be executed (execve EACCES/ENOEXEC) */
export const EXIT_CANNOT_EXECUTE = 126;
/** the command was not found */
export const EXIT_NOT_FOUND = 127;
/** the reader of our output went away (128 + SIGPIPE, what a C tool would end with) */
export const EXIT_OUTPUT_CLOSED = 141;
/** `profile check` found problems */
export const EXIT_CHECK_FAILED = 1;

/** The exit status for an error that stopped jailctl before the command ran. */
export function exitCodeFor(err: unknown): number {
  // an error that knows its status (an interrupted `service start`: 128 + the signal)
  const status = (err as { exitStatus?: unknown } | null)?.exitStatus;
  if (typeof status === 'number') return status;
  const code = (err as { code?: unknown } | null)?.code;
  // as outside a jail: execve's ENOENT for a missing "#!" or ELF interpreter, the loader's own
  // exit 127 for a missing library
  if (code === 'COMMAND_NOT_FOUND' || code === 'ELF_DEP_MISSING') return EXIT_NOT_FOUND;
  if (code === 'COMMAND_NOT_EXECUTABLE') return EXIT_CANNOT_EXECUTE;
  return EXIT_JAILCTL_FAILED;
}
