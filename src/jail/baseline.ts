// The built-in baseline filter as a seccomp profile (defaultAction ALLOW, ERRNO rules from
// baseline-entries.ts), for every ABI the host kernel runs, so no ABI of the host is "bad" and
// i386/x32 calls meet the same refusals. Compiled by the project's compiler like any profile.
// Pure.
//
// Under a profile (--seccomp) the profile decides: an entry is kept only for calls the profile
// leaves to an allowing default, never for a call it names, so the baseline cannot refuse what the
// profile allows nor turn its KILL into an EPERM. Set-ID refinements are the exception: they stay
// on calls the profile allows, since allowing chmod or openat is not allowing set-ID files.
import { ARCHES, kernelGroupOf, resolveSyscall, type ArchName } from '../profile/arch.js';
import { compileFilter, type CompiledFilter } from '../profile/compile.js';
import { isAllowing } from '../profile/describe.js';
import type { Action, ArgCond, Rule, SeccompProfile } from '../profile/model.js';
import { BASELINE_ENTRIES, archConstants, type BaselineEntry } from './baseline-entries.js';

export interface BaselineOptions {
  /** capabilities the service keeps (CAP_SYS_ADMIN ...): entries they make legitimate are left out */
  keptCaps?: readonly string[];
  /** --allow-suid-sgid: no set-ID refinements */
  allowSuidSgid?: boolean;
  /** the --seccomp profile: its rules decide the calls they name */
  profile?: SeccompProfile;
}

/**
 * The baseline compiled for `arch`, or undefined when nothing is left to refuse. Its rules name
 * direct syscalls only: its socket family check reads an argument that socketcall(2) keeps in
 * memory, and covering socketcall as libseccomp does would refuse every socket() an i386 libc
 * makes through it.
 */
export function compileBaseline(arch: ArchName, options: BaselineOptions = {}): CompiledFilter | undefined {
  const profile = buildBaselineProfile(arch, options);
  return profile === undefined ? undefined : compileFilter(profile, arch, { multiplexers: false });
}

/** The baseline as a profile for `arch`, or undefined when nothing is left to refuse. */
export function buildBaselineProfile(arch: ArchName, options: BaselineOptions = {}): SeccompProfile | undefined {
  const abis = kernelGroupOf(arch);
  const constants = archConstants(ARCHES[arch].group);
  const entries = BASELINE_ENTRIES.filter((e) => applies(e, options));
  const rules: Rule[] = [];
  for (const entry of entries) {
    const action: Action = { kind: 'ERRNO', errno: entry.errno === 'EPERM' ? 1 : 38, errnoName: entry.errno };
    const alternatives: ArgCond[][] = entry.when?.(constants) ?? [[]];
    for (const name of entry.names) {
      if (!abis.some((abi) => resolveSyscall(abi, name) !== undefined)) continue;
      if (options.profile !== undefined && !leftToBaseline(options.profile, name, entry.group === 'suid')) continue;
      for (const args of alternatives) rules.push({ syscall: name, action, args });
    }
  }
  if (rules.length === 0) return undefined;
  return { defaultAction: { kind: 'ALLOW' }, architectures: abis, flags: [], rules };
}

function applies(entry: BaselineEntry, options: BaselineOptions): boolean {
  if (entry.group === 'suid' && options.allowSuidSgid === true) return false;
  return !(entry.liftedBy ?? []).some((cap) => (options.keptCaps ?? []).includes(cap));
}

/**
 * Whether the baseline may add its refusal of `name` under `profile`: the profile has no rule for
 * it and allows it by default; for set-ID refinements, whenever the profile can allow the call.
 */
export function leftToBaseline(profile: SeccompProfile, name: string, refinement: boolean): boolean {
  const rules = profile.rules.filter((r) => r.syscall === name);
  const byDefault = rules.length === 0 && isAllowing(profile.defaultAction);
  return refinement ? byDefault || rules.some((r) => isAllowing(r.action)) : byDefault;
}
