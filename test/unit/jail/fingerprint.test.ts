// Stored-plan fingerprints: which fields are compared (fingerprint.ts), how they are taken here
// or below a target root (fingerprint-fs.ts, host-root.ts), and that the launcher's comparison
// (native/fingerprint.c, through `jailctl-launch --plan FILE --check`) sees each change a check
// names, and names it, while an unchanged path passes.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { keepChecked, kindOfMode, selectChecks, type Fingerprint } from '../../../src/jail/fingerprint.js';
import { takeFingerprint, type FingerprintSource } from '../../../src/jail/fingerprint-fs.js';
import { kernelArch } from '../../../src/jail/host-fs.js';
import { lookupInRoot } from '../../../src/jail/host-root.js';
import type { LaunchPlan } from '../../../src/jail/plan.js';
import { encodeLaunchPlan } from '../../../src/native/plan-codec.js';
import { encodeStoredPlan } from '../../../src/native/stored-plan-codec.js';

const LAUNCHER = fileURLToPath(new URL('../../../../build/Release/jailctl-launch', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'jailctl-fingerprint-'));
chmodSync(dir, 0o700);
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const HERE: FingerprintSource = { mode: 'identity', errnoFamily: 'generic' };

t.test('selectChecks: identity compares everything of what was read, of what was looked at not its bytes', async (t) => {
  t.same(selectChecks('file', true, 'identity'), ['type', 'perm', 'owner', 'size', 'dev', 'ino', 'mtime', 'ctime']);
  t.same(selectChecks('dir', false, 'identity'), ['type', 'perm', 'owner', 'dev', 'ino']);
  t.same(selectChecks('file', false, 'identity'), ['type', 'perm', 'owner', 'dev', 'ino'], 'a bind source only lstat\'ed: the service may write it');
  t.same(selectChecks('symlink', false, 'identity'), ['type', 'perm', 'owner', 'size', 'dev', 'ino', 'mtime', 'ctime'], 'its target text is what readlink gave');
  t.same(selectChecks(undefined, true, 'identity'), ['absent']);
  t.same(selectChecks('file', true, 'content'), ['type', 'perm', 'size', 'content']);
  t.same(selectChecks('symlink', false, 'content'), ['type', 'link']);
  t.same(selectChecks('dir', true, 'content'), ['type', 'perm']);
  t.same(selectChecks('file', false, 'content'), ['type', 'perm'], 'only lstat\'ed: its bytes were not read');
});

t.test('keepChecked zeroes what is not compared: the same files give the same bytes', async (t) => {
  const full: Fingerprint = { path: '/x', follow: true, checks: ['type', 'perm', 'size', 'content'], errno: 0, mode: 0o104755, uid: 5, gid: 6, size: 10n, dev: 7n, ino: 8n, mtimeNs: 9n, ctimeNs: 10n, sha256: new Uint8Array(32) };
  t.same(keepChecked(full), { ...full, uid: 0, gid: 0, dev: 0n, ino: 0n, mtimeNs: 0n, ctimeNs: 0n });
  t.equal(kindOfMode(0o120777), 'symlink');
  t.throws(() => kindOfMode(0o777));
});

t.test('takeFingerprint here: stat fields, absence as an errno', async (t) => {
  const file = join(dir, 'here');
  writeFileSync(file, 'abc');
  const s = statSync(file, { bigint: true });
  const taken = takeFingerprint({ path: file, follow: true }, HERE);
  t.same(taken.fingerprint, { path: file, follow: true, checks: selectChecks('file', true, 'identity'), errno: 0, mode: Number(s.mode), uid: Number(s.uid), gid: Number(s.gid), size: 3n, dev: s.dev, ino: s.ino, mtimeNs: s.mtimeNs, ctimeNs: s.ctimeNs });
  t.equal(taken.localCtimeNs, s.ctimeNs);
  t.match(takeFingerprint({ path: join(dir, 'none'), follow: true }, HERE).fingerprint, { checks: ['absent'], errno: 2 });
  t.match(takeFingerprint({ path: join(file, 'below'), follow: true }, HERE).fingerprint, { checks: ['absent'], errno: 20 }, 'ENOTDIR');
  t.match(takeFingerprint({ path: join(dir, 'none'), follow: true }, { mode: 'identity', errnoFamily: 'mips' }).fingerprint, { errno: 2 });
});

t.test('below a target root: its symlinks resolved inside it, content hashed', async (t) => {
  const root = join(dir, 'root');
  mkdirSync(join(root, 'usr/lib'), { recursive: true });
  writeFileSync(join(root, 'usr/lib/libx.so.1'), 'library bytes', { mode: 0o644 });
  symlinkSync('/usr/lib', join(root, 'lib'));
  symlinkSync('../../../../../usr/lib/libx.so.1', join(root, 'usr/lib/up'));
  symlinkSync('loop', join(root, 'loop'));
  t.same(lookupInRoot(root, '/lib/libx.so.1', true), { local: `${root}/usr/lib/libx.so.1` }, 'an absolute link leads to the root, not to /usr/lib here');
  t.same(lookupInRoot(root, '/usr/lib/up', true), { local: `${root}/usr/lib/libx.so.1` }, '.. stops at the root');
  t.same(lookupInRoot(root, '/lib', false), { local: `${root}/lib` }, 'lstat leaves the final link');
  t.same(lookupInRoot(root, '/loop', true), { errno: 'ELOOP' });
  t.same(lookupInRoot(root, '/usr/lib/libx.so.1/x', true), { errno: 'ENOTDIR' });
  const source: FingerprintSource = { mode: 'content', root, errnoFamily: 'generic' };
  const lib = takeFingerprint({ path: '/lib/libx.so.1', follow: true }, source).fingerprint;
  t.equal(lib.path, '/lib/libx.so.1', 'the target\'s path');
  t.same(lib.checks, ['type', 'perm', 'size', 'content']);
  t.equal(Buffer.from(lib.sha256!).toString('hex'), createHash('sha256').update('library bytes').digest('hex'), 'SHA-256 of the bytes');
  t.same([lib.ino, lib.mtimeNs, lib.uid], [0n, 0n, 0], 'nothing of this host\'s inodes, times, owners');
  const link = takeFingerprint({ path: '/lib', follow: false }, source).fingerprint;
  t.same(link.checks, ['type', 'link']);
  t.match(takeFingerprint({ path: '/etc/passwd', follow: true }, source).fingerprint, { checks: ['absent'], errno: 2 }, 'this host\'s /etc/passwd is not the target\'s');
});

