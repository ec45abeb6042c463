// What a stored plan (`jailctl run --save-plan`) records about each path planning looked at, and
// which of it the launcher compares before it runs the plan: decided here, per path, so that
// native/fingerprint.c only compares. Pure.
//
// Two modes. "identity" (a plan for this machine, as the plan cache keeps them): a path whose
// bytes planning read (stat), and a symlink, by type, mode, owner, size, device, inode and both
// times to the nanosecond; the absence of a path by its errno. A path planning only looked at
// (lstat: a directory walked through, a bind source) by type, mode, owner, device and inode: its
// bytes and entries are not what the plan was made from (entries are paths of their own), and a
// service writing its own --rw file must not make its plan stale. (The plan cache compares
// those times too: a miss there only costs a new plan, a stale stored plan is refused.) "content" (a plan made against a root filesystem, --root: its files will
// have other inodes, times and often owners on the device): a file whose bytes planning read is
// compared by type, permission bits, size and SHA-256; a symlink by the SHA-256 of its target;
// anything else planning only looked at (a bind source, a directory, a device node) by type and
// permission bits; the absence of a path stays a fact.
import type { FileKind } from './host.js';

export type FingerprintCheck = 'type' | 'perm' | 'owner' | 'size' | 'dev' | 'ino' | 'mtime' | 'ctime' | 'absent' | 'content' | 'link';

export type FingerprintMode = 'identity' | 'content';

/** One path as the plan's machine will look it up, and what the launcher compares. */
export interface Fingerprint {
  /** absolute, as the plan's machine sees it */
  path: string;
  /** stat(2) (planning read it, following symlinks) rather than lstat(2) */
  follow: boolean;
  checks: FingerprintCheck[];
  /** with 'absent': the errno the lookup fails with there (ENOENT, ENOTDIR ...); else 0 */
  errno: number;
  /** st_mode: file type and permission bits */
  mode: number;
  uid: number;
  gid: number;
  size: bigint;
  dev: bigint;
  ino: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  /** with 'content' or 'link': SHA-256 of the bytes or of the link's target */
  sha256?: Uint8Array;
}

const IDENTITY: FingerprintCheck[] = ['type', 'perm', 'owner', 'size', 'dev', 'ino', 'mtime', 'ctime'];
const LOOKED_AT: FingerprintCheck[] = ['type', 'perm', 'owner', 'dev', 'ino'];

/** S_IFMT values: the type part of st_mode (the same on every Linux machine). */
export const S_IFMT = 0o170000;
export const FILE_TYPE_BITS: Readonly<Record<FileKind, number>> = {
  socket: 0o140000, symlink: 0o120000, file: 0o100000, block: 0o060000, dir: 0o040000, char: 0o020000, fifo: 0o010000,
};

/** The kind of a st_mode. */
export function kindOfMode(mode: number): FileKind {
  const type = mode & S_IFMT;
  const kind = (Object.keys(FILE_TYPE_BITS) as FileKind[]).find((k) => FILE_TYPE_BITS[k] === type);
  if (kind === undefined) throw new RangeError(`st_mode ${mode.toString(8)} has no file type`);
  return kind;
}

/**
 * What the launcher compares for a path found as `kind` (undefined: absent) by stat (`follow`)
 * or lstat: the fields that could change what planning decided from it.
 */
export function selectChecks(kind: FileKind | undefined, follow: boolean, mode: FingerprintMode): FingerprintCheck[] {
  if (kind === undefined) return ['absent'];
  if (mode === 'identity') return !follow && kind !== 'symlink' ? LOOKED_AT : IDENTITY;
  if (kind === 'file' && follow) return ['type', 'perm', 'size', 'content'];
  if (kind === 'symlink') return ['type', 'link'];
  return ['type', 'perm'];
}

/** Only what the checks compare (the rest zeroed): a plan saved twice from the same files is the
 * same bytes, and a target plan carries nothing of the build host's inodes, times or owners. */
export function keepChecked(fp: Fingerprint): Fingerprint {
  const has = (c: FingerprintCheck) => fp.checks.includes(c);
  const kept: Fingerprint = {
    path: fp.path, follow: fp.follow, checks: fp.checks, errno: has('absent') ? fp.errno : 0,
    mode: (has('type') ? fp.mode & S_IFMT : 0) | (has('perm') ? fp.mode & 0o7777 : 0),
    uid: has('owner') ? fp.uid : 0, gid: has('owner') ? fp.gid : 0,
    size: has('size') ? fp.size : 0n, dev: has('dev') ? fp.dev : 0n, ino: has('ino') ? fp.ino : 0n,
    mtimeNs: has('mtime') ? fp.mtimeNs : 0n, ctimeNs: has('ctime') ? fp.ctimeNs : 0n,
  };
  if ((has('content') || has('link')) && fp.sha256 !== undefined) kept.sha256 = fp.sha256;
  return kept;
}
