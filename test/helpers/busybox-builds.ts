// The busybox builds tests run shipped profiles with: the one the README installs (Debian's
// `busybox`, dynamic, /bin/busybox) and Debian's `busybox-static` (a static glibc build, what an
// OCI rootfs needs). The other build is fetched with `apt-get download` (no install: the two
// packages conflict) into a per-version cache folder, written atomically so concurrent test runs
// share it. JAILCTL_TEST_BUSYBOX_STATIC=PATH names a static build instead.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseElf } from '../../src/jail/elf.js';

export interface BusyboxBuild {
  /** "busybox (dynamic)", "busybox-static" */
  label: string;
  path: string;
  isStatic: boolean;
}

/** Whether an ELF file loads nothing else (no PT_INTERP, no DT_NEEDED). */
export function isStaticElf(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const info = parseElf((offset, length) => {
      const buf = Buffer.alloc(length);
      const n = readSync(fd, buf, 0, length, offset);
      return buf.subarray(0, n);
    }, path);
    return info.isStatic;
  } finally {
    closeSync(fd);
  }
}

/** A static busybox, or a sentence saying why there is none (for t.skip). */
export function staticBusybox(): { path: string } | { skip: string } {
  const given = process.env['JAILCTL_TEST_BUSYBOX_STATIC'];
  if (given !== undefined) return existsSync(given) ? { path: given } : { skip: `JAILCTL_TEST_BUSYBOX_STATIC=${given} does not exist` };
  if (existsSync('/bin/busybox') && isStaticElf('/bin/busybox')) return { path: '/bin/busybox' };
  return debianBusybox('busybox-static');
}

/** Every busybox build at hand: /bin/busybox and, when it can be had, the other Debian package. */
export function busyboxBuilds(): { builds: BusyboxBuild[]; missing: string[] } {
  const builds: BusyboxBuild[] = [];
  const missing: string[] = [];
  if (existsSync('/bin/busybox')) {
    const isStatic = isStaticElf('/bin/busybox');
    builds.push({ label: `/bin/busybox (${isStatic ? 'static' : 'dynamic'})`, path: '/bin/busybox', isStatic });
  } else {
    missing.push('/bin/busybox is not installed (apt-get install busybox)');
  }
  const other = builds[0]?.isStatic === true ? debianBusybox('busybox') : staticBusybox();
  if ('path' in other) {
    if (other.path !== '/bin/busybox') {
      const isStatic = isStaticElf(other.path);
      builds.push({ label: `${other.path} (${isStatic ? 'static' : 'dynamic'})`, path: other.path, isStatic });
    }
  } else {
    missing.push(other.skip);
  }
  return { builds, missing };
}

/** /bin/busybox of a Debian package, downloaded and unpacked once per version. */
function debianBusybox(pkg: 'busybox' | 'busybox-static'): { path: string } | { skip: string } {
  const policy = spawnSync('apt-cache', ['policy', pkg], { encoding: 'utf8' });
  const version = /Candidate:\s*(\S+)/.exec(policy.stdout ?? '')?.[1];
  if (policy.status !== 0 || version === undefined || version === '(none)') return { skip: `${pkg} is not known to apt here (apt-get update?)` };
  const cacheRoot = join(tmpdir(), 'jailctl-test-debs');
  const dir = join(cacheRoot, `${pkg}_${version.replace(/[^A-Za-z0-9.+~-]/g, '_')}`);
  const binary = join(dir, 'bin', 'busybox');
  if (existsSync(binary)) return { path: binary };
  mkdirSync(cacheRoot, { recursive: true });
  const work = mkdtempSync(join(cacheRoot, `${pkg}.`));
  try {
    const download = spawnSync('apt-get', ['download', `${pkg}=${version}`], { cwd: work, encoding: 'utf8', timeout: 120_000 });
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (download.status !== 0 || deb === undefined) return { skip: `apt-get download ${pkg} failed: ${(download.stderr ?? '').trim().split('\n').pop()}` };
    const unpack = spawnSync('dpkg-deb', ['-x', deb, 'root'], { cwd: work, encoding: 'utf8' });
    if (unpack.status !== 0) return { skip: `dpkg-deb -x ${deb} failed: ${unpack.stderr}` };
    try {
      renameSync(join(work, 'root'), dir);
    } catch {
      // another test run unpacked the same version first: use theirs
    }
    return existsSync(binary) ? { path: binary } : { skip: `${pkg} ${version} has no /bin/busybox` };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
