import t from 'tap';
import {
  glibcLibToken, glibcSystemDirs, muslPathFile, MUSL_DEFAULT_PATH, parseLdSoConf, parseMuslPath, resolveGlob, resolveLdSoConf, resolveMuslPath,
} from '../../../src/jail/ld-config.js';
import { FakeHost } from '../../helpers/fake-host.js';

t.test('parseLdSoConf() reads lines like ldconfig', async (t) => {
  const text = [
    '# comment', '', '   ', '/usr/local/lib # trailing comment', '  /opt/a/lib///  ', 'include ld.so.conf.d/*.conf  /etc/extra.conf',
    'include\t/tab.conf', 'hwcap 1 nosegneg', 'HWCAP 0 x', '/opt/typed=libc6', 'includefoo', '/dir with space', '/',
  ].join('\n');
  t.same(parseLdSoConf(text), [
    { kind: 'dir', path: '/usr/local/lib' },
    { kind: 'dir', path: '/opt/a/lib' },
    { kind: 'include', pattern: 'ld.so.conf.d/*.conf' },
    { kind: 'include', pattern: '/etc/extra.conf' },
    { kind: 'include', pattern: '/tab.conf' },
    { kind: 'dir', path: '/opt/typed' },
    { kind: 'dir', path: 'includefoo' },
    { kind: 'dir', path: '/dir with space' },
    { kind: 'dir', path: '/' },
  ]);
});

t.test('resolveLdSoConf(): relative and globbed includes, nesting, order, duplicates', async (t) => {
  const host = new FakeHost({
    '/etc/ld.so.conf': 'include ld.so.conf.d/*.conf\n/usr/local/lib\ninclude /etc/missing.conf /etc/none/*.conf\nrelative/dir\n',
    '/etc/ld.so.conf.d/b.conf': '/opt/b\ninclude sub/*.conf\n',
    '/etc/ld.so.conf.d/a.conf': '/opt/a\n/usr/local/lib\n',
    '/etc/ld.so.conf.d/c.txt': '/ignored/not-conf\n',
    '/etc/ld.so.conf.d/.hidden.conf': '/ignored/hidden\n',
    '/etc/ld.so.conf.d/sub/n.conf': '/opt/nested\n',
  });
  t.same(resolveLdSoConf(host), ['/opt/a', '/usr/local/lib', '/opt/b', '/opt/nested'],
    'sorted glob matches, dotfiles skipped, a nested relative include is relative to its own file, relative dirs dropped');
  t.same(resolveLdSoConf(new FakeHost({})), [], 'no ld.so.conf at all');
});

t.test('resolveLdSoConf(): include loops end', async (t) => {
  const host = new FakeHost({
    '/etc/ld.so.conf': 'include /etc/ld.so.conf\ninclude /etc/a.conf\n/opt/top\n',
    '/etc/a.conf': 'include b.conf\n/opt/a\n',
    '/etc/b.conf': 'include a.conf\ninclude ld.so.conf\n/opt/b\n',
  });
  t.same(resolveLdSoConf(host), ['/opt/b', '/opt/a', '/opt/top']);
});

t.test('resolveGlob(): * ? [...] in any component, escapes, no implicit dotfiles', async (t) => {
  const host = new FakeHost({
    '/c/a1.conf': '', '/c/a2.conf': '', '/c/b1.conf': '', '/c/.a3.conf': '', '/c/x*y': '', '/c/x-y': '', '/c/]z': '',
    '/d/one/x.conf': '', '/d/two/x.conf': '', '/d/two/y.conf': '',
  });
  const cases: [string, string[]][] = [
    ['/c/*.conf', ['/c/a1.conf', '/c/a2.conf', '/c/b1.conf']],
    ['/c/.*.conf', ['/c/.a3.conf']],
    ['/c/a?.conf', ['/c/a1.conf', '/c/a2.conf']],
    ['/c/[ab]1.conf', ['/c/a1.conf', '/c/b1.conf']],
    ['/c/[!a]1.conf', ['/c/b1.conf']],
    ['/c/[^b]?.conf', ['/c/a1.conf', '/c/a2.conf']],
    ['/c/a[1-2].conf', ['/c/a1.conf', '/c/a2.conf']],
    ['/c/x\\*y', ['/c/x*y']],
    ['/c/x[*]y', ['/c/x*y']],
    ['/c/[]]z', ['/c/]z']],
    ['/c/[a', []],
    ['/d/*/x.conf', ['/d/one/x.conf', '/d/two/x.conf']],
    ['/d/t*/*', ['/d/two/x.conf', '/d/two/y.conf']],
    ['/c/a1.conf', ['/c/a1.conf']],
    ['/c/none.conf', []],
  ];
  for (const [pattern, expected] of cases) t.same(resolveGlob(host, pattern), expected, pattern);
});

t.test('musl: the path file, its location and its default', async (t) => {
  t.same(parseMuslPath('/usr/lib\n/lib:/opt/x\n\n::/y z\n'), ['/usr/lib', '/lib', '/opt/x', '/y z']);
  t.equal(muslPathFile('/lib/ld-musl-mipsel-sf.so.1'), '/etc/ld-musl-mipsel-sf.path');
  t.equal(muslPathFile('/usr/local/musl/lib/ld-musl-x86_64.so.1'), '/usr/local/musl/etc/ld-musl-x86_64.path');
  t.equal(muslPathFile('ld-musl-arm.so.1'), '/etc/ld-musl-arm.path');
  t.equal(muslPathFile('/lib/ld-linux.so.3'), undefined);
  const host = new FakeHost({ '/etc/ld-musl-aarch64.path': '/usr/lib\nrelative\n/lib\n', '/etc/ld-musl-armhf.path': '' });
  t.same(resolveMuslPath(host, '/lib/ld-musl-aarch64.so.1'), ['/usr/lib', '/lib']);
  t.same(resolveMuslPath(host, '/lib/ld-musl-armhf.so.1'), [], 'an empty file: no directories');
  t.same(resolveMuslPath(host, '/lib/ld-musl-x86_64.so.1'), MUSL_DEFAULT_PATH);
  t.same(MUSL_DEFAULT_PATH, ['/lib', '/usr/local/lib', '/usr/lib']);
});

t.test('glibc: system directories and $LIB from where the loader really lives', async (t) => {
  const debian = '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2';
  t.same(glibcSystemDirs(64, debian), ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib']);
  t.same(glibcSystemDirs(64, '/usr/lib64/ld-linux-x86-64.so.2'), ['/lib64', '/usr/lib64', '/lib', '/usr/lib']);
  t.same(glibcSystemDirs(32, '/lib/ld-linux-armhf.so.3'), ['/lib', '/usr/lib']);
  t.same(glibcSystemDirs(32, '/usr/lib32/ld-linux.so.2'), ['/lib32', '/usr/lib32', '/lib', '/usr/lib']);
  t.same(glibcSystemDirs(64, undefined), ['/lib64', '/usr/lib64', '/lib', '/usr/lib']);
  t.equal(glibcLibToken(64, debian), 'lib/x86_64-linux-gnu');
  t.equal(glibcLibToken(64, '/usr/lib64/ld-linux-x86-64.so.2'), 'lib64');
  t.equal(glibcLibToken(64, '/usr/lib/ld-linux-x86-64.so.2'), 'lib');
  t.equal(glibcLibToken(32, undefined), 'lib');
  t.equal(glibcLibToken(64, '/ld.so'), 'lib');
});
