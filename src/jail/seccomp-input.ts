// The seccomp programs of `jailctl run` that need the profile compiler (edge: reads the file):
// --seccomp FILE, checked like `jailctl profile check --arch <host>` and compiled for the host,
// and the baseline filter whenever it cannot come prebuilt (under a profile, with capabilities
// kept, set-ID bits allowed). Any problem is an error (exit 125): a filter is never silently
// skipped and the service never starts without it. What runc, crun or procd accept is a warning
// line (an error with --seccomp-strict). A Docker-format profile is decided for the jail's own
// capability bounding set, as dockerd decides it for the container's.
//
// A profile need not allow execve (procd applies its filter after the service's execve): the
// first execve is answered by the jail's pid 1 (seccomp-notify.ts), and so are the profile's
// KILL_PROCESS actions, so a refused call is named in the log instead of a bare SIGSYS.
import { hostDockerOptions } from '../io/profile-io.js';
import { readInputText } from '../io/input-file.js';
import { INPUT_LIMITS } from '../io/input-limits.js';
import { resolveArch } from '../profile/arch.js';
import { compileFilter } from '../profile/compile.js';
import type { SeccompProfile } from '../profile/model.js';
import { parseProfileOrThrow } from '../profile/parse.js';
import { compileBaseline, type BaselineOptions } from './baseline.js';
import type { SeccompListener, SeccompNotify } from './plan.js';
import { buildRunFilter, type NotifyOptions } from './seccomp-notify.js';

export interface SeccompForRun {
  /** struct sock_filter array in host byte order, for seccomp(SECCOMP_SET_MODE_FILTER) */
  filter: Uint8Array;
  /** the profile file, for messages and the plan */
  profile: string;
  /** SECCOMP_FILTER_FLAG_* bits */
  flags: number;
  /** the filter is installed with a listener the jail's pid 1 takes */
  listener?: SeccompListener;
  /** what pid 1 answers on it */
  notify?: SeccompNotify;
  /** the profile as read, for the baseline under it */
  parsed: SeccompProfile;
}

/** What the profile is read for besides the file and arch: the jail's bounding set, strictness. */
export interface SeccompContext {
  /** the jail's capability bounding set (CAP_* names): what Docker-format caps conditions see */
  caps: readonly string[];
  /** refuse what would otherwise be a warning */
  strict: boolean;
  /** receives each warning line */
  warn?: (line: string) => void;
  /** where the profile was given, for messages ("--seccomp", "procd_set_param seccomp") */
  what?: string;
}

/** What `jailctl run` needs the compiler for; NO_SECCOMP (run.ts) where no profile is possible. */
export interface SeccompCompiler {
  profile(file: string, arch: string, context: SeccompContext): SeccompForRun;
  /** the baseline compiled now; undefined when nothing is left to refuse */
  baseline(arch: string, options: BaselineOptions): Uint8Array | undefined;
}

export function compileSeccompForRun(file: string, arch: string, context: Partial<SeccompContext> = {}, options: NotifyOptions = {}): SeccompForRun {
  const profile = readRunProfile(file, arch, context);
  const run = buildRunFilter(profile, arch, options);
  return { ...run, profile: file, parsed: profile };
}

/**
 * The profile, checked for `arch` as `profile check` does except that it need not allow execve:
 * jailctl answers the service's own first execve itself. Warnings go to `context.warn`.
 */
export function readRunProfile(file: string, arch: string, context: Partial<SeccompContext> = {}): SeccompProfile {
  const docker = { ...hostDockerOptions(), arch: resolveArch(arch).name, caps: context.caps ?? [] };
  const parsed = parseProfileOrThrow(readInputText(file, context.what ?? '--seccomp', INPUT_LIMITS.profile), file, {
    arch, forRun: true, execveAnswered: true, strict: context.strict === true, docker, ...(context.warn ? { warn: context.warn } : {}),
  });
  return parsed.profile;
}

export function compileBaselineForRun(arch: string, options: BaselineOptions): Uint8Array | undefined {
  return compileBaseline(resolveArch(arch).name, options)?.program;
}

export const SECCOMP_COMPILER: SeccompCompiler = {
  profile: (file, arch, context) => compileSeccompForRun(file, arch, context),
  baseline: compileBaselineForRun,
};
