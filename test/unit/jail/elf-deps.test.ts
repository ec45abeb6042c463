import t from 'tap';
import { newElfDepsCache, resolveElfDeps } from '../../../src/jail/elf-deps.js';
import type { HostFacts } from '../../../src/jail/host.js';
import { cachedRealPaths } from '../../../src/jail/host-realpath.js';
import { buildElf, EM_386, EM_ARM, EM_MIPS, type ElfSpec } from '../../helpers/elf-builder.js';
import { FakeHost, type FakeTree } from '../../helpers/fake-host.js';

const LD = '/lib64/ld-linux-x86-64.so.2';
const exe = (spec: ElfSpec = {}) => buildElf({ interpreter: LD, type: 3, ...spec });
const lib = (spec: ElfSpec = {}) => buildElf(spec);
/** the libraries only: without the program and its interpreter */
const libs = (host: HostFacts, program: string) => resolveElfDeps(host, program).files.filter((f) => f.kind === 'library').map((f) => f.path);

// a Debian-like system: the loader's real file in the multiarch directory, found by ld.so.conf
const base: FakeTree = {
  [LD]: { symlink: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
  '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2': lib({ soname: 'ld-linux-x86-64.so.2' }),
  '/lib': { symlink: 'usr/lib' },
  '/etc/ld.so.conf': 'include /etc/ld.so.conf.d/*.conf\n',
  '/etc/ld.so.conf.d/x86_64-linux-gnu.conf': '# Multiarch support\n/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n',
  '/usr/lib/x86_64-linux-gnu/libc.so.6': lib({ soname: 'libc.so.6', needed: ['ld-linux-x86-64.so.2'] }),
};
const fake = (tree: FakeTree, arch = 'x86_64') => new FakeHost({ ...base, ...tree }, arch);

t.test('the program, its interpreter and its libraries, each with a reason', async (t) => {
  const host = fake({ '/usr/bin/app': exe({ needed: ['libc.so.6'] }) });
  t.same(resolveElfDeps(host, '/usr/bin/app').files, [
    { path: '/usr/bin/app', reason: 'the program itself', kind: 'program' },
    { path: LD, reason: 'interpreter of /usr/bin/app', kind: 'interpreter' },
    { path: '/lib/x86_64-linux-gnu/libc.so.6', reason: 'elf-dep of /usr/bin/app', kind: 'library' },
  ], 'libc found through the first ld.so.conf directory holding it; its need of the loader met by the loader\'s soname');
});

t.test('dependencies load breadth first, as ld.so maps them, each once', async (t) => {
  const host = fake({
    '/usr/lib/liba.so.1': lib({ needed: ['libb.so.1', 'libc.so.6'] }),
    '/usr/lib/libb.so.1': lib({ needed: ['liba.so.1', 'libd.so.1'] }),
    '/usr/lib/libd.so.1': lib({ needed: ['libb.so.1'] }),
    '/usr/bin/app': exe({ needed: ['liba.so.1', 'libc.so.6'] }),
  });
  t.same(resolveElfDeps(host, '/usr/bin/app').files.slice(2).map((f) => `${f.path} <- ${f.reason}`), [
    '/lib/liba.so.1 <- elf-dep of /usr/bin/app',
    '/lib/x86_64-linux-gnu/libc.so.6 <- elf-dep of /usr/bin/app',
    '/lib/libb.so.1 <- elf-dep of /lib/liba.so.1',
    '/lib/libd.so.1 <- elf-dep of /lib/libb.so.1',
  ], 'cycles (a -> b -> a, b -> d -> b) end; /lib comes before /usr/lib in the system directories');
});

t.test('a name already loaded is not searched again: sonames, and names met before', async (t) => {
  const host = fake({
    '/opt/foo/libfoo.so.1': lib(),
    '/usr/lib/x86_64-linux-gnu/libbar.so.1': lib({ needed: ['libfoo.so.1'] }),
    '/usr/bin/app': exe({ runpath: '/opt/foo', needed: ['libfoo.so.1', 'libbar.so.1'] }),
  });
  t.same(libs(host, '/usr/bin/app'), ['/opt/foo/libfoo.so.1', '/lib/x86_64-linux-gnu/libbar.so.1'],
    'libbar cannot see the program\'s RUNPATH, but libfoo.so.1 is already loaded under that name');
  const bySoname = fake({
    '/opt/foo/libfoo.so': lib({ soname: 'libfoo.so.1' }),
    '/usr/lib/x86_64-linux-gnu/libbar.so.1': lib({ runpath: '/nowhere', needed: ['libfoo.so.1'] }),
    '/usr/bin/app': exe({ runpath: '/opt/foo', needed: ['libfoo.so', 'libbar.so.1'] }),
  });
  t.same(libs(bySoname, '/usr/bin/app'), ['/opt/foo/libfoo.so', '/lib/x86_64-linux-gnu/libbar.so.1'],
    'libbar needs libfoo.so.1: the soname of the loaded libfoo.so, so no search (which would fail)');
});

t.test('one file reached under two names is listed under both paths and loaded once', async (t) => {
  const host = fake({
    '/usr/lib/x86_64-linux-gnu/libz.so.1.3': lib({ needed: ['libc.so.6'] }),
    '/usr/lib/x86_64-linux-gnu/libz.so.1': { symlink: 'libz.so.1.3' },
    '/usr/lib/x86_64-linux-gnu/libz.so': { symlink: 'libz.so.1' },
    '/usr/lib/x86_64-linux-gnu/libold.so.2': lib({ needed: ['libz.so'] }),
    '/usr/bin/app': exe({ needed: ['libz.so.1', 'libold.so.2'] }),
  });
  t.same(resolveElfDeps(host, '/usr/bin/app').files.slice(2).map((f) => `${f.path} <- ${f.reason}`), [
    '/lib/x86_64-linux-gnu/libz.so.1 <- elf-dep of /usr/bin/app',
    '/lib/x86_64-linux-gnu/libold.so.2 <- elf-dep of /usr/bin/app',
    '/lib/x86_64-linux-gnu/libc.so.6 <- elf-dep of /lib/x86_64-linux-gnu/libz.so.1',
    '/lib/x86_64-linux-gnu/libz.so <- elf-dep of /lib/x86_64-linux-gnu/libold.so.2',
  ]);
});

t.test('DT_RPATH: searched first, inherited by what the object loads', async (t) => {
  const host = fake({
    '/opt/rp/libx.so': lib({ needed: ['liby.so'] }),
    '/opt/rp/liby.so': lib(),
    '/usr/lib/x86_64-linux-gnu/libx.so': lib(),
    '/usr/lib/x86_64-linux-gnu/liby.so': lib(),
    '/usr/bin/app': exe({ needed: ['libx.so'], rpath: '/opt/rp' }),
  });
  t.same(libs(host, '/usr/bin/app'), ['/opt/rp/libx.so', '/opt/rp/liby.so']);
});

t.test('DT_RUNPATH: after RPATH would be, for the object itself only', async (t) => {
  const host = fake({
    '/opt/run/libx.so': lib({ needed: ['liby.so'] }),
    '/opt/run/liby.so': lib(),
    '/usr/lib/x86_64-linux-gnu/liby.so': lib(),
    '/usr/bin/app': exe({ needed: ['libx.so'], runpath: '/opt/run' }),
  });
  t.same(libs(host, '/usr/bin/app'), ['/opt/run/libx.so', '/lib/x86_64-linux-gnu/liby.so']);
});

t.test('an object with DT_RUNPATH ignores every DT_RPATH, its own and its loaders\'', async (t) => {
  const host = fake({
    '/opt/rp/libx.so': lib({ needed: ['liby.so'], runpath: '/opt/own' }),
    '/opt/rp/liby.so': lib(),
    '/opt/own/liby.so': lib(),
    '/opt/both/libz.so': lib(),
    '/opt/ignored/libz.so': lib(),
    '/usr/bin/app': exe({ needed: ['libx.so'], rpath: '/opt/rp' }),
    '/usr/bin/both': exe({ needed: ['libz.so'], rpath: '/opt/ignored', runpath: '/opt/both' }),
  });
  t.same(libs(host, '/usr/bin/app'), ['/opt/rp/libx.so', '/opt/own/liby.so']);
  t.same(libs(host, '/usr/bin/both'), ['/opt/both/libz.so']);
  const chain = fake({
    '/opt/a/libmid.so': lib({ runpath: '/opt/b', needed: ['libleaf.so'] }),
    '/opt/b/libleaf.so': lib({ needed: ['libend.so'] }),
    '/opt/a/libend.so': lib(),
    '/opt/c/libend.so': lib(),
    '/usr/bin/app': exe({ rpath: '/opt/a:/opt/c', needed: ['libmid.so'] }),
  });
  t.same(libs(chain, '/usr/bin/app'), ['/opt/a/libmid.so', '/opt/b/libleaf.so', '/opt/a/libend.so'],
    'libleaf has no RUNPATH: its loaders\' RPATHs apply, skipping libmid\'s (which has RUNPATH) but reaching the program\'s');
});

t.test('ld.so.conf comes before the system directories', async (t) => {
  const host = fake({
    '/etc/ld.so.conf.d/local.conf': '/opt/conf\n',
    '/opt/conf/libq.so.1': lib(),
    '/usr/lib64/libq.so.1': lib(),
    '/usr/bin/app': exe({ needed: ['libq.so.1'] }),
  });
  t.same(libs(host, '/usr/bin/app'), ['/opt/conf/libq.so.1']);
});

t.test('DF_1_NODEFLIB: no ld.so.conf and no system directories', async (t) => {
  const host = fake({ '/usr/bin/app': exe({ needed: ['libc.so.6'], flags1: 0x800 }) });
  t.throws(() => resolveElfDeps(host, '/usr/bin/app'), { code: 'ELF_DEP_MISSING', message: 'libc.so.6 (needed by /usr/bin/app) was not found (no directory to search)' });
});

t.test('$ORIGIN: the real directory of the program, the directory a library was found in', async (t) => {
  const host = fake({
    '/opt/app/bin/tool': exe({ needed: ['libtool.so', 'libg.so'], runpath: '$ORIGIN/../lib:${ORIGIN}/../g' }),
    '/opt/app/lib/libtool.so': lib(),
    '/usr/bin/tool': { symlink: '/opt/app/bin/tool' },
    // like glibc: libg's $ORIGIN is /opt/app/g (where it was found), not /srv/g (its real directory)
    '/opt/app/g/libg.so': { symlink: '/srv/g/libg.so' },
    '/srv/g/libg.so': lib({ runpath: '$ORIGIN/h', needed: ['libh.so'] }),
    '/opt/app/g/h/libh.so': lib(),
    '/srv/g/h/libh.so': lib(),
  });
  t.same(libs(host, '/usr/bin/tool'), ['/opt/app/lib/libtool.so', '/opt/app/g/libg.so', '/opt/app/g/h/libh.so']);
});

t.test('".." after a symlinked directory is applied physically, and the path returned has none', async (t) => {
  const host = fake({
    '/opt/link': { symlink: '/srv/deep/bin' },
    '/srv/deep/bin': { dir: true },
    '/srv/deep/lib/libp.so': lib(),
    '/opt/lib/libp.so': lib(),
    '/usr/bin/app': exe({ needed: ['libp.so'], rpath: '/opt/link/../lib' }),
  });
  t.same(libs(host, '/usr/bin/app'), ['/srv/deep/lib/libp.so']);
});

t.test('$LIB and $PLATFORM, from where the loader lives and the host arch', async (t) => {
  const spec = { needed: ['libq.so', 'libp.so'], rpath: '/opt/$LIB:/opt/${PLATFORM}/x:/opt/$LIBX' };
  const debian = fake({ '/opt/lib/x86_64-linux-gnu/libq.so': lib(), '/opt/x86_64/x/libp.so': lib(), '/usr/bin/app': exe(spec) });
  t.same(libs(debian, '/usr/bin/app'), ['/opt/lib/x86_64-linux-gnu/libq.so', '/opt/x86_64/x/libp.so'], 'Debian: $LIB is lib/<triplet>');
  const fedora = new FakeHost({
    '/lib64': { symlink: 'usr/lib64' },
    '/usr/lib64/ld-linux-x86-64.so.2': lib(),
    '/opt/lib64/libq.so': lib(),
    '/opt/x86_64/x/libp.so': lib(),
    '/usr/bin/app': exe(spec),
  });
  t.same(libs(fedora, '/usr/bin/app'), ['/opt/lib64/libq.so', '/opt/x86_64/x/libp.so'], 'Fedora: $LIB is lib64');
  const i386 = new FakeHost({
    '/lib': { symlink: 'usr/lib' },
    '/usr/lib/ld-linux.so.2': lib({ bits: 32, machine: EM_386 }),
    '/opt/lib/libq.so': lib({ bits: 32, machine: EM_386 }),
    '/opt/i686/x/libp.so': lib({ bits: 32, machine: EM_386 }),
    '/usr/bin/app': exe({ bits: 32, machine: EM_386, interpreter: '/lib/ld-linux.so.2', ...spec }),
  }, 'i386');
  t.same(libs(i386, '/usr/bin/app'), ['/opt/lib/libq.so', '/opt/i686/x/libp.so'], 'i386: $LIB is lib, $PLATFORM is i686');
});

t.test('wrong class, byte order, machine or MIPS ABI: skipped, as ld.so does', async (t) => {
  const host = fake({
    '/usr/local/lib/x86_64-linux-gnu/libz.so.1': lib({ bits: 32, machine: EM_386 }),
    '/usr/lib/x86_64-linux-gnu/libz.so.1': lib({ machine: 183 }),
    '/usr/lib/libz.so.1': lib(),
    '/usr/bin/app': exe({ needed: ['libz.so.1'] }),
  });
  t.same(libs(host, '/usr/bin/app'), ['/lib/libz.so.1']);
  const mips = new FakeHost({
    '/lib/ld.so.1': lib({ bits: 32, endian: 'be', machine: EM_MIPS }),
    '/lib/libm.so.6': lib({ bits: 32, endian: 'be', machine: EM_MIPS, flags: 0x20 }),
    '/usr/lib/libm.so.6': lib({ bits: 32, endian: 'le', machine: EM_MIPS }),
    '/lib32/libm.so.6': lib({ bits: 32, endian: 'be', machine: EM_MIPS, flags: 0x1000 }),
    '/etc/ld.so.conf': '/lib\n/usr/lib\n/lib32\n',
    '/bin/app': buildElf({ bits: 32, endian: 'be', machine: EM_MIPS, interpreter: '/lib/ld.so.1', needed: ['libm.so.6'] }),
  }, 'mips');
  t.same(libs(mips, '/bin/app'), ['/lib32/libm.so.6'], 'n32 (EF_MIPS_ABI2) and little-endian copies skipped for an o32 big-endian program');
});

t.test('a missing library: its name, who needs it, where ld.so looked, what was skipped', async (t) => {
  const host = fake({ '/usr/lib64/libgone.so.3': lib({ machine: EM_ARM, bits: 32 }), '/usr/bin/app': exe({ needed: ['libgone.so.3'], rpath: '/opt/a' }) });
  t.throws(() => resolveElfDeps(host, '/usr/bin/app'), {
    code: 'ELF_DEP_MISSING',
    path: '/usr/bin/app',
    message: 'libgone.so.3 (needed by /usr/bin/app) was not found in /opt/a:/usr/local/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib64:/usr/lib64:/lib:/usr/lib; skipped incompatible /usr/lib64/libgone.so.3 (ELFCLASS32 LE, machine 40)',
    hint: 'install the package that provides libgone.so.3, or pass --no-auto-libs and bind what the program needs with --ro',
  });
  const noLoader = new FakeHost({ '/usr/bin/app': exe() });
  t.throws(() => resolveElfDeps(noLoader, '/usr/bin/app'), { code: 'ELF_DEP_MISSING', message: `ELF interpreter ${LD} of /usr/bin/app does not exist`, hint: /install the C library/ });
  const relative = new FakeHost({ '/usr/bin/app': buildElf({ interpreter: 'ld.so' }) });
  t.throws(() => resolveElfDeps(relative, '/usr/bin/app'), { code: 'ELF_DEP_MISSING', message: /^ELF interpreter ld.so of \/usr\/bin\/app is not an absolute path/ });
  t.throws(() => resolveElfDeps(noLoader, '/usr/bin/none'), { code: 'PATH_MISSING', message: '/usr/bin/none: no such file on the host' });
});

t.test('a file that is not ELF where a library is expected stops the search', async (t) => {
  const host = fake({ '/usr/local/lib/x86_64-linux-gnu/libc.so.6': '/* GNU ld script */\n', '/usr/bin/app': exe({ needed: ['libc.so.6'] }) });
  t.throws(() => resolveElfDeps(host, '/usr/bin/app'), { code: 'ELF_MALFORMED', message: '/usr/local/lib/x86_64-linux-gnu/libc.so.6: malformed ELF: no ELF magic number (\\x7fELF)' });
});

t.test('DT_NEEDED with a slash is a path, with $ORIGIN expanded', async (t) => {
  const host = fake({
    '/opt/app/app': exe({ needed: ['/opt/plugins/libp.so', '$ORIGIN/sub/libs.so'] }),
    '/opt/plugins/libp.so': lib(),
    '/opt/app/sub/libs.so': lib(),
  });
  t.same(libs(host, '/opt/app/app'), ['/opt/plugins/libp.so', '/opt/app/sub/libs.so']);
  const gone = fake({ '/opt/app/app': exe({ needed: ['/opt/gone/libp.so'] }) });
  t.throws(() => resolveElfDeps(gone, '/opt/app/app'), { code: 'ELF_DEP_MISSING', message: '/opt/gone/libp.so (needed by /opt/app/app) does not exist' });
});

t.test('each file is parsed once however often it is needed', async (t) => {
  const host = fake({
    '/usr/lib/x86_64-linux-gnu/libshared.so': lib({ needed: ['libc.so.6'] }),
    ...Object.fromEntries(['a', 'b', 'c', 'd'].map((n) => [`/usr/lib/x86_64-linux-gnu/lib${n}.so`, lib({ needed: ['libshared.so', 'libc.so.6'] })])),
    '/usr/bin/app': exe({ needed: ['liba.so', 'libb.so', 'libc.so', 'libd.so', 'libshared.so'] }),
  });
  const headerReads = new Map<string, number>();
  const counting: HostFacts = Object.assign(Object.create(host) as FakeHost, {
    readRange: (path: string, offset: number, length: number) => {
      if (offset === 0 && length === 16) headerReads.set(path, (headerReads.get(path) ?? 0) + 1);
      return host.readRange(path, offset, length);
    },
  });
  t.equal(libs(counting, '/usr/bin/app').length, 6);
  t.same([...headerReads.values()].filter((n) => n !== 1), [], `every file parsed once: ${[...headerReads.keys()].join(' ')}`);
  t.equal(headerReads.get('/usr/lib/x86_64-linux-gnu/libshared.so'), 1);
});

t.test('programs resolved with one ElfDepsCache: the same answers, each file parsed and ld.so.conf read once', async (t) => {
  const host = fake({
    '/usr/bin/app': exe({ needed: ['libc.so.6', 'libz.so.1'] }),
    '/usr/bin/other': exe({ needed: ['libz.so.1'] }),
    '/usr/lib/x86_64-linux-gnu/libz.so.1': lib({ soname: 'libz.so.1', needed: ['libc.so.6'] }),
  });
  const reads: string[] = [];
  const texts: string[] = [];
  const counting: HostFacts = {
    arch: host.arch, lstat: (p) => host.lstat(p), readlink: (p) => host.readlink(p), readDir: (p) => host.readDir(p),
    readRange: (p, o, l) => (reads.push(p), host.readRange(p, o, l)), readText: (p) => (texts.push(p), host.readText(p)),
  };
  const cache = newElfDepsCache();
  for (const program of ['/usr/bin/app', '/usr/bin/other', '/usr/bin/app']) {
    t.same(resolveElfDeps(counting, program, cache), resolveElfDeps(host, program), program);
  }
  const libc = '/usr/lib/x86_64-linux-gnu/libc.so.6';
  const readsOfLibc = reads.filter((p) => p === libc).length;
  reads.length = 0;
  resolveElfDeps(counting, '/usr/bin/other', cache);
  t.notOk(reads.includes(libc), 'libc is not read again');
  t.ok(readsOfLibc > 0);
  t.equal(texts.filter((p) => p === '/etc/ld.so.conf').length, 1, 'ld.so.conf read once');
  const withRealPaths = newElfDepsCache(cachedRealPaths(host));
  for (const program of ['/usr/bin/app', '/usr/bin/other']) t.same(resolveElfDeps(host, program, withRealPaths), resolveElfDeps(host, program), `${program}, real paths from a cache`);
});
