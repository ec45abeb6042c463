import t from 'tap';
import { resolveElfDeps } from '../../../src/jail/elf-deps.js';
import { readLdSoConf } from '../../../src/jail/ld-config.js';
import { buildElf, EM_386 } from '../../helpers/elf-builder.js';
import { FakeHost } from '../../helpers/fake-host.js';

const LD = '/lib64/ld-linux-x86-64.so.2';
const exe = (spec: Parameters<typeof buildElf>[0]) => ({ kind: 'file' as const, data: buildElf({ interpreter: LD, ...spec }), mode: 0o755 });
const lib = (spec: Parameters<typeof buildElf>[0] = {}) => buildElf(spec);
const paths = (host: FakeHost, program: string) => resolveElfDeps(host, program).files.map((f) => f.path);

const base = {
  '/lib64/ld-linux-x86-64.so.2': buildElf({ static: true }),
  '/etc/ld.so.conf': 'include /etc/ld.so.conf.d/*.conf\n',
  '/etc/ld.so.conf.d/multiarch.conf': '# multiarch\n/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n',
  '/lib/x86_64-linux-gnu/libc.so.6': lib(),
};

t.test('interpreter and libraries from ld.so.conf, with their reasons', async (t) => {
  const host = new FakeHost({ ...base, '/usr/bin/app': exe({ needed: ['libc.so.6'] }) });
  t.same(resolveElfDeps(host, '/usr/bin/app').files, [
    { path: LD, reason: 'interpreter of /usr/bin/app' },
    { path: '/lib/x86_64-linux-gnu/libc.so.6', reason: 'elf-dep of /usr/bin/app' },
  ]);
});

t.test('transitive dependencies, each once, cycles tolerated', async (t) => {
  const host = new FakeHost({
    ...base,
    '/usr/lib/x86_64-linux-gnu/liba.so.1': lib({ needed: ['libb.so.1', 'libc.so.6'] }),
    '/usr/lib/x86_64-linux-gnu/libb.so.1': lib({ needed: ['liba.so.1'] }),
    '/usr/bin/app': exe({ needed: ['liba.so.1', 'libc.so.6'] }),
  });
  t.same(paths(host, '/usr/bin/app'), [LD, '/usr/lib/x86_64-linux-gnu/liba.so.1', '/usr/lib/x86_64-linux-gnu/libb.so.1', '/lib/x86_64-linux-gnu/libc.so.6']);
});

t.test('DT_RPATH is searched first and inherited from the loader; DT_RUNPATH is not inherited', async (t) => {
  const host = new FakeHost({
    ...base,
    '/opt/rp/libx.so': lib({ needed: ['liby.so'] }),
    '/opt/rp/liby.so': lib(),
    '/usr/lib/liby.so': lib(),
    '/lib/x86_64-linux-gnu/libx.so': lib(),
    '/usr/bin/rp': exe({ needed: ['libx.so'], rpath: '/opt/rp' }),
    '/opt/run/libx.so': lib({ needed: ['liby.so'] }),
    '/usr/bin/run': exe({ needed: ['libx.so'], runpath: '/opt/run' }),
  });
  t.same(paths(host, '/usr/bin/rp').slice(1), ['/opt/rp/libx.so', '/opt/rp/liby.so'], 'RPATH reaches the library loaded through it');
  t.same(paths(host, '/usr/bin/run').slice(1), ['/opt/run/libx.so', '/usr/lib/liby.so'], 'RUNPATH applies to the program only');
});

t.test('RUNPATH disables RPATH; $ORIGIN is the real directory of the object', async (t) => {
  const host = new FakeHost({
    ...base,
    '/opt/app/bin/tool': exe({ needed: ['libtool.so'], rpath: '/nowhere', runpath: '$ORIGIN/../lib' }),
    '/opt/app/lib/libtool.so': lib(),
    '/usr/bin/tool': { symlink: '/opt/app/bin/tool' },
  });
  t.same(paths(host, '/usr/bin/tool'), [LD, '/opt/app/lib/libtool.so']);
});

