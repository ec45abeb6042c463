// The seccomp program for `run --seccomp FILE`. Until the profile compiler lands (issue 3),
// asking for seccomp fails clearly: a filter is never silently skipped.
import { JailctlError } from '../errors.js';

export function compileSeccompForRun(file: string, arch: string): { filter: Uint8Array; profile: string } {
  throw new JailctlError('NOT_SUPPORTED', `--seccomp ${file}: the seccomp compiler for ${arch} is not available in this build`, {
    path: file,
    hint: 'run without --seccomp, or update jailctl',
  });
}
