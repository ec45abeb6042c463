// The stored-plan file (`jailctl run --save-plan FILE`, run by `jailctl-launch --plan FILE`):
// a versioned binary that native/stored-plan.c decodes without any parser beyond reading
// little-endian integers and length-prefixed strings. Pure. Layout (docs/stored-plans.md):
//   "JCSTORED" u32 version, str arch, str refresh, u32 n, n fingerprints, u32 plan length, plan
//   fingerprint: u32 follow, checks, errno, mode, uid, gid; u64 size, dev, ino, mtime s;
//                u32 mtime ns; u64 ctime s; u32 ctime ns; 32 bytes SHA-256; str path
// where str is (u32 length, bytes, NUL) and plan is the launch plan of plan-codec.ts.
import { JailctlError } from '../errors.js';
import { decodeRaw } from '../io/raw-bytes.js';
import type { Fingerprint, FingerprintCheck } from '../jail/fingerprint.js';
import { LeWriter } from './le-writer.js';

export const STORED_PLAN_MAGIC = 'JCSTORED';
export const STORED_PLAN_VERSION = 1;

/** The check bits of native/stored-plan.h (a test compares them). */
export const CHECK_BITS: Readonly<Record<FingerprintCheck, number>> = {
  type: 1, perm: 2, owner: 4, size: 8, dev: 16, ino: 32, mtime: 64, ctime: 128, absent: 256, content: 512, link: 1024,
};

export interface StoredPlan {
  /** the machine the plan is for (src/profile/arch.ts names); the launcher must be built for it */
  arch: string;
  /** what the stale line tells to do, e.g. "run jailctl run --save-plan again" */
  refresh: string;
  fingerprints: Fingerprint[];
  /** the encoded launch plan */
  plan: Uint8Array;
}

const NS = 1_000_000_000n;
const NO_DIGEST = new Uint8Array(32);

/** [seconds, nanoseconds] as struct timespec holds them (nanoseconds never negative). */
function timespec(ns: bigint): [bigint, number] {
  const nsec = ((ns % NS) + NS) % NS;
  return [(ns - nsec) / NS, Number(nsec)];
}

function checkBits(checks: readonly FingerprintCheck[]): number {
  return checks.reduce((bits, c) => bits | CHECK_BITS[c], 0);
}

function writeFingerprint(w: LeWriter, fp: Fingerprint): void {
  const digest = fp.sha256 ?? NO_DIGEST;
  if (digest.length !== 32) throw new JailctlError('JAIL_INVALID', `${fp.path}: a SHA-256 digest has 32 bytes, not ${digest.length}`);
  for (const v of [fp.follow ? 1 : 0, checkBits(fp.checks), fp.errno, fp.mode, fp.uid, fp.gid]) w.u32(v);
  const [mtimeS, mtimeNsec] = timespec(fp.mtimeNs);
  const [ctimeS, ctimeNsec] = timespec(fp.ctimeNs);
  for (const v of [fp.size, fp.dev, fp.ino, mtimeS]) w.u64(v);
  w.u32(mtimeNsec);
  w.u64(ctimeS);
  w.u32(ctimeNsec);
  w.raw(digest);
  w.str(fp.path);
}

export function encodeStoredPlan(stored: StoredPlan): Uint8Array {
  const w = new LeWriter();
  w.raw(new TextEncoder().encode(STORED_PLAN_MAGIC));
  w.u32(STORED_PLAN_VERSION);
  w.str(stored.arch);
  w.str(stored.refresh);
  w.u32(stored.fingerprints.length);
  for (const fp of stored.fingerprints) writeFingerprint(w, fp);
  w.u32(stored.plan.length);
  w.raw(stored.plan);
  return w.bytes();
}

/** The reading side, for `jailctl` and the tests: the same checks as the launcher's parser. */
class Reader {
  private pos = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array, private readonly file: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(what: string): never {
    throw new JailctlError('PLAN_INVALID', `${this.file}: ${what}`, { path: this.file, hint: 'save the plan again (jailctl run --save-plan)' });
  }

  take(n: number, what: string): Uint8Array {
    if (this.bytes.length - this.pos < n) this.fail(`truncated ${what}`);
    this.pos += n;
    return this.bytes.subarray(this.pos - n, this.pos);
  }

  u32(what: string): number {
    this.take(4, what);
    return this.view.getUint32(this.pos - 4, true);
  }

  u64(what: string): bigint {
    this.take(8, what);
    return this.view.getBigUint64(this.pos - 8, true);
  }

  i64(what: string): bigint {
    this.take(8, what);
    return this.view.getBigInt64(this.pos - 8, true);
  }

  str(what: string): string {
    const length = this.u32(what);
    const bytes = this.take(length + 1, what);
    if (bytes[length] !== 0) this.fail(`malformed ${what}`);
    return decodeRaw(Buffer.from(bytes.subarray(0, length)));
  }

  end(): boolean {
    return this.pos === this.bytes.length;
  }
}

function readChecks(bits: number, r: Reader): FingerprintCheck[] {
  const checks = (Object.keys(CHECK_BITS) as FingerprintCheck[]).filter((c) => (bits & CHECK_BITS[c]) !== 0);
  if (bits === 0 || checkBits(checks) !== bits || (checks.includes('absent') && checks.length > 1)) r.fail('malformed fingerprint');
  return checks;
}

function readFingerprint(r: Reader): Fingerprint {
  const [follow, bits, errno, mode, uid, gid] = [1, 2, 3, 4, 5, 6].map(() => r.u32('fingerprint')) as [number, number, number, number, number, number];
  const [size, dev, ino] = [1, 2, 3].map(() => r.u64('fingerprint')) as [bigint, bigint, bigint];
  const mtimeNs = r.i64('fingerprint') * NS + BigInt(r.u32('fingerprint'));
  const ctimeNs = r.i64('fingerprint') * NS + BigInt(r.u32('fingerprint'));
  const sha256 = new Uint8Array(r.take(32, 'fingerprint'));
  const path = r.str('fingerprint');
  if (follow > 1 || !path.startsWith('/')) r.fail('malformed fingerprint');
  const checks = readChecks(bits, r);
  const fp: Fingerprint = { path, follow: follow === 1, checks, errno, mode, uid, gid, size, dev, ino, mtimeNs, ctimeNs };
  if (checks.includes('content') || checks.includes('link')) fp.sha256 = sha256;
  return fp;
}

export function decodeStoredPlan(bytes: Uint8Array, file: string): StoredPlan {
  const r = new Reader(bytes, file);
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(0, 8)) !== STORED_PLAN_MAGIC) r.fail('not a stored plan (bad magic)');
  r.take(8, 'header');
  const version = r.u32('header');
  if (version !== STORED_PLAN_VERSION) r.fail(`stored plan format version ${version}; this jailctl reads version ${STORED_PLAN_VERSION}`);
  const arch = r.str('header');
  const refresh = r.str('header');
  const n = r.u32('header');
  const fingerprints: Fingerprint[] = [];
  for (let i = 0; i < n; i++) fingerprints.push(readFingerprint(r));
  const plan = new Uint8Array(r.take(r.u32('plan'), 'plan'));
  if (!r.end()) r.fail('trailing bytes');
  return { arch, refresh, fingerprints, plan };
}