t.test('a library of the wrong class is skipped, as ld.so does', async (t) => {
  const host = new FakeHost({
    ...base,
    '/lib/libz.so.1': lib({ bits: 32, machine: EM_386 }),
    '/usr/lib/libz.so.1': lib(),
    '/usr/bin/app': exe({ needed: ['libz.so.1'] }),
  });
  t.same(paths(host, '/usr/bin/app'), [LD, '/usr/lib/libz.so.1']);
});

t.test('musl: the path file or its default directories', async (t) => {
  const musl = '/lib/ld-musl-mipsel-sf.so.1';
  const host = new FakeHost({
    [musl]: buildElf({ static: true }),
    '/etc/ld-musl-mipsel-sf.path': '/usr/lib\n/lib\n',
    '/lib/libubox.so': lib(),
    '/usr/lib/libubox.so': lib(),
    '/usr/sbin/svc': { kind: 'file', data: buildElf({ interpreter: musl, needed: ['libubox.so'] }), mode: 0o755 },
  });
  t.same(paths(host, '/usr/sbin/svc'), [musl, '/usr/lib/libubox.so']);
});

t.test('a missing library names the library, who needs it and where it looked', async (t) => {
  const host = new FakeHost({ ...base, '/usr/bin/app': exe({ needed: ['libgone.so.3'] }) });
  t.throws(() => resolveElfDeps(host, '/usr/bin/app'), { code: 'ELF_DEP_MISSING', message: /^libgone.so.3 \(needed by \/usr\/bin\/app\) was not found in \/lib\/x86_64-linux-gnu:/ });
  const noLoader = new FakeHost({ '/usr/bin/app': exe({}) });
  t.throws(() => resolveElfDeps(noLoader, '/usr/bin/app'), { code: 'ELF_DEP_MISSING', message: `ELF interpreter ${LD} (needed by /usr/bin/app) does not exist` });
});

t.test('scripts: #! interpreters are followed, nested up to four deep', async (t) => {
  const host = new FakeHost({
    ...base,
    '/bin/dash': exe({ needed: ['libc.so.6'] }),
    '/usr/bin/wrapper': { kind: 'file', data: new TextEncoder().encode('#!/bin/dash\nexec "$@"\n'), mode: 0o755 },
    '/etc/init.d/svc': { kind: 'file', data: new TextEncoder().encode('#!/usr/bin/wrapper -x\n'), mode: 0o755 },
  });
  t.same(resolveElfDeps(host, '/etc/init.d/svc').files.map((f) => f.reason), [
    '#! interpreter of /etc/init.d/svc', '#! interpreter of /usr/bin/wrapper', 'interpreter of /bin/dash', 'elf-dep of /bin/dash',
  ]);
  const chain = new FakeHost({ '/s1': '#!/s2\n', '/s2': '#!/s3\n', '/s3': '#!/s4\n', '/s4': '#!/s5\n', '/s5': '#!/s6\n', '/s6': '#!/s1\n' });
  t.throws(() => resolveElfDeps(chain, '/s1'), { code: 'ELF_MALFORMED', message: /nest more than 4 deep/ });
  const loop = new FakeHost({ '/a': '#!/b\n', '/b': '#!/a\n' });
  t.throws(() => resolveElfDeps(loop, '/a'), { message: /nest more than 4 deep/ }, 'a loop ends too');
});

t.test('static binaries need nothing', async (t) => {
  const host = new FakeHost({ '/usr/bin/static': { kind: 'file', data: buildElf({ static: true }), mode: 0o755 } });
  t.same(paths(host, '/usr/bin/static'), []);
});

t.test('readLdSoConf(): comments, globbed and relative includes, loops', async (t) => {
  const host = new FakeHost({
    '/etc/ld.so.conf': 'include ld.so.conf.d/*.conf # local\n/usr/local/lib\nhwcap 0 nosegneg\ninclude /etc/ld.so.conf\n',
    '/etc/ld.so.conf.d/a.conf': '/opt/a/lib\n',
    '/etc/ld.so.conf.d/b.conf': '/opt/b/lib:/opt/c/lib\n',
    '/etc/ld.so.conf.d/c.txt': '/ignored\n',
  });
  t.same(readLdSoConf(host), ['/opt/a/lib', '/opt/b/lib', '/opt/c/lib', '/usr/local/lib']);
});
