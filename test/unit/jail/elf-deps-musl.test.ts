import t from 'tap';
import { resolveElfDeps } from '../../../src/jail/elf-deps.js';
import type { HostFacts } from '../../../src/jail/host.js';
import { buildElf, EM_MIPS, type ElfSpec } from '../../helpers/elf-builder.js';
import { FakeHost, type FakeTree } from '../../helpers/fake-host.js';

const paths = (host: HostFacts, program: string) => resolveElfDeps(host, program).files.map((f) => f.path);
const libs = (host: HostFacts, program: string) => resolveElfDeps(host, program).files.filter((f) => f.kind === 'library').map((f) => f.path);
const lib = (spec: ElfSpec = {}) => buildElf(spec);
const exe = (spec: ElfSpec = {}) => buildElf({ type: 3, ...spec });

const MUSL = '/lib/ld-musl-mipsel-sf.so.1';
const muslLib = (spec: ElfSpec = {}) => buildElf({ bits: 32, machine: EM_MIPS, ...spec });
const muslHost = (tree: FakeTree) => new FakeHost({
  [MUSL]: { symlink: 'libc.so' },
  '/lib/libc.so': muslLib({ soname: 'libc.so' }),
  ...tree,
}, 'mipsel');

t.test('musl: reserved names are the loader itself, then RPATH chain and the path file', async (t) => {
  const svc = buildElf({ bits: 32, machine: EM_MIPS, interpreter: MUSL, needed: ['libc.so', 'libubox.so', 'libpthread.so.0'] });
  const host = muslHost({
    '/etc/ld-musl-mipsel-sf.path': '/usr/lib\n/lib:/opt/extra\n',
    '/lib/libubox.so': muslLib(),
    '/usr/lib/libubox.so': muslLib(),
    '/usr/sbin/svc': svc,
  });
  t.same(paths(host, '/usr/sbin/svc'), ['/usr/sbin/svc', MUSL, '/usr/lib/libubox.so']);
  const defaults = muslHost({ '/lib/libubox.so': muslLib(), '/usr/lib/libubox.so': muslLib(), '/usr/sbin/svc': svc });
  t.same(libs(defaults, '/usr/sbin/svc'), ['/lib/libubox.so'], 'no path file: /lib:/usr/local/lib:/usr/lib');
  const empty = muslHost({ '/etc/ld-musl-mipsel-sf.path': '', '/lib/libubox.so': muslLib(), '/usr/sbin/svc': svc });
  t.throws(() => resolveElfDeps(empty, '/usr/sbin/svc'), { code: 'ELF_DEP_MISSING', message: 'libubox.so (needed by /usr/sbin/svc) was not found (no directory to search)' }, 'an empty path file: no system directories');
});

t.test('musl: RUNPATH is inherited like RPATH; a path with another $ token is ignored', async (t) => {
  const host = muslHost({
    '/opt/m/libx.so': muslLib({ needed: ['liby.so'] }),
    '/opt/m/liby.so': muslLib(),
    '/opt/lib/libz.so': muslLib(),
    '/usr/lib/libz.so': muslLib(),
    '/usr/bin/app': buildElf({ bits: 32, machine: EM_MIPS, interpreter: MUSL, runpath: '/opt/m', needed: ['libx.so'] }),
    '/usr/bin/tok': buildElf({ bits: 32, machine: EM_MIPS, interpreter: MUSL, rpath: '/opt/$LIB', needed: ['libz.so'] }),
  });
  t.same(libs(host, '/usr/bin/app'), ['/opt/m/libx.so', '/opt/m/liby.so']);
  t.same(libs(host, '/usr/bin/tok'), ['/usr/lib/libz.so']);
});

t.test('musl: the path file is PREFIX/etc when the loader lives deeper', async (t) => {
  const loader = '/usr/local/musl/lib/ld-musl-x86_64.so.1';
  const host = new FakeHost({
    [loader]: lib(),
    '/usr/local/musl/etc/ld-musl-x86_64.path': '/usr/local/musl/lib\n',
    '/usr/local/musl/lib/libq.so': lib(),
    '/lib/libq.so': lib(),
    '/bin/app': exe({ interpreter: loader, needed: ['libq.so'] }),
  });
  t.same(libs(host, '/bin/app'), ['/usr/local/musl/lib/libq.so']);
});
