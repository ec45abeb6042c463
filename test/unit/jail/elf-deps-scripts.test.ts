import t from 'tap';
import { resolveElfDeps } from '../../../src/jail/elf-deps.js';
import type { HostFacts } from '../../../src/jail/host.js';
import { buildElf } from '../../helpers/elf-builder.js';
import { FakeHost, type FakeTree } from '../../helpers/fake-host.js';

const LD = '/lib64/ld-linux-x86-64.so.2';
const paths = (host: HostFacts, program: string) => resolveElfDeps(host, program).files.map((f) => f.path);
const exe = (needed: string[]) => buildElf({ interpreter: LD, needed });
const glibc: FakeTree = {
  [LD]: buildElf({ soname: 'ld-linux-x86-64.so.2' }),
  '/etc/ld.so.conf': '/lib/x86_64-linux-gnu\n',
  '/lib/x86_64-linux-gnu/libc.so.6': buildElf(),
};

const script = (text: string) => ({ kind: 'file' as const, data: new TextEncoder().encode(text), mode: 0o755 });

t.test('scripts: #! interpreters are followed to the ELF program that runs', async (t) => {
  const host = new FakeHost({
    ...glibc,
    '/bin/dash': exe(['libc.so.6']),
    '/usr/bin/wrapper': script('#!/bin/dash\nexec "$@"\n'),
    '/etc/init.d/svc': script('#!/usr/bin/wrapper -x\n'),
  });
  t.same(resolveElfDeps(host, '/etc/init.d/svc').files.map((f) => `${f.kind}: ${f.path} (${f.reason})`), [
    'program: /etc/init.d/svc (the program itself)',
    'script-interpreter: /usr/bin/wrapper (#! interpreter of /etc/init.d/svc)',
    'script-interpreter: /bin/dash (#! interpreter of /usr/bin/wrapper)',
    `interpreter: ${LD} (interpreter of /bin/dash)`,
    'library: /lib/x86_64-linux-gnu/libc.so.6 (elf-dep of /bin/dash)',
  ]);
});

t.test('scripts: 4 nested interpreter scripts work, 5 fail like the kernel (ELOOP)', async (t) => {
  const chain = (n: number): FakeTree => Object.fromEntries(Array.from({ length: n }, (_, i) => [`/s${i}`, script(i === 0 ? '#!/bin/static\n' : `#!/s${i - 1}\n`)]));
  const host = (n: number) => new FakeHost({ '/bin/static': buildElf({ static: true }), ...chain(n) });
  t.same(paths(host(5), '/s4'), ['/s4', '/s3', '/s2', '/s1', '/s0', '/bin/static']);
  t.throws(() => resolveElfDeps(host(6), '/s5'), { code: 'COMMAND_NOT_EXECUTABLE', message: '/s5: "#!" interpreters nest more than 4 deep (at /s0); execve would fail with ELOOP' });
  const loop = new FakeHost({ '/a': script('#!/b\n'), '/b': script('#!/a\n') });
  t.throws(() => resolveElfDeps(loop, '/a'), { code: 'COMMAND_NOT_EXECUTABLE' }, 'a loop ends too');
});

t.test('scripts: a missing or unusable #! interpreter', async (t) => {
  const host = new FakeHost({ '/x': script('#!/bin/gone -e\n'), '/y': script('#!sh\n'), '/z': script('#!\n') });
  t.throws(() => resolveElfDeps(host, '/x'), { code: 'ELF_DEP_MISSING', message: '"#!" interpreter /bin/gone of /x does not exist', path: '/x' });
  t.throws(() => resolveElfDeps(host, '/y'), { code: 'ELF_DEP_MISSING', message: /^"#!" interpreter sh of \/y is not an absolute path/ });
  t.throws(() => resolveElfDeps(host, '/z'), { code: 'COMMAND_NOT_EXECUTABLE', message: /^\/z: bad "#!" line/ });
});

t.test('static and static-PIE programs, and files of unknown format, need only themselves', async (t) => {
  const host = new FakeHost({
    '/bin/static': buildElf({ static: true, type: 2 }),
    '/bin/static-pie': buildElf({ type: 3 }),
    '/bin/data': 'just bytes',
  });
  for (const path of ['/bin/static', '/bin/static-pie', '/bin/data']) t.same(paths(host, path), [path], path);
});
