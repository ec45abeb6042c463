// `harden --check` (pure): a hardened run's calls against the traced run's. A call that failed
// with EPERM, EACCES, ENOENT or EROFS where the traced run only ever succeeded is reported, and
// so is every syscall the overlay's profile would kill (the checked run is traced without its
// filter, so a refused call is seen instead of ending the service).
import type { SeccompProfile } from '../../profile/model.js';
import { evidenceKey, type CheckBaseline } from './build.js';
import type { Evidence } from './evidence.js';

export const CHECKED_ERRNOS: readonly string[] = ['EPERM', 'EACCES', 'ENOENT', 'EROFS'];
const SIGSYS = 31;

export interface CheckInputs {
  baseline: CheckBaseline;
  evidence: readonly Evidence[];
  /** every syscall name the checked run made */
  syscalls: readonly string[];
  profile: SeccompProfile;
  /** the signal that ended the service, if one did */
  signal?: number;
}

export function checkHardenedRun(inputs: CheckInputs): string[] {
  const ok = new Set(inputs.baseline.ok);
  const failedBefore = new Set(inputs.baseline.failed);
  const lines = new Map<string, string>();
  for (const e of inputs.evidence) {
    if (e.ok || e.errno === undefined || !CHECKED_ERRNOS.includes(e.errno)) continue;
    const key = evidenceKey(e);
    if (ok.has(key) && !failedBefore.has(key)) lines.set(key, `${key}: ${e.errno} (the traced run: ok)`);
  }
  for (const name of [...inputs.syscalls].sort()) {
    if (!allowedBy(inputs.profile, name)) lines.set(`syscall ${name}`, `${name}(): not in the profile: killed (SIGSYS)`);
  }
  if (inputs.signal === SIGSYS) lines.set('SIGSYS', 'the service was killed by SIGSYS');
  return [...lines.values()];
}

/** What the profile does with a call, its arguments aside: an ALLOW rule or an ALLOW default. */
export function allowedBy(profile: SeccompProfile, syscall: string): boolean {
  const rules = profile.rules.filter((r) => r.syscall === syscall);
  if (rules.length > 0) return rules.some((r) => r.action.kind === 'ALLOW');
  return profile.defaultAction.kind === 'ALLOW' || profile.defaultAction.kind === 'LOG';
}