const launchPlan: LaunchPlan = {
  name: 'probe', namespaces: [],
  summary: { command: ['/bin/true'], mounts: 0, user: { uid: 0, gid: 0, groups: [] }, capabilities: [], seccomp: null, cgroup: [] },
  steps: [{ phase: 'service', op: 'execve', path: '/bin/true', argv: ['true'], env: [], exitIfMissing: 127, exitIfDenied: 126, describe: 'exec' }],
};

/** The launcher's verdict on a stored plan holding `fingerprints`. */
function launcherCheck(fingerprints: Fingerprint[]): { code: number | null; stderr: string } {
  const file = join(dir, 'check.plan');
  writeFileSync(file, encodeStoredPlan({ arch: kernelArch(), refresh: 'save it again', fingerprints, plan: encodeLaunchPlan(launchPlan) }), { mode: 0o600 });
  const r = spawnSync(LAUNCHER, ['--plan', file, '--check'], { encoding: 'utf8', timeout: 10_000 });
  return { code: r.status, stderr: r.stderr };
}

const asRoot = process.geteuid?.() === 0;
t.test('the launcher sees every change an identity check names', { skip: asRoot ? false : 'the launcher runs only root\'s stored plans' }, async (t) => {
  const file = join(dir, 'watched');
  const fresh = (): Fingerprint => {
    writeFileSync(file, 'same size');
    chmodSync(file, 0o644);
    chownSync(file, 0, 0);
    utimesSync(file, 1_000_000, 1_000_000);
    return takeFingerprint({ path: file, follow: true }, HERE).fingerprint;
  };
  t.same(launcherCheck([fresh()]), { code: 0, stderr: '' }, 'unchanged: it passes');
  const changes: [string, () => void][] = [
    ['mode', () => chmodSync(file, 0o600)],
    ['owner', () => chownSync(file, 1, 0)],
    ['size', () => writeFileSync(file, 'longer content')],
    ['mtime', () => utimesSync(file, 1_000_000, 1_000_001)],
    // the new file exists before the old goes: its inode cannot be the old one's again
    ['inode', () => { writeFileSync(`${file}.new`, 'same size', { mode: 0o644 }); utimesSync(`${file}.new`, 1_000_000, 1_000_000); renameSync(`${file}.new`, file); }],
    ['it is gone', () => unlinkSync(file)],
  ];
  for (const [what, change] of changes) {
    const before = fresh();
    change();
    const r = launcherCheck([before]);
    t.equal(r.code, 125, `${what}: refused`);
    t.equal(r.stderr, `jailctl: ${join(dir, 'check.plan')}: stale: ${file} changed since the plan was saved (${what}); save it again\n`, what);
  }
  // ctime moves with any change, even one that puts every other field back
  const before = fresh();
  chmodSync(file, 0o600);
  chmodSync(file, 0o644);
  t.match(launcherCheck([before]).stderr, /\(ctime\)/);
});

t.test('the launcher compares content, link targets and absence as told', { skip: asRoot ? false : 'needs root' }, async (t) => {
  const root = join(dir, 'ct');
  mkdirSync(root, { recursive: true });
  const file = join(root, 'lib.so');
  writeFileSync(file, 'AAAA', { mode: 0o644 });
  symlinkSync('lib.so', join(root, 'link'));
  // content mode against "/" names this host's paths, as a plan made with --root / would
  const source: FingerprintSource = { mode: 'content', root: '/', errnoFamily: 'generic' };
  const content = takeFingerprint({ path: file, follow: true }, source).fingerprint;
  const link = takeFingerprint({ path: join(root, 'link'), follow: false }, source).fingerprint;
  const absent = takeFingerprint({ path: join(root, 'later'), follow: true }, source).fingerprint;
  t.same(launcherCheck([content, link, absent]), { code: 0, stderr: '' });
  writeFileSync(file, 'AAAB');
  utimesSync(file, 1, 1);
  t.match(launcherCheck([content]).stderr, /lib\.so changed since the plan was saved \(content\)/, 'same size, other bytes');
  unlinkSync(join(root, 'link'));
  symlinkSync('other.so', join(root, 'link'));
  t.match(launcherCheck([link]).stderr, /link changed since the plan was saved \(link target\)/);
  writeFileSync(join(root, 'later'), '');
  t.match(launcherCheck([absent]).stderr, /later changed since the plan was saved \(it exists now\)/);
});
