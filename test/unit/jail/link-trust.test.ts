// The rule for symlinks on a bind source's path (src/jail/link-trust.ts), on fake hosts: the
// distribution's own links are followed, links a jail or another user could have planted are not.
import t from 'tap';
import { buildJailTree, type BindRequest } from '../../../src/jail/jail-tree.js';
import { FakeHost, type FakeTree } from '../../helpers/fake-host.js';

const ro = (source: string, dest?: string): BindRequest => ({ source, writable: false, reason: 'test', origin: '--ro', ...(dest === undefined ? {} : { dest }) });
const rw = (source: string): BindRequest => ({ source, writable: true, reason: 'test', origin: '--rw' });
const boundFrom = (host: FakeHost, requests: BindRequest[]) =>
  buildJailTree(host, requests).flatMap((e) => (e.kind === 'bind' ? [e.source] : []));

/** A Debian (merged /usr) host and an OpenWrt one, with their usual links. */
const DISTRO: FakeTree = {
  '/bin': { symlink: 'usr/bin' },
  '/lib': { symlink: 'usr/lib' },
  '/lib64/ld-linux-x86-64.so.2': { symlink: '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
  '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2': 'ld',
  '/usr/lib/x86_64-linux-gnu/libz.so.1': { symlink: 'libz.so.1.2.13' },
  '/usr/lib/x86_64-linux-gnu/libz.so.1.2.13': 'z',
  '/usr/bin/mawk': 'awk',
  '/usr/bin/awk': { symlink: '/etc/alternatives/awk' },
  '/etc/alternatives/awk': { symlink: '/usr/bin/mawk' },
  '/etc/localtime': { symlink: '/usr/share/zoneinfo/Etc/UTC' },
  '/usr/share/zoneinfo/Etc/UTC': 'tz',
  '/etc/os-release': { symlink: '../usr/lib/os-release' },
  '/usr/lib/os-release': 'debian',
  '/var/run': { symlink: '/run' },
  '/run/app.pid': '1',
  // OpenWrt: /etc/resolv.conf -> /tmp/resolv.conf -> /tmp/resolv.conf.d/resolv.conf.auto
  '/tmp': { kind: 'dir', mode: 0o1777 },
  '/etc/resolv.conf': { symlink: '/tmp/resolv.conf' },
  '/tmp/resolv.conf': { symlink: '/tmp/resolv.conf.d/resolv.conf.auto' },
  '/tmp/resolv.conf.d/resolv.conf.auto': 'nameserver 127.0.0.1',
  '/etc/shadow': 'root:secret',
  '/root/.ssh/id_rsa': 'key',
};

/** What a root service with --rw /srv/app (or /tmp/work) could leave behind. */
const PLANTED: FakeTree = {
  '/srv/app/app.conf': { symlink: '/etc/shadow' },
  '/srv/app/data': { symlink: '/root' },
  '/srv/app/up': { symlink: '../../etc/shadow' },
  '/srv/app/releases/3/index.html': 'v3',
  '/srv/app/current': { symlink: 'releases/3' },
  '/srv/app/here': { symlink: '.' },
  '/srv/app/climb': { symlink: 'here/../secret' },
  '/srv/secret': 'the neighbour',
  '/tmp/work/app.conf': { symlink: '/etc/shadow' },
};

const host = (extra: FakeTree = {}) => new FakeHost({ ...DISTRO, ...PLANTED, ...extra });

t.test("the distribution's own links are followed", async (t) => {
  const h = host();
  t.same(boundFrom(h, [ro('/lib64/ld-linux-x86-64.so.2')]), ['/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'], '/lib64 loader -> /lib -> usr/lib');
  t.same(boundFrom(h, [ro('/lib/x86_64-linux-gnu/libz.so.1')]), ['/usr/lib/x86_64-linux-gnu/libz.so.1.2.13'], 'sonames');
  t.same(boundFrom(h, [ro('/bin/awk')]), ['/usr/bin/mawk'], '/etc/alternatives');
  t.same(boundFrom(h, [ro('/etc/localtime'), ro('/etc/os-release')]).sort(), ['/usr/lib/os-release', '/usr/share/zoneinfo/Etc/UTC']);
  t.same(boundFrom(h, [ro('/var/run/app.pid')]), ['/run/app.pid'], '/var/run -> /run');
  t.same(boundFrom(h, [ro('/etc/resolv.conf')]), ['/tmp/resolv.conf.d/resolv.conf.auto'], "OpenWrt's resolv.conf into /tmp, through a root link in sticky /tmp");
});

t.test('a planted link that leads out of its directory is refused, naming the link and how to bind the target', async (t) => {
  const h = host();
  t.throws(() => boundFrom(h, [ro('/srv/app/app.conf')]), {
    code: 'PATH_UNSAFE',
    message: '--ro /srv/app/app.conf: symlink /srv/app/app.conf -> /etc/shadow is not followed: it leads out of /srv/app and lies outside the system directories, so a jail or another user could have planted it',
    hint: 'if /etc/shadow is really meant, bind it by its own path: --ro /etc/shadow:/srv/app/app.conf',
  });
  t.throws(() => boundFrom(h, [rw('/srv/app/data')]), { code: 'PATH_UNSAFE', message: /symlink \/srv\/app\/data -> \/root is not followed/, hint: /--rw \/root:\/srv\/app\/data/ });
  t.throws(() => boundFrom(h, [ro('/srv/app/data/.ssh/id_rsa')]), { code: 'PATH_UNSAFE', message: /\/srv\/app\/data -> \/root/ }, 'also as a directory on the way');
  t.throws(() => boundFrom(h, [ro('/srv/app/up')]), { code: 'PATH_UNSAFE' }, 'a relative link climbing out');
  t.throws(() => boundFrom(h, [ro('/tmp/work/app.conf')]), { code: 'PATH_UNSAFE' }, 'below sticky /tmp too');
  t.throws(() => boundFrom(h, [ro('/srv/app/app.conf', '/etc/app.conf')]), { code: 'PATH_UNSAFE', hint: /--ro \/etc\/shadow:\/etc\/app.conf/ }, 'with a destination');
  t.same(boundFrom(h, [ro('/etc/shadow', '/srv/app/app.conf')]), ['/etc/shadow'], 'the explicit bind the hint gives works');
  const from = (origin: string): BindRequest => ({ source: '/srv/app/app.conf', writable: false, reason: 'test', origin });
  t.throws(() => boundFrom(h, [from('command')]), { message: /^command \/srv\/app\/app.conf: symlink/, hint: 'if /etc/shadow is really meant, run it by its own path' });
  t.throws(() => boundFrom(h, [from('ELF dependency')]), { code: 'PATH_UNSAFE', hint: 'if /etc/shadow is really meant, bind the libraries yourself: --no-auto-libs --ro /etc/shadow:/srv/app/app.conf' });
});

t.test('".." after a link is applied where the link led, as the kernel does', async (t) => {
  // climb -> here/../secret: lexically /srv/app/secret, but here -> . makes it /srv/secret
  t.throws(() => boundFrom(host(), [ro('/srv/app/climb')]), { code: 'PATH_UNSAFE', message: /symlink \/srv\/app\/climb -> here\/..\/secret is not followed: it leads out of \/srv\/app/ });
});

t.test('a link that stays inside its directory is followed wherever it lies', async (t) => {
  t.same(boundFrom(host(), [ro('/srv/app/current')]), ['/srv/app/releases/3']);
  t.same(boundFrom(host(), [ro('/srv/app/here/current/index.html')]), ['/srv/app/releases/3/index.html']);
});

t.test('a link another user owns, or under a directory others may write, is never followed', async (t) => {
  const h = host({
    '/home/alice/site/current': { kind: 'symlink', target: 'v2', uid: 1000 },
    '/home/alice/site/v2/index.html': 'v2',
    '/srv/shared': { kind: 'dir', mode: 0o775 },
    '/srv/shared/current': { symlink: 'v2' },
    '/srv/shared/v2/index.html': 'v2',
    '/srv/bob': { kind: 'dir', uid: 1001 },
    '/srv/bob/current': { symlink: 'v2' },
    '/srv/bob/v2/index.html': 'v2',
  });
  t.throws(() => boundFrom(h, [ro('/home/alice/site/current')]), { code: 'PATH_UNSAFE', message: /belongs to uid 1000/ });
  t.throws(() => boundFrom(h, [ro('/srv/shared/current')]), { code: 'PATH_UNSAFE', message: /\/srv\/shared is writable by its group/ });
  t.throws(() => boundFrom(h, [ro('/srv/bob/current')]), { code: 'PATH_UNSAFE', message: /\/srv\/bob belongs to uid 1001/ });
  const sticky = host({ '/tmp/evil': { kind: 'symlink', target: 'resolv.conf.d/resolv.conf.auto', uid: 1000 } });
  t.throws(() => boundFrom(sticky, [ro('/tmp/evil')]), { code: 'PATH_UNSAFE', message: /belongs to uid 1000/ }, 'sticky /tmp: only root\'s own links');
});

t.test('in the system tree, a link inside a directory this jail binds read-write is not trusted', async (t) => {
  const h = host({ '/etc/app/conf': { symlink: '/etc/shadow' } });
  t.same(boundFrom(h, [ro('/etc/app/conf')]), ['/etc/shadow'], 'root\'s link in /etc: the system tree');
  t.throws(() => boundFrom(h, [rw('/etc/app'), ro('/etc/app/conf')]), { code: 'PATH_UNSAFE', message: /lies inside a directory this jail binds read-write/ });
});
