// resolveElfDeps() on the real host, with ldd (glibc's own answer) as the oracle.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { resolveElfDeps } from '../../../src/jail/elf-deps.js';
import { createHostFs } from '../../../src/jail/host-fs.js';

const has = (tool: string) => ['/usr/bin', '/bin'].some((d) => existsSync(`${d}/${tool}`));
const hasLdd = has('ldd') && existsSync('/etc/ld.so.conf');

interface LddResult { paths: string[]; missing: string[] }

/**
 * What ldd says a program loads, as sorted real paths, and the names it could not find. ldd runs
 * ld.so on the path it is given, so a program's $ORIGIN would be its symlink's directory; the
 * kernel gives ld.so the real path (/proc/self/exe), so the real path is what is asked here.
 */
function ldd(path: string): LddResult {
  const out = execFileSync('ldd', [realpathSync(path)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const paths = new Set<string>();
  const missing: string[] = [];
  for (const line of out.split('\n')) {
    const gone = /^\s*(\S+) => not found/.exec(line);
    if (gone) missing.push(gone[1]!);
    const found = /=>\s+(\/\S+)/.exec(line) ?? /^\s+(\/\S+)\s+\(/.exec(line);
    if (found) paths.add(realpathSync(found[1]!));
  }
  return { paths: [...paths].sort(), missing };
}

/** Our answer in ldd's terms: real paths of everything but the program itself. */
function ours(path: string): string[] {
  const files = resolveElfDeps(createHostFs(), path).files.filter((f) => f.kind !== 'program');
  return [...new Set(files.map((f) => realpathSync(f.path)))].sort();
}

const isDynamicElf = (path: string): boolean => {
  try {
    const head = readFileSync(path).subarray(0, 4096);
    return head[0] === 0x7f && head.toString('latin1').includes('ld-linux');
  } catch {
    return false; // unreadable or a directory: not a candidate
  }
};

t.test('the same files as ldd for well-known programs', { skip: hasLdd ? false : 'needs glibc ldd' }, async (t) => {
  const programs = ['/bin/ls', '/bin/sh', '/usr/bin/python3.11', '/usr/bin/ssh', '/usr/bin/gcc', process.execPath].filter((p) => existsSync(p) && isDynamicElf(realpathSync(p)));
  t.ok(programs.length >= 2, `${programs.length} programs: ${programs.join(' ')}`);
  for (const program of programs) t.same(ours(program), ldd(program).paths, program);
});

t.test('the same files as ldd for the first 80 dynamic programs in /usr/bin', { skip: hasLdd ? false : 'needs glibc ldd' }, async (t) => {
  const programs = readdirSync('/usr/bin').sort().map((n) => `/usr/bin/${n}`).filter(isDynamicElf).slice(0, 80);
  for (const program of programs) {
    const oracle = ldd(program);
    if (oracle.missing.length > 0) {
      t.throws(() => ours(program), { code: 'ELF_DEP_MISSING', message: new RegExp(oracle.missing[0]!.replace(/[.+]/g, '\\$&')) }, `${program}: ldd misses ${oracle.missing.join(' ')}`);
    } else {
      t.same(ours(program), oracle.paths, program);
    }
  }
});

/** Compiles C into the test directory; returns its path. */
function cc(dir: string, out: string, source: string, args: string[] = []): string {
  writeFileSync(`${dir}/${out}.c`, source);
  execFileSync('gcc', ['-o', `${dir}/${out}`, `${dir}/${out}.c`, ...args], { stdio: 'ignore' });
  return `${dir}/${out}`;
}

const lib = (fn: string, calls?: string) => `${calls ? `int ${calls}(void); ` : ''}int ${fn}(void) { return ${calls ? `${calls}()` : '0'}; }`;
const main = (calls: string) => `int ${calls}(void); int main(void) { return ${calls}(); }`;

t.test('built programs: RPATH, RUNPATH and $ORIGIN as glibc applies them', { skip: hasLdd && has('gcc') ? false : 'needs gcc and glibc ldd' }, async (t) => {
  const dir = realpathSync(t.testdir({ rp: {}, run: {}, real: { h: {} }, link: { h: {} }, bin: {}, lib: {} }));
  const so = (sub: string, name: string, fn: string, calls?: string, link: string[] = []) =>
    cc(dir, `${sub}/${name}`, lib(fn, calls), ['-shared', '-fPIC', ...link]);
  // RPATH reaches the libraries loaded through it
  so('rp', 'liby.so', 'y');
  so('rp', 'libx.so', 'x', 'y', [`-L${dir}/rp`, '-ly']);
  const rpath = cc(dir, 'bin/rpath', main('x'), [`-L${dir}/rp`, '-lx', '-Wl,--disable-new-dtags', `-Wl,-rpath,${dir}/rp`]);
  t.same(ours(rpath), ldd(rpath).paths, 'RPATH inherited');
  t.ok(ours(rpath).includes(`${dir}/rp/liby.so`));
  // RUNPATH does not: libx's own need of liby is not found, by ldd or by us
  so('run', 'liby.so', 'y');
  so('run', 'libx.so', 'x', 'y', [`-L${dir}/run`, '-ly']);
  const runpath = cc(dir, 'bin/runpath', main('x'), [`-L${dir}/run`, '-lx', '-Wl,--enable-new-dtags', `-Wl,-rpath,${dir}/run`]);
  t.same(ldd(runpath).missing, ['liby.so']);
  t.throws(() => ours(runpath), { code: 'ELF_DEP_MISSING', message: `liby.so (needed by ${dir}/run/libx.so) was not found in ` });
  // a library's $ORIGIN is the directory it was found in, even through a symlink
  so('link/h', 'libh.so', 'h');
  so('real/h', 'libh.so', 'h');
  so('real', 'libg.so', 'g', 'h', [`-L${dir}/real/h`, '-lh', '-Wl,--enable-new-dtags', '-Wl,-rpath,$ORIGIN/h']);
  symlinkSync('../real/libg.so', `${dir}/link/libg.so`);
  const origin = cc(dir, 'bin/origin', main('g'), [`-L${dir}/link`, '-lg', '-Wl,--enable-new-dtags', '-Wl,-rpath,$ORIGIN/../link']);
  t.same(ours(origin), ldd(origin).paths, '$ORIGIN');
  t.ok(ours(origin).includes(`${dir}/link/h/libh.so`), 'libh from link/h, where libg was found');
  // a program started through a symlink: its $ORIGIN is its real directory (/proc/self/exe),
  // though `ldd SYMLINK` would use the symlink's directory and miss libg.so
  mkdirSync(`${dir}/elsewhere/deeper`, { recursive: true });
  symlinkSync(origin, `${dir}/elsewhere/deeper/origin`);
  t.same(ours(`${dir}/elsewhere/deeper/origin`), ldd(origin).paths, '$ORIGIN of a symlinked program');
  t.match(execFileSync('ldd', [`${dir}/elsewhere/deeper/origin`], { encoding: 'utf8' }), /libg\.so => not found/, 'ldd through the symlink would not find it');
  t.doesNotThrow(() => execFileSync(`${dir}/elsewhere/deeper/origin`, { stdio: 'ignore' }), 'the program really runs through the symlink');
});

t.test('a real script runs through its real interpreter', { skip: hasLdd && existsSync('/bin/sh') ? false : 'needs /bin/sh and ldd' }, async (t) => {
  const dir = t.testdir({ 'script.sh': '#!/bin/sh -e\necho hi\n' });
  const files = resolveElfDeps(createHostFs(), `${dir}/script.sh`).files;
  t.same(files.slice(0, 2).map((f) => [f.path, f.kind]), [[`${dir}/script.sh`, 'program'], ['/bin/sh', 'script-interpreter']]);
  t.same([...new Set(files.slice(2).map((f) => realpathSync(f.path)))].sort(), ldd('/bin/sh').paths);
});
