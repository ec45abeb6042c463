import t from 'tap';
import { aggregateTrace } from '../../../src/trace/aggregate.js';
import { buildMountsFromTrace, mergeMountSpecs } from '../../../src/trace/mounts-from-trace.js';
import type { TraceRecord } from '../../../src/trace/records.js';
import { buildElf } from '../../helpers/elf-builder.js';
import { FakeHost, type FakeTree } from '../../helpers/fake-host.js';
import { O, path, unixAddress } from '../../helpers/trace-records.js';

const ENOENT = -2;
const LD = '/lib64/ld-linux-x86-64.so.2';
const exe = (needed: string[]) => ({ kind: 'file' as const, data: buildElf({ interpreter: LD, type: 3, needed }), mode: 0o755 });
const lib = (soname: string, needed: string[] = []) => ({ kind: 'file' as const, data: buildElf({ soname, needed }), mode: 0o755 });

// a small Debian-like host: a program linked with libc, a plugin it dlopen()s, data, /tmp
const base: FakeTree = {
  [LD]: { symlink: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
  '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2': lib('ld-linux-x86-64.so.2'),
  '/lib': { symlink: 'usr/lib' },
  '/etc/ld.so.cache': 'cache',
  '/etc/ld.so.conf': '/usr/lib/x86_64-linux-gnu\n',
  '/usr/lib/x86_64-linux-gnu/libc.so.6': lib('libc.so.6'),
  '/usr/lib/x86_64-linux-gnu/libz.so.1': lib('libz.so.1', ['libc.so.6']),
  '/usr/lib/x86_64-linux-gnu/libplugin.so': lib('libplugin.so', ['libc.so.6', 'libz.so.1']),
  '/usr/bin/app': exe(['libc.so.6']),
  '/usr/bin/helper': exe(['libc.so.6', 'libz.so.1']),
  '/etc/app.conf': 'x',
  '/etc/hosts': 'x',
  '/etc/passwd': 'x', '/etc/group': 'x', '/etc/shadow': 'x', '/etc/motd': 'x', '/etc/issue': 'x',
  '/opt/app/share/a': 'x', '/opt/app/share/b': 'x', '/opt/app/share/c': 'x', '/opt/app/share/d': 'x', '/opt/app/share/e': 'x',
  '/opt/app/data/1': 'x', '/opt/app/data/2': 'x', '/opt/app/data/3': 'x', '/opt/app/data/4': 'x', '/opt/app/data/5': 'x', '/opt/app/data/6': 'x', '/opt/app/data/7': 'x',
  '/var/log/app.log': 'x',
  '/var/lib/app/state': 'x',
  '/var/cache': { dir: true },
  '/tmp/shared-input': 'x',
  '/run/dbus/system_bus_socket': { kind: 'socket' },
  '/srv/site/index.html': 'x',
  '/home/user/.profile': 'x',
};
const host = new FakeHost(base);
const mounts = (records: TraceRecord[], options: { cwd?: string } = {}) => {
  const result = aggregateTrace(records, 'x86_64', options.cwd === undefined ? {} : { cwd: options.cwd });
  return buildMountsFromTrace(result, host, { command: '/usr/bin/app', ...options });
};
const read = (file: string, ret = 3) => path('openat', file, { ret, flags: O.RDONLY });

t.test('files read become read-only binds, written ones read-write; failed probes are left out', async (t) => {
  const { spec, notes } = mounts([
    read('/etc/app.conf'),
    path('openat', '/var/log/app.log', { ret: 4, flags: O.WRONLY | O.APPEND }),
    path('access', '/etc/app.d/override.conf', { ret: ENOENT }),
    read('/etc/shadow', -13),
    path('newfstatat', '/etc/hosts'),
  ]);
  t.same(spec, { ro: ['/etc/app.conf', '/etc/hosts'], rw: ['/var/log/app.log'] });
  t.same(notes, []);
});

t.test('what the tree created or removed needs its directory writable', async (t) => {
  const { spec } = mounts([
    path('openat', '/var/lib/app/state.new', { ret: 3, flags: O.WRONLY | O.CREAT | O.EXCL }),
    path('rename', '/var/lib/app/state'),
    path('mkdir', '/var/cache/app', { flags: 0o755 }),
    path('mkdir', '/var/cache/app/sub', { flags: 0o755 }),
    path('unlink', '/var/log/app.log.1'),
  ]);
  t.same(spec, { rw: ['/var/cache', '/var/lib/app', '/var/log'] }, 'a directory made by the trace is made again: its nearest host directory is writable');
});

t.test('O_CREAT on a file the host has is a write to it; on one that is gone, to its directory', async (t) => {
  const { spec } = mounts([
    path('openat', '/var/log/app.log', { ret: 3, flags: O.WRONLY | O.CREAT | O.APPEND }),
    path('openat', '/var/lib/app/app.pid', { ret: 3, flags: O.WRONLY | O.CREAT | O.TRUNC }),
  ]);
  t.same(spec, { rw: ['/var/lib/app', '/var/log/app.log'] });
});

t.test('/tmp: a tmpfs when everything there is the tree\'s own, binds when it reads the host\'s', async (t) => {
  t.same(mounts([path('openat', '/tmp/app.XXXX', { ret: 3, flags: O.RDWR | O.CREAT | O.EXCL }), path('unlink', '/tmp/app.XXXX')]).spec, { tmpfs: ['/tmp'] });
  t.same(mounts([path('openat', '/tmp/out', { ret: 3, flags: O.RDWR | O.CREAT | O.EXCL }), read('/tmp/shared-input')]).spec, { rw: ['/tmp'] }, 'the writable /tmp shows the input too');
});

t.test('/proc, /sys and /dev are the jail\'s own; devices outside its minimal /dev are named', async (t) => {
  const { spec, notes } = mounts([
    read('/proc/self/status'), path('readlink', '/proc/self/exe', { ret: 12 }), read('/sys/devices/system/cpu/online'),
    read('/dev/urandom'), path('openat', '/dev/null', { ret: 3, flags: O.WRONLY }), read('/dev/sda'),
  ]);
  t.same(spec, { proc: true, sys: true, dev: true });
  t.same(notes, ["/dev/sda: not in the jail's minimal /dev; the program will not find it there"]);
});

t.test('libraries `jailctl run` adds by itself are left out; dlopen()ed ones stay', async (t) => {
  const { spec } = mounts([
    read('/etc/ld.so.cache'),
    read('/lib/x86_64-linux-gnu/libc.so.6'),
    read('/usr/lib/x86_64-linux-gnu/libplugin.so'),
    read('/usr/lib/x86_64-linux-gnu/libz.so.1'),
  ]);
  t.same(spec, { ro: ['/usr/lib/x86_64-linux-gnu/libplugin.so'] },
    'libc through /lib (a symlink) is the command\'s; the plugin is an executable bind, so run scans it and adds libz itself');
});

t.test('programs the tree started stay file binds, so `jailctl run` scans them for their libraries', async (t) => {
  const { spec } = mounts([
    path('execve', '/usr/bin/helper'),
    read('/usr/lib/x86_64-linux-gnu/libz.so.1'),
  ]);
  t.same(spec, { ro: ['/usr/bin/helper'] }, 'libz is the helper\'s');
});

t.test('a directory with most of its files read is bound whole; /etc never', async (t) => {
  const { spec } = mounts([
    ...['a', 'b', 'c'].map((f) => read(`/opt/app/share/${f}`)),
    ...['1', '2', '3'].map((f) => read(`/opt/app/data/${f}`)),
    ...['passwd', 'group', 'motd', 'issue', 'hosts'].map((f) => read(`/etc/${f}`)),
  ]);
  t.same(spec.ro, ['/etc/group', '/etc/hosts', '/etc/issue', '/etc/motd', '/etc/passwd', '/opt/app/data/1', '/opt/app/data/2', '/opt/app/data/3', '/opt/app/share'],
    '3 of 5 files: the directory; 3 of 7: the files; /etc is too near the root');
});

t.test('directories bound whole count as files of their own directory, level by level', async (t) => {
  const tree: FakeTree = { ...base };
  for (const d of ['x', 'y', 'z']) for (const f of ['a', 'b', 'c']) tree[`/srv/tree/${d}/${f}`] = 'x';
  tree['/srv/tree/x/tool'] = exe(['libc.so.6']);
  tree['/srv/tree/w/out'] = 'x';
  const nested = new FakeHost(tree);
  const traced = (records: TraceRecord[]) => buildMountsFromTrace(aggregateTrace(records, 'x86_64'), nested, { command: '/usr/bin/app' }).spec;
  const reads = ['x', 'y', 'z'].flatMap((d) => ['a', 'b', 'c'].map((f) => read(`/srv/tree/${d}/${f}`)));
  t.same(traced(reads), { ro: ['/srv/tree'] }, 'x, y and z whole, then 3 of the 4 entries of /srv/tree');
  t.same(traced([...reads, path('execve', '/srv/tree/x/tool')]), { ro: ['/srv/tree', '/srv/tree/x/tool'] }, 'a program inside stays a bind of its own');
  t.same(traced([...reads, path('openat', '/srv/tree/w/out', { ret: 3, flags: O.WRONLY })]), { ro: ['/srv/tree'], rw: ['/srv/tree/w/out'] }, 'a written file inside stays read-write');
  t.same(traced([...reads.slice(0, 6), read('/srv/tree/z/a')]), { ro: ['/srv/tree/x', '/srv/tree/y', '/srv/tree/z/a'] }, '2 of 4 directories: not the parent');
});

t.test('a listed directory is bound whole; one only looked up is not', async (t) => {
  const { spec } = mounts([
    path('openat', '/srv/site', { ret: 3, flags: O.RDONLY | O.DIRECTORY }),
    read('/srv/site/index.html'),
    path('newfstatat', '/home/user'),
    path('newfstatat', '/'),
  ]);
  t.same(spec, { ro: ['/srv/site'] });
});

t.test('an entered directory exists: bound when nothing below it is', async (t) => {
  t.same(mounts([path('chdir', '/home/user')]).spec, { ro: ['/home/user'] });
  t.same(mounts([path('chdir', '/home/user'), read('/home/user/.profile')]).spec, { ro: ['/home/user/.profile'] });
});

t.test('the working directory is kept when the binds make it exist', async (t) => {
  t.same(mounts([read('app.conf')], { cwd: '/etc' }).spec, { cwd: '/etc', ro: ['/etc/app.conf'] });
  t.same(mounts([read('/etc/hosts')], { cwd: '/srv' }).spec, { ro: ['/etc/hosts'] });
});

t.test('unix sockets: connected ones are bound, a bound one needs its directory', async (t) => {
  const { spec } = mounts([unixAddress('connect', '/run/dbus/system_bus_socket'), unixAddress('bind', '/var/lib/app/ctl.sock'), unixAddress('connect', '@abstract')]);
  t.same(spec, { ro: ['/run/dbus/system_bus_socket'], rw: ['/var/lib/app'] });
});

t.test('paths relative to an unknown directory are named, not guessed', async (t) => {
  const { spec, notes } = mounts([path('openat', 'x.conf', { ret: 3, dirfd: 7 })]);
  t.same(spec, {});
  t.same(notes, ['x.conf: relative to a directory the trace could not follow; left out']);
});

t.test('mergeMountSpecs(): binds of both, read-write wins', async (t) => {
  t.same(mergeMountSpecs({ ro: ['/a', '/b'], proc: true }, { ro: ['/c'], rw: ['/b'], tmpfs: ['/tmp'], dev: true }), { ro: ['/a', '/c'], rw: ['/b'], tmpfs: ['/tmp'], proc: true, dev: true });
});

t.test('a trace inside a jail: the jail\'s own mounts, and the host only for what they did not serve', async (t) => {
  const result = aggregateTrace([
    read('/etc/app.conf'), // the jail's bind of another file: not the host's /etc/app.conf
    path('openat', '/data/new', { ret: 3, flags: O.WRONLY | O.CREAT | O.EXCL }),
    path('openat', '/scratch/x', { ret: 4, flags: O.WRONLY | O.CREAT | O.EXCL }),
    read('/etc/hosts'),
    read('/etc/passwd'),
    read('/proc/self/status'),
  ], 'x86_64', { cwd: '/data' });
  const jail = {
    binds: [
      { source: '/home/user/app.conf', dest: '/etc/app.conf', writable: false },
      { source: '/var/lib/app', dest: '/data', writable: true },
      { source: '/etc/hosts', writable: false },
    ],
    tmpfs: ['/scratch'], proc: true, sys: false, dev: false, cwd: '/data',
  };
  const { spec, notes } = buildMountsFromTrace(result, host, { command: '/usr/bin/app', cwd: '/data', jail });
  t.same(spec, {
    cwd: '/data',
    ro: ['/etc/hosts', '/etc/passwd', '/home/user/app.conf:/etc/app.conf'],
    rw: ['/var/lib/app:/data'],
    tmpfs: ['/scratch'],
    proc: true,
  });
  t.same(notes, []);
});
