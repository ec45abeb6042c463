// The seccomp program for `run --seccomp FILE` (edge: reads the file). The profile is checked
// like `jailctl profile check --arch <host>` and compiled for the host; any problem is an error
// (exit 125): a filter is never silently skipped and the service never starts without it.
//
// Named denials: the profile's KILL_PROCESS actions are compiled as SECCOMP_RET_TRACE instead,
// and the jail's pid 1 (the tracer) names the refused call, then kills the process itself, so a
// denial is a log line instead of a bare SIGSYS. Allowed calls never stop.
import { readInputText } from '../io/input-file.js';
import { INPUT_LIMITS } from '../io/input-limits.js';
import { ARCHES, kernelGroupOf, syscallTable, type ArchName } from '../profile/arch.js';
import { compileFilter } from '../profile/compile.js';
import type { Action, SeccompProfile } from '../profile/model.js';
import { parseProfileOrThrow } from '../profile/parse.js';

/** RET_DATA of the trace action standing for "kill the process" (native/trace.h). */
export const DENY_KILL_PROCESS = 1;

export interface SeccompForRun {
  /** struct sock_filter array in host byte order, for seccomp(SECCOMP_SET_MODE_FILTER) */
  filter: Uint8Array;
  /** the profile file, for messages and the plan */
  profile: string;
  /** SECCOMP_FILTER_FLAG_* bits the profile asks for (its "flags") */
  flags: number;
  /** set when refused calls stop for pid 1: syscall names for the log line */
  denials?: { auditArch: number; nr: number; name: string }[];
}

export interface SeccompOptions {
  /** name refused calls instead of a bare SIGSYS (default true) */
  nameDenials?: boolean;
  /** where the profile was named, for messages (default "--seccomp") */
  what?: string;
}

export function compileSeccompForRun(file: string, arch: string, options: SeccompOptions = {}): SeccompForRun {
  const parsed = parseProfileOrThrow(readInputText(file, options.what ?? '--seccomp', INPUT_LIMITS.profile), file, { arch });
  const named = options.nameDenials !== false && usesKillProcess(parsed.profile);
  const profile = named ? withKillsTraced(parsed.profile) : parsed.profile;
  const compiled = compileFilter(profile, arch);
  const result: SeccompForRun = { filter: compiled.program, profile: file, flags: compiled.flags };
  if (named) result.denials = syscallNames(compiled.arch as ArchName);
  return result;
}

function usesKillProcess(profile: SeccompProfile): boolean {
  return profile.defaultAction.kind === 'KILL_PROCESS' || profile.rules.some((r) => r.action.kind === 'KILL_PROCESS');
}

function withKillsTraced(profile: SeccompProfile): SeccompProfile {
  const traced = (action: Action): Action => (action.kind === 'KILL_PROCESS' ? { kind: 'TRACE', data: DENY_KILL_PROCESS } : action);
  return { ...profile, defaultAction: traced(profile.defaultAction), rules: profile.rules.map((r) => ({ ...r, action: traced(r.action) })) };
}

/** Every syscall of every ABI the host kernel runs, labelled "name" or "name (abi)". */
function syscallNames(host: ArchName): { auditArch: number; nr: number; name: string }[] {
  return kernelGroupOf(host).flatMap((abi) =>
    Object.entries(syscallTable(abi).syscalls).map(([name, nr]) => ({ auditArch: ARCHES[abi].auditArch, nr, name: abi === host ? name : `${name} (${abi})` })),
  );
}
