// musl for every target, built once from Debian's source package and kept in a cache shared by
// checkouts ($JAILCTL_TOOLCHAIN_CACHE, default ~/.cache/jailctl). Debian ships musl-dev only for
// some architectures (none for big-endian mips in bookworm), so one path serves all five: the
// source comes through apt (signed indexes, checked hashes), is built with the Debian cross gcc
// and installed with the kernel headers into a sysroot. Finished sysroots appear by rename, so
// concurrent builds never see half of one. JAILCTL_MUSL_TARBALL=FILE skips the download.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { basename, join } from 'node:path';
import { ARCHES, compilerFor, hostArch, kernelHeaderDirs } from './arches.mjs';

export function cacheDir() {
  return process.env.JAILCTL_TOOLCHAIN_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'jailctl');
}

function run(argv, options = {}) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (r.status !== 0) {
    const out = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n').slice(-5).join(' | ');
    throw new Error(`${argv.join(' ')}: ${r.error ? r.error.message : `exit ${r.status}`}${out ? `: ${out}` : ''}`);
  }
  return r.stdout;
}

function debianSuite() {
  try {
    return /^VERSION_CODENAME=(\w+)$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'bookworm';
  } catch {
    return 'bookworm'; // documented fallback: not Debian; the index below is Debian 12's
  }
}

/** Debian's musl source tarball (musl_VERSION.orig.tar.gz), downloaded once through apt. */
export function muslTarball(log) {
  if (process.env.JAILCTL_MUSL_TARBALL) return process.env.JAILCTL_MUSL_TARBALL;
  const dir = join(cacheDir(), 'src');
  const found = existsSync(dir) ? readdirSync(dir).find((f) => /^musl_.*\.orig\.tar\.gz$/.test(f)) : undefined;
  if (found) return join(dir, found);
  log('fetching the musl source package through apt (deb-src, verified against Debian\'s signed index)');
  mkdirSync(cacheDir(), { recursive: true });
  const work = mkdtempSync(join(cacheDir(), '.apt-'));
  try {
    for (const sub of ['parts', 'lists/partial', 'cache/archives/partial']) mkdirSync(join(work, sub), { recursive: true });
    writeFileSync(join(work, 'parts', 'debian-src.sources'), `Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: ${debianSuite()}\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n`);
    const apt = ['-o', 'Dir::Etc::SourceList=/dev/null', '-o', `Dir::Etc::SourceParts=${join(work, 'parts')}`, '-o', `Dir::State::Lists=${join(work, 'lists')}`, '-o', `Dir::Cache=${join(work, 'cache')}`, '-qq'];
    run(['apt-get', ...apt, 'update']);
    run(['apt-get', ...apt, 'source', '--download-only', 'musl'], { cwd: work });
    const tarball = readdirSync(work).find((f) => /^musl_.*\.orig\.tar\.gz$/.test(f));
    if (!tarball) throw new Error('apt-get source musl gave no musl_*.orig.tar.gz');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(work, tarball), join(dir, `.${tarball}.tmp`));
    renameSync(join(dir, `.${tarball}.tmp`), join(dir, tarball));
    return join(dir, tarball);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The sysroot for `name` (include/, lib/ with libc.a and musl-gcc.specs), built when missing. */
export function ensureSysroot(name, log) {
  const tarball = muslTarball(log);
  const version = basename(tarball).replace(/^musl_(.*)\.orig\.tar\.gz$/, '$1');
  const arch = ARCHES[name];
  const flavour = arch.cflags.join('').replace(/[^a-z0-9]/gi, '') || 'default';
  const sysroot = join(cacheDir(), `musl-${version}-${name}-${flavour}`);
  if (existsSync(join(sysroot, '.complete'))) return sysroot;
  log(`building musl ${version} for ${name} (once; kept in ${cacheDir()})`);
  const work = mkdtempSync(join(cacheDir(), `.musl-${name}-`));
  try {
    run(['tar', '-xzf', tarball, '-C', work]);
    const src = join(work, readdirSync(work).find((d) => d.startsWith('musl'))) ;
    const cc = compilerFor(name);
    const cross = name === hostArch() ? '' : `${arch.triplet}-`;
    run(['./configure', `--target=${arch.triplet}`, `--prefix=${sysroot}`, '--disable-shared', `CC=${cc}`, `CROSS_COMPILE=${cross}`, `CFLAGS=-Os -fno-asynchronous-unwind-tables ${arch.cflags.join(' ')}`], { cwd: src });
    run(['make', `-j${availableParallelism()}`], { cwd: src });
    run(['make', 'install', `DESTDIR=${join(work, 'root')}`], { cwd: src });
    const staged = join(work, 'root', sysroot);
    for (const [dir, from] of Object.entries(kernelHeaderDirs(name))) if (existsSync(from)) cpSync(from, join(staged, 'include', dir), { recursive: true, dereference: true });
    writeFileSync(join(staged, '.complete'), `musl ${version} for ${name} with ${cc} ${arch.cflags.join(' ')}\n`);
    try {
      renameSync(staged, sysroot);
    } catch (err) {
      if (!existsSync(join(sysroot, '.complete'))) throw err; // another build finished first: use that one
    }
    return sysroot;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
