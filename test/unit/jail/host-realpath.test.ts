import t from 'tap';
import { resolveRealPath } from '../../../src/jail/host-realpath.js';
import { FakeHost } from '../../helpers/fake-host.js';

const host = new FakeHost({
  '/usr/lib/x86_64-linux-gnu/libc.so.6': 'libc',
  '/usr/lib/x86_64-linux-gnu/libz.so.1': { symlink: 'libz.so.1.3' },
  '/usr/lib/x86_64-linux-gnu/libz.so.1.3': 'z',
  '/lib': { symlink: 'usr/lib' },
  '/lib64': { symlink: '/usr/lib64' },
  '/usr/lib64/ld.so': { symlink: '../lib/x86_64-linux-gnu/libc.so.6' },
  '/opt/link': { symlink: '/srv/deep/bin' },
  '/srv/deep/bin/tool': 'tool',
  '/srv/deep/lib/x': 'x',
  '/opt/lib/x': 'decoy',
  '/loop/a': { symlink: 'b' },
  '/loop/b': { symlink: 'a' },
  '/dangling': { symlink: '/nowhere' },
  '/file': 'f',
});

t.test('resolveRealPath() follows every symlink to the canonical path', async (t) => {
  const real = (p: string) => resolveRealPath(host, p)?.real;
  t.equal(real('/lib/x86_64-linux-gnu/libz.so.1'), '/usr/lib/x86_64-linux-gnu/libz.so.1.3');
  t.equal(real('/lib64/ld.so'), '/usr/lib/x86_64-linux-gnu/libc.so.6', 'absolute, then relative with ..');
  t.equal(real('//usr/./lib//x86_64-linux-gnu/'), '/usr/lib/x86_64-linux-gnu');
  t.equal(real('/'), '/');
  t.equal(real('/usr/lib/..'), '/usr');
  t.equal(real('/..'), '/');
  t.equal(resolveRealPath(host, '/lib64/ld.so')?.info.kind, 'file');
  t.equal(resolveRealPath(host, '/lib')?.info.kind, 'dir');
});

t.test('resolveRealPath() applies ".." to where a link leads, not lexically', async (t) => {
  t.equal(resolveRealPath(host, '/opt/link/../lib/x')?.real, '/srv/deep/lib/x');
});

t.test('resolveRealPath() gives undefined for what the kernel could not open', async (t) => {
  for (const path of ['/missing', '/loop/a', '/dangling', '/file/x', '/file/..', 'relative/path', '']) {
    t.equal(resolveRealPath(host, path), undefined, JSON.stringify(path));
  }
});
