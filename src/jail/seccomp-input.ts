// The seccomp program for `run --seccomp FILE` (edge: reads the file). The profile is checked
// like `jailctl profile check --arch <host>` and compiled for the host; any problem is an error
// (exit 125): a filter is never silently skipped and the service never starts without it.
import { readFileText } from '../io/profile-io.js';
import { compileFilter } from '../profile/compile.js';
import { parseProfileOrThrow } from '../profile/parse.js';

export interface SeccompForRun {
  /** struct sock_filter array in host byte order, for seccomp(SECCOMP_SET_MODE_FILTER) */
  filter: Uint8Array;
  /** the profile file, for messages and the plan */
  profile: string;
  /** SECCOMP_FILTER_FLAG_* bits the profile asks for (its "flags") */
  flags: number;
}

export function compileSeccompForRun(file: string, arch: string): SeccompForRun {
  const parsed = parseProfileOrThrow(readFileText(file), file, { arch });
  const compiled = compileFilter(parsed.profile, arch);
  return { filter: compiled.program, profile: file, flags: compiled.flags };
}
