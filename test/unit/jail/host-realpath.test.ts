import t from 'tap';
import { cachedRealPaths, resolveRealPath } from '../../../src/jail/host-realpath.js';
import { memoizeHost } from '../../../src/jail/host-memo.js';
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

t.test('cachedRealPaths() answers as resolveRealPath() does, whatever was asked before', async (t) => {
  const paths = ['/lib/x86_64-linux-gnu/libz.so.1', '/lib64/ld.so', '//usr/./lib//x86_64-linux-gnu/', '/', '/usr/lib/..', '/..',
    '/opt/link/../lib/x', '/opt/link/tool', '/opt/link', '/missing', '/missing/x', '/loop/a', '/loop/a/x', '/dangling', '/file/x', '/file/..',
    'relative/path', '', '/usr/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/x86_64-linux-gnu', '/srv/deep/lib/x', '/opt/lib/x',
    // a name below "/" reached by "//", doubled and trailing slashes, a symlink's own directory
    '//file', '//usr', '/usr//lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/x86_64-linux-gnu/', '/lib/x86_64-linux-gnu/libc.so.6'];
  // asked in order and in reverse, parents before and after their children
  for (const order of [paths, [...paths].reverse()]) {
    const cached = cachedRealPaths(memoizeHost(host));
    for (const path of order) t.same(cached(path), resolveRealPath(host, path), JSON.stringify(path));
  }
});

t.test('memoizeHost() reads each path of the host once', async (t) => {
  const seen: string[] = [];
  const counting = new Proxy(host, { get: (target, key) => (key === 'lstat' ? (p: string) => (seen.push(p), target.lstat(p)) : Reflect.get(target, key)) });
  const memo = memoizeHost(counting);
  for (let i = 0; i < 3; i++) for (const p of ['/file', '/missing', '/usr/lib']) memo.lstat(p);
  t.same(seen, ['/file', '/missing', '/usr/lib'], 'a missing path is remembered too');
  const links: string[] = [];
  const dirs: string[] = [];
  const memo2 = memoizeHost({ ...host, arch: host.arch, lstat: (p) => host.lstat(p), readRange: (p, o, l) => host.readRange(p, o, l), readText: (p) => host.readText(p),
    readlink: (p) => (links.push(p), host.readlink(p)), readDir: (p) => (dirs.push(p), host.readDir(p)) });
  for (let i = 0; i < 2; i++) {
    t.equal(memo2.readlink('/lib'), 'usr/lib');
    t.equal(memo2.readlink('/file'), undefined);
    t.equal(memo2.readDir('/missing'), undefined);
  }
  t.same(links, ['/lib', '/file'], 'a readlink is remembered, also when there is no link');
  t.same(dirs, ['/missing'], 'a missing directory is remembered');
  const listed = memo.readDir('/usr');
  listed?.push('changed by a caller');
  t.same(memo.readDir('/usr'), host.readDir('/usr'), 'callers get copies of a listing');
});

t.test('memoizeHost().readRange(): what the host reads, from blocks each read once', async (t) => {
  const data = Uint8Array.from({ length: 10000 }, (_, i) => (i * 7) & 0xff);
  const files = new FakeHost({ '/data': { kind: 'file', data }, '/dir/x': 'x' });
  const asked: [string, number, number][] = [];
  const memo = memoizeHost({ ...files, arch: files.arch, lstat: (p) => files.lstat(p), readlink: (p) => files.readlink(p), readDir: (p) => files.readDir(p),
    readText: (p) => files.readText(p), readRange: (p, o, l) => (asked.push([p, o, l]), files.readRange(p, o, l)) });
  const ranges: [number, number][] = [[0, 16], [0, 64], [64, 728], [4000, 200], [4096, 4096], [8190, 4000], [9999, 1], [10000, 5], [20000, 8], [12, 0], [100, 9000]];
  for (const [offset, length] of [...ranges, ...ranges]) {
    t.same(memo.readRange('/data', offset, length), files.readRange('/data', offset, length), `${offset}+${length}`);
  }
  t.ok(asked.filter(([, , l]) => l > 0).every(([, o, l]) => o % 4096 === 0 && l % 4096 === 0), 'whole blocks');
  t.equal(asked.filter(([, o]) => o === 0).length, 1, 'the first block once, for every read in it');
  const got = memo.readRange('/data', 0, 4);
  got![0] = 99;
  t.equal(memo.readRange('/data', 0, 1)![0], 0, 'callers get copies');
  asked.length = 0;
  t.equal(memo.readRange('/dir', 0, 4), undefined, 'a directory has no bytes');
  t.equal(memo.readRange('/missing', 0, 4), undefined);
  t.equal(memo.readRange('/missing', 8192, 4), undefined);
  t.equal(asked.filter(([p]) => p === '/missing').length, 1, 'an unreadable file is remembered');
});
