// The launch-plan cache: what makes a stored plan valid, and what makes it stale or untrusted.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import {
  cacheableDependencies,
  fingerprint,
  lookupPlan,
  MAX_BYTES,
  MAX_ENTRIES,
  planCacheDir,
  planCacheKey,
  recordingHost,
  storePlan,
  type PlanDependency,
} from '../../../src/jail/plan-cache.js';
import { FakeHost } from '../../helpers/fake-host.js';

const root = mkdtempSync(join(tmpdir(), 'jailctl-plan-cache-'));
chmodSync(root, 0o700);
t.teardown(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
/** A fresh cache directory inside a directory only we can write. */
const cacheDir = (): string => join(root, `cache${n++}`, 'plans');
const PLAN = new Uint8Array([1, 2, 3, 250]);
/** "now" for storePlan: late enough that files just written are not racy */
const LATER = Date.now() + 60_000;

t.test('JAILCTL_PLAN_CACHE: off, another directory, or the default under /run', async (t) => {
  t.equal(planCacheDir({}), '/run/jailctl/plans');
  t.equal(planCacheDir({ JAILCTL_PLAN_CACHE: 'off' }), undefined);
  t.equal(planCacheDir({ JAILCTL_PLAN_CACHE: '/var/cache/jc' }), '/var/cache/jc');
  t.throws(() => planCacheDir({ JAILCTL_PLAN_CACHE: 'relative' }), /JAILCTL_PLAN_CACHE=relative: expected "off" or an absolute directory/, 'a relative setting is a mistake, not the default');
  t.equal(planCacheDir({ JAILCTL_PLAN_CACHE: '' }), '/run/jailctl/plans', 'empty means unset');
});

t.test('the key holds the command line, PATH and the native directory', async (t) => {
  const argv = [process.execPath, join(root, 'no-script'), 'run', '--', '/bin/true'];
  const key = planCacheKey(argv, { PATH: '/bin' });
  t.equal(planCacheKey(argv, { PATH: '/bin' }), key, 'stable');
  t.not(planCacheKey([...argv, 'x'], { PATH: '/bin' }), key, 'arguments');
  t.not(planCacheKey(argv, { PATH: '/usr/bin:/bin' }), key, 'PATH decides which program runs');
  t.not(planCacheKey(argv, { PATH: '/bin', JAILCTL_NATIVE_DIR: '/x' }), key, 'another launcher');
});

t.test('fingerprints: content, metadata and absence all count', async (t) => {
  const file = join(root, 'f');
  t.equal(fingerprint(file, false), '!ENOENT', 'absent');
  t.equal(fingerprint(join(root, 'f', 'below'), false), '!ENOENT', 'below a missing file');
  writeFileSync(file, 'one');
  const first = fingerprint(file, false);
  t.not(first, '!ENOENT');
  t.equal(fingerprint(join(file, 'below'), false), '!ENOTDIR', 'below a file');
  writeFileSync(file, 'two');
  t.not(fingerprint(file, false), first, 'same size, new content: new times');
  const second = fingerprint(file, false);
  chmodSync(file, 0o600);
  t.not(fingerprint(file, false), second, 'mode');
  const link = join(root, 'link');
  symlinkSync(file, link);
  t.equal(fingerprint(link, true), fingerprint(file, false), 'followed: the target');
  t.not(fingerprint(link, false), fingerprint(file, false), 'not followed: the link');
  const walked = fingerprint(root, false);
  const listed = fingerprint(root, true);
  writeFileSync(join(root, 'new-entry'), '');
  t.equal(fingerprint(root, false), walked, 'a directory walked through: an entry more does not matter');
  t.not(fingerprint(root, true), listed, 'a directory listed: it does');
  chmodSync(root, 0o711);
  t.not(fingerprint(root, false), walked, 'but its mode does');
  chmodSync(root, 0o700);
});

t.test('recordingHost notes every path asked about, and whether it was followed', async (t) => {
  const deps = new Map<string, PlanDependency>();
  const host = recordingHost(new FakeHost({ '/etc/passwd': 'root:x:0:0::/:/bin/sh\n', '/lib/libc.so.6': 'elf' }), deps);
  host.lstat('/lib/libc.so.6');
  host.lstat('/lib/libc.so.6');
  host.readText('/etc/passwd');
  host.readRange('/lib/libc.so.6', 0, 4);
  host.readlink('/lib/missing');
  host.readDir('/etc');
  t.same([...deps.values()], [
    { path: '/lib/libc.so.6', follow: false },
    { path: '/etc/passwd', follow: true },
    { path: '/lib/libc.so.6', follow: true },
    { path: '/lib/missing', follow: false },
    { path: '/etc', follow: true },
  ]);
});

t.test('plans made from /proc or /sys are not stored', async (t) => {
  t.ok(cacheableDependencies([{ path: '/etc/passwd', follow: true }, { path: '/procfs', follow: false }]));
  t.notOk(cacheableDependencies([{ path: '/proc/self/mounts', follow: true }]));
  t.notOk(cacheableDependencies([{ path: '/sys', follow: false }]));
});

t.test('a stored plan is found while every dependency is unchanged, and not after', async (t) => {
  const dir = cacheDir();
  const lib = join(root, 'libx.so');
  const later = join(root, 'appears-later.so');
  writeFileSync(lib, 'v1');
  const deps = [{ path: lib, follow: true }, { path: later, follow: false }];
  storePlan(dir, 'key-a', deps, PLAN, '/addon.node', '/launcher', LATER);
  t.equal(statSync(dir).mode & 0o777, 0o700, 'the directory is private');
  t.same(lookupPlan(dir, 'key-a'), { plan: Buffer.from(PLAN), addon: '/addon.node', launcher: '/launcher' }, 'hit');
  t.throws(() => lookupPlan(dir, 'key-b'), { code: 'ENOENT' }, 'another invocation: nothing stored');

  writeFileSync(later, 'shadowing library');
  t.equal(lookupPlan(dir, 'key-a'), undefined, 'a file appearing where the planner found none: miss');
  unlinkSync(later);
  t.ok(lookupPlan(dir, 'key-a'), 'gone again: hit');
  utimesSync(lib, new Date(0), new Date(0));
  t.equal(lookupPlan(dir, 'key-a'), undefined, 'a dependency touched: miss');
});

t.test('a cache directory or file others can write is never read', async (t) => {
  const dir = cacheDir();
  storePlan(dir, 'k', [], PLAN, '/addon.node', '/launcher', LATER);
  const [file] = readdirSync(dir);
  t.ok(lookupPlan(dir, 'k'));
  chmodSync(join(dir, file!), 0o622);
  t.equal(lookupPlan(dir, 'k'), undefined, 'group/world-writable file');
  chmodSync(join(dir, file!), 0o600);
  chmodSync(dir, 0o777);
  t.equal(lookupPlan(dir, 'k'), undefined, 'world-writable directory');
  chmodSync(dir, 0o700);
  chmodSync(join(dir, '..'), 0o777);
  t.equal(lookupPlan(dir, 'k'), undefined, 'world-writable parent');
  chmodSync(join(dir, '..'), 0o700);
  mkdirSync(join(root, 'shared'), { mode: 0o777 });
  chmodSync(join(root, 'shared'), 0o777);
  storePlan(join(root, 'shared', 'plans'), 'k', [], PLAN, '/a', '/l', LATER);
  t.same(readdirSync(join(root, 'shared', 'plans')), [], 'nothing stored below a world-writable parent');
});

t.test('a plan depending on a file changed a moment ago is not stored (racily clean)', async (t) => {
  const dir = cacheDir();
  const fresh = join(root, 'fresh.so');
  writeFileSync(fresh, 'x');
  storePlan(dir, 'racy', [{ path: fresh, follow: true }], PLAN, '/a', '/l');
  t.same(readdirSync(dir), [], 'not stored now');
  storePlan(dir, 'racy', [{ path: fresh, follow: true }], PLAN, '/a', '/l', Date.now() + 1500);
  t.ok(lookupPlan(dir, 'racy'), 'stored a moment later');
});

/** lookupPlan throws ENOENT for a plan never stored (runFromPlanCache treats any throw as a miss) */
const hits = (dir: string, key: string): boolean => {
  try {
    return lookupPlan(dir, key) !== undefined;
  } catch {
    return false;
  }
};

t.test('a full cache evicts the least recently used plans, so a working set larger than the cache still hits', async (t) => {
  const dir = cacheDir();
  for (let i = 0; i < MAX_ENTRIES; i++) storePlan(dir, `k${i}`, [], PLAN, '/a', '/l', LATER);
  t.equal(readdirSync(dir).length, MAX_ENTRIES);
  // age every plan, then use k0..k9 again: they become the most recently used
  const old = new Date(Date.now() - 3600_000);
  for (const name of readdirSync(dir)) utimesSync(join(dir, name), old, old);
  for (let i = 0; i < 10; i++) t.ok(lookupPlan(dir, `k${i}`), `k${i} hits`);
  storePlan(dir, 'one more', [], PLAN, '/a', '/l', LATER);
  const left = readdirSync(dir).length;
  t.equal(left, MAX_ENTRIES, 'one plan evicted to make room, not all');
  t.ok(lookupPlan(dir, 'one more'), 'the new plan is stored');
  for (let i = 0; i < 10; i++) t.ok(lookupPlan(dir, `k${i}`), `recently used k${i} survived`);
  const evicted = Array.from({ length: MAX_ENTRIES }, (_, i) => `k${i}`).filter((k) => !hits(dir, k));
  t.ok(evicted.length > 0 && evicted.every((k) => Number(k.slice(1)) >= 10), 'only plans not used lately were evicted');
});

t.test('a working set of 300 command lines keeps hitting once warm', async (t) => {
  const dir = cacheDir();
  let found = 0;
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 300; i++) {
      if (hits(dir, `w${i}`)) found++;
      else storePlan(dir, `w${i}`, [], PLAN, '/a', '/l', LATER);
    }
  }
  // the old "empty it all at 256" policy never hit in this loop after the first round
  t.equal(found, 600, 'every lookup of the second and third round hits');
});

t.test('the cache holds at most MAX_BYTES: the least recently used plans go first', async (t) => {
  const dir = cacheDir();
  const big = new Uint8Array(MAX_BYTES / 5); // 4/3 of it as base64: three fit, four do not
  for (let i = 0; i < 3; i++) storePlan(dir, `big${i}`, [], big, '/a', '/l', LATER);
  const old = new Date(Date.now() - 3600_000);
  for (const name of readdirSync(dir)) utimesSync(join(dir, name), old, old);
  t.ok(hits(dir, 'big0'), 'big0 used again');
  storePlan(dir, 'big3', [], big, '/a', '/l', LATER);
  t.ok(hits(dir, 'big3'), 'the new plan is stored');
  t.ok(hits(dir, 'big0'), 'the recently used plan stays');
  t.notOk(hits(dir, 'big1'), 'the least recently used plan was evicted for the bytes');
});
