import t from 'tap';
import { buildJailTree, type BindRequest } from '../../../src/jail/jail-tree.js';
import { FakeHost } from '../../helpers/fake-host.js';

const merged = () => new FakeHost({
  '/usr/lib/x86_64-linux-gnu/libc.so.6': 'libc',
  '/usr/lib/x86_64-linux-gnu/libfoo.so.1.2.3': 'foo',
  '/usr/lib/x86_64-linux-gnu/libfoo.so.1': { symlink: 'libfoo.so.1.2.3' },
  '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2': 'ld',
  '/usr/lib64/ld-linux-x86-64.so.2': { symlink: '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
  '/lib': { symlink: 'usr/lib' },
  '/lib64': { symlink: 'usr/lib64' },
  '/usr/bin/tool': 'bin',
  '/etc/hosts': 'hosts',
  '/srv/data/file': 'x',
  '/srv/link': { symlink: 'data' },
});

const ro = (source: string, reason = 'test'): BindRequest => ({ source, writable: false, reason, origin: '--ro' });

t.test('symlink chains are recreated so sonames and the interpreter resolve', async (t) => {
  const tree = buildJailTree(merged(), [ro('/lib64/ld-linux-x86-64.so.2'), ro('/lib/x86_64-linux-gnu/libfoo.so.1')]);
  t.same(tree.filter((e) => e.kind === 'symlink').map((e) => [e.path, e.kind === 'symlink' && e.target]), [
    ['/lib', 'usr/lib'],
    ['/lib64', 'usr/lib64'],
    ['/usr/lib64/ld-linux-x86-64.so.2', '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'],
    ['/usr/lib/x86_64-linux-gnu/libfoo.so.1', 'libfoo.so.1.2.3'],
  ]);
  const binds = tree.filter((e) => e.kind === 'bind').map((e) => e.path);
  t.same(binds.sort(), ['/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', '/usr/lib/x86_64-linux-gnu/libfoo.so.1.2.3']);
});

t.test('parents are created before children, once', async (t) => {
  const tree = buildJailTree(merged(), [ro('/usr/lib/x86_64-linux-gnu/libc.so.6'), ro('/usr/bin/tool')]);
  const dirs = tree.filter((e) => e.kind === 'dir').map((e) => e.path);
  t.same(dirs, ['/usr', '/usr/bin', '/usr/lib', '/usr/lib/x86_64-linux-gnu']);
  const idx = (p: string) => tree.findIndex((e) => e.path === p);
  t.ok(idx('/usr/lib/x86_64-linux-gnu') < idx('/usr/lib/x86_64-linux-gnu/libc.so.6'));
});

t.test('a file inside a bound directory is covered, not bound again', async (t) => {
  const tree = buildJailTree(merged(), [ro('/usr/lib'), ro('/usr/lib/x86_64-linux-gnu/libc.so.6')]);
  t.same(tree.filter((e) => e.kind === 'bind').map((e) => e.path), ['/usr/lib']);
});

t.test('a writable bind inside a read-only directory bind is mounted on top', async (t) => {
  const tree = buildJailTree(merged(), [ro('/srv'), { source: '/srv/data', writable: true, reason: 'rw', origin: '--rw' }]);
  const binds = tree.filter((e) => e.kind === 'bind');
  t.same(binds.map((e) => [e.path, e.kind === 'bind' && e.writable, e.kind === 'bind' && e.createMountpoint]), [
    ['/srv', false, true],
    ['/srv/data', true, false],
  ]);
});

t.test('an explicit destination is resolved through the jail symlinks', async (t) => {
  const tree = buildJailTree(merged(), [ro('/lib/x86_64-linux-gnu/libc.so.6'), { source: '/etc/hosts', dest: '/lib/hosts', writable: false, reason: 'x', origin: '--ro' }]);
  const bind = tree.find((e) => e.kind === 'bind' && e.source === '/etc/hosts');
  t.equal(bind?.path, '/usr/lib/hosts');
});

t.test('a missing source names the flag and the path', async (t) => {
  t.throws(() => buildJailTree(merged(), [ro('/nope/file')]), { code: 'PATH_MISSING', message: '--ro /nope/file: no such file or directory on the host' });
});

t.test('binding two different sources at one place is refused', async (t) => {
  t.throws(
    () => buildJailTree(merged(), [{ source: '/etc/hosts', dest: '/x', writable: false, reason: 'a', origin: '--ro' }, { source: '/usr/bin/tool', dest: '/x', writable: false, reason: 'b', origin: '--ro' }]),
    { code: 'JAIL_INVALID', message: /bound twice/ },
  );
});

t.test('the same file asked read-only and read-write ends up writable', async (t) => {
  const tree = buildJailTree(merged(), [ro('/etc/hosts'), { source: '/etc/hosts', writable: true, reason: 'rw', origin: '--rw' }]);
  const binds = tree.filter((e) => e.kind === 'bind');
  t.equal(binds.length, 1);
  t.equal(binds[0]?.kind === 'bind' && binds[0].writable, true);
});

t.test('a bind under a bound directory that lacks the mount point is refused', async (t) => {
  t.throws(() => buildJailTree(merged(), [ro('/srv'), { source: '/etc/hosts', dest: '/srv/hosts', writable: false, reason: 'x', origin: '--ro' }]), {
    code: 'JAIL_INVALID',
    message: /inside bind-mounted \/srv/,
  });
});

t.test('a symlinked source directory is bound from its real path', async (t) => {
  const tree = buildJailTree(merged(), [ro('/srv/link/file')]);
  t.same(tree.filter((e) => e.kind === 'symlink').map((e) => e.path), ['/srv/link']);
  t.same(tree.filter((e) => e.kind === 'bind').map((e) => e.kind === 'bind' && e.source), ['/srv/data/file']);
});
