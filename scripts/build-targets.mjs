#!/usr/bin/env node
// Static builds of jailctl's C programs for router architectures, against musl.
//   node scripts/build-targets.mjs [ARCH...] [--if-possible]   (npm run build:targets)
//     jailctl-launch, jailctl-failsafe and failsafe-vectors (the test-vector runner) for x86_64,
//     aarch64, arm, mipsel and mips (or the ARCHes named) into build/targets/ARCH/. Cross
//     compilers are Debian's gcc-TRIPLET packages; run as root, missing ones are installed with
//     apt-get, as .ci/run does. musl comes from scripts/targets/musl.mjs. With --if-possible an
//     architecture that cannot be built is skipped: build/targets/ARCH/SKIPPED says why.
//   node scripts/build-targets.mjs --host   (part of npm run build:native)
//     jailctl-failsafe and failsafe-vectors for this machine into build/Release, with Debian's
//     musl-gcc when installed (about 0.1 MB resident), else the C compiler's static glibc.
// Programs newer than every C source and header are left alone.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARCHES, ARCH_NAMES, compilerFor, hostArch, kernelHeaderDirs } from './targets/arches.mjs';
import { ensureSysroot } from './targets/musl.mjs';
import { CFLAGS, LDFLAGS, MAX_BYTES, inputs, programs } from './targets/programs.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = (line) => console.log(`build-targets: ${line}`);

function have(command) {
  return spawnSync('sh', ['-c', `command -v "${command}"`], { stdio: 'ignore' }).status === 0;
}

/** The command exists, or is installed from `pkg` (root with apt-get only), or this throws. */
function ensureCommand(command, pkg) {
  if (have(command)) return;
  if (process.geteuid?.() === 0 && have('apt-get')) {
    log(`installing ${pkg} (apt-get)`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('sh', ['-c', `apt-get install -y -qq ${pkg} >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq ${pkg}) >/dev/null 2>&1`], { stdio: 'ignore', env });
    if (have(command)) return;
  }
  throw new Error(`${command} is missing: install the Debian package ${pkg}${process.geteuid?.() === 0 ? '' : ' (as root this script installs it)'}`);
}

function newest(files) {
  return Math.max(...files.filter((f) => existsSync(f)).map((f) => statSync(f).mtimeMs));
}

/** Compiles one program into `out` (through a temporary file: never half a binary). */
function compile(compilerArgv, sources, out, since) {
  if (existsSync(out) && statSync(out).mtimeMs > since) return false;
  const tmp = `${out}.tmp`;
  const argv = [...compilerArgv, ...CFLAGS, ...LDFLAGS, '-o', tmp, ...sources.map((s) => join(ROOT, s))];
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(tmp, { force: true });
    throw new Error(`${argv[0]} failed for ${out}:\n${(r.stderr || r.error?.message || '').trim()}`);
  }
  renameSync(tmp, out);
  return true;
}

function buildArch(name) {
  const arch = ARCHES[name];
  const cc = compilerFor(name);
  ensureCommand(cc, name === hostArch() ? 'gcc' : arch.gccPackage);
  ensureCommand('make', 'make');
  const sysroot = ensureSysroot(name, log);
  const out = join(ROOT, 'build', 'targets', name);
  mkdirSync(out, { recursive: true });
  rmSync(join(out, 'SKIPPED'), { force: true });
  const since = Math.max(newest(inputs(ROOT)), statSync(join(sysroot, '.complete')).mtimeMs);
  const compiler = [cc, '-specs', join(sysroot, 'lib', 'musl-gcc.specs'), ...arch.cflags];
  const sizes = {};
  for (const [program, sources] of Object.entries(programs(ROOT))) {
    const file = join(out, program);
    compile(compiler, arch.softFloat ? [...sources, 'native/targets/softfp-trap.c'] : sources, file, since);
    sizes[program] = statSync(file).size;
    if (program !== 'failsafe-vectors' && sizes[program] > MAX_BYTES) throw new Error(`${file} is ${sizes[program]} bytes, above the ${MAX_BYTES} allowed`);
  }
  return sizes;
}

/** Kernel UAPI headers on their own (musl-gcc sees no /usr/include), as symlinks under build/. */
function hostHeaders() {
  const dir = join(ROOT, 'build', 'host-headers');
  mkdirSync(dir, { recursive: true });
  for (const [name, from] of Object.entries(kernelHeaderDirs(hostArch()))) {
    if (existsSync(from) && !existsSync(join(dir, name))) symlinkSync(from, join(dir, name));
  }
  return dir;
}

function buildHost() {
  const out = join(ROOT, 'build', 'Release');
  mkdirSync(out, { recursive: true });
  const musl = hostArch() !== undefined && have('musl-gcc');
  if (!musl) log('musl-gcc is not installed (Debian: musl-tools): linking glibc statically, about 0.8 MB resident instead of 0.1 MB');
  const compiler = musl ? ['musl-gcc', '-isystem', hostHeaders()] : [have('cc') ? 'cc' : 'gcc'];
  const since = newest(inputs(ROOT));
  for (const [program, sources] of Object.entries(programs(ROOT))) {
    if (program === 'jailctl-launch') continue; // node-gyp builds the host launcher
    if (!sources.every((s) => existsSync(join(ROOT, s)))) continue; // an installed package has no tests
    if (compile(compiler, sources, join(out, program), since)) log(`built build/Release/${program} (${musl ? 'musl' : 'glibc'}, static)`);
  }
}

function main(args) {
  if (args.includes('--host')) return buildHost();
  const ifPossible = args.includes('--if-possible');
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !ARCH_NAMES.includes(n));
  if (unknown.length > 0) throw new Error(`unknown architecture ${unknown.join(', ')} (known: ${ARCH_NAMES.join(', ')})`);
  const rows = [];
  for (const name of names.length > 0 ? names : ARCH_NAMES) {
    try {
      const sizes = buildArch(name);
      rows.push(`${name.padEnd(8)} ${Object.entries(sizes).map(([p, n]) => `${p} ${(n / 1024).toFixed(0)} KiB`).join(', ')}`);
    } catch (err) {
      if (!ifPossible) throw err;
      const dir = join(ROOT, 'build', 'targets', name);
      for (const program of Object.keys(programs(ROOT))) rmSync(join(dir, program), { force: true });
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'SKIPPED'), `${err.message.split('\n')[0]}\n`);
      rows.push(`${name.padEnd(8)} skipped: ${err.message.split('\n')[0]}`);
    }
  }
  for (const row of rows) log(row);
}

try {
  main(process.argv.slice(2));
} catch (err) {
  console.error(`build-targets: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
