import t from 'tap';
import { isWithin, normalizePath, resolveHostPath } from '../../../src/jail/host-paths.js';
import { FakeHost } from '../../helpers/fake-host.js';

t.test('normalizePath collapses //, . and .., and returns clean paths as they are', async (t) => {
  const cases: [string, string][] = [
    ['/', '/'], ['/usr/lib', '/usr/lib'], ['/usr/lib/', '/usr/lib'], ['//usr///lib', '/usr/lib'], ['/usr/./lib/.', '/usr/lib'],
    ['/usr/lib/../bin', '/usr/bin'], ['/..', '/'], ['/a/..', '/'], ['/.hidden/..b/c.', '/.hidden/..b/c.'], ['usr/lib', '/usr/lib'],
  ];
  for (const [input, expected] of cases) t.equal(normalizePath(input), expected, input);
});

t.test('resolveHostPath applies ".." after the symlink before it, like the kernel', async (t) => {
  const host = new FakeHost({
    '/opt/app/lib/libx.so': 'x',
    '/opt/app/etc/app.conf': 'conf',
    '/usr/lib/libx.so': { symlink: '/opt/app/lib/libx.so' },
    '/srv/current': { symlink: '/opt/app/lib' },
    '/srv/etc/app.conf': 'the lexical (wrong) answer',
  });
  const resolved = resolveHostPath(host, '/srv/current/../etc/app.conf');
  t.equal(resolved?.real, '/opt/app/etc/app.conf', 'current -> /opt/app/lib, so .. is /opt/app');
  t.same(resolved?.links, [{ path: '/srv/current', target: '/opt/app/lib' }]);
  t.equal(resolveHostPath(host, '/usr/lib/libx.so/../libx.so'), undefined, '".." after a file is ENOTDIR');
  t.equal(resolveHostPath(host, '/srv/./current/libx.so')?.real, '/opt/app/lib/libx.so');
  t.equal(resolveHostPath(host, '/../../opt/app/lib/libx.so')?.real, '/opt/app/lib/libx.so', '".." at / stays at /');
});

t.test('isWithin() is true for the directory itself and what lies below it, not for siblings sharing a prefix', async (t) => {
  t.ok(isWithin('/usr/lib', '/usr'));
  t.ok(isWithin('/usr', '/usr'));
  t.ok(isWithin('/anything', '/'));
  t.ok(isWithin('/', '/'));
  t.notOk(isWithin('/usrx', '/usr'));
  t.notOk(isWithin('/usr', '/usr/lib'));
  t.notOk(isWithin('/us', '/usr'));
  t.notOk(isWithin('/other/usr/lib', '/usr'));
});
