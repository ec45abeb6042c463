// Taking a stored plan's fingerprints (edge): stat(2) or lstat(2) every path planning looked at,
// on this machine or below a target's root filesystem, and keep what fingerprint.ts says the
// launcher compares (hashing the bytes where it compares content).
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readlinkSync, statSync, type BigIntStats } from 'node:fs';
import { JailctlError, isErrnoError } from '../errors.js';
import { fsPath } from '../io/raw-bytes.js';
import type { ErrnoFamily } from '../profile/errno.js';
import { resolveErrno } from '../profile/errno.js';
import { keepChecked, kindOfMode, selectChecks, type Fingerprint, type FingerprintMode } from './fingerprint.js';
import { lookupInRoot } from './host-root.js';
import type { PlanDependency } from './plan-cache.js';

export interface FingerprintSource {
  mode: FingerprintMode;
  /** the target's root filesystem (paths are looked up below it); this machine's "/" if unset */
  root?: string;
  /** errno numbering of the plan's machine */
  errnoFamily: ErrnoFamily;
}

/** A fingerprint, and the ctime of the file here (0 when absent): a plan made from a file changed
 * in the last moments is not trusted (see save-plan.ts). */
export interface TakenFingerprint {
  fingerprint: Fingerprint;
  localCtimeNs: bigint;
}

function statHere(local: string | Buffer, follow: boolean): BigIntStats | string {
  try {
    return follow ? statSync(local, { bigint: true }) : lstatSync(local, { bigint: true });
  } catch (err) {
    if (isErrnoError(err) && err.code !== undefined) return err.code;
    throw err;
  }
}

function absent(path: string, follow: boolean, code: string, family: ErrnoFamily): TakenFingerprint {
  const errno = resolveErrno(family, code);
  if (errno === undefined) throw new JailctlError('IO_FAILED', `${path}: cannot look it up (${code})`, { path, hint: 'fix the path, or its permissions' });
  const zero = 0n;
  return { fingerprint: { path, follow, checks: ['absent'], errno, mode: 0, uid: 0, gid: 0, size: zero, dev: zero, ino: zero, mtimeNs: zero, ctimeNs: zero }, localCtimeNs: zero };
}

function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

export function takeFingerprint(dep: PlanDependency, source: FingerprintSource): TakenFingerprint {
  const { path, follow } = dep;
  let local: string | Buffer = fsPath(path);
  if (source.root !== undefined) {
    const found = lookupInRoot(source.root, path, follow);
    if (!('local' in found)) return absent(path, follow, found.errno, source.errnoFamily);
    local = fsPath(found.local);
  }
  const s = statHere(local, follow);
  if (typeof s === 'string') return absent(path, follow, s, source.errnoFamily);
  const mode = Number(s.mode);
  const checks = selectChecks(kindOfMode(mode), follow, source.mode);
  const fingerprint: Fingerprint = {
    path, follow, checks, errno: 0, mode, uid: Number(s.uid), gid: Number(s.gid),
    size: s.size, dev: s.dev, ino: s.ino, mtimeNs: s.mtimeNs, ctimeNs: s.ctimeNs,
  };
  if (checks.includes('content')) fingerprint.sha256 = sha256(readFileSync(local));
  if (checks.includes('link')) fingerprint.sha256 = sha256(readlinkSync(local, { encoding: 'buffer' }));
  return { fingerprint: keepChecked(fingerprint), localCtimeNs: s.ctimeNs };
}
