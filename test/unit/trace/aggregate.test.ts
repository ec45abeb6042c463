import t from 'tap';
import { aggregateTrace, decodeWaitStatus, resolveTracedAbi, TraceAggregator } from '../../../src/trace/aggregate.js';
import { classifyPathCall } from '../../../src/trace/file-access.js';
import { decodeSockaddr } from '../../../src/trace/sockets.js';
import { ARCHES, X32_SYSCALL_BIT } from '../../../src/profile/arch.js';
import { count, exit, inetAddress, O, path, socket, spawn, unixAddress } from '../../helpers/trace-records.js';

const ENOENT = -2;
const EACCES = -13;
const fileOf = (records: Parameters<typeof aggregateTrace>[0], file: string, cwd?: string) =>
  aggregateTrace(records, 'x86_64', cwd === undefined ? {} : { cwd }).files.find((f) => f.path === file);

t.test('aggregateTrace() counts', async (t) => {
  t.test('calls per ABI and name, most frequent first; parts of one total are added', async (t) => {
    const r = aggregateTrace([count('read', 5), count('write', 9), count('read', 7), count('socketcall', 2, 'i386'), count('getcpu', 1, 'x32')], 'x86_64');
    t.same(r.counts, { x86_64: { read: 12, write: 9 }, i386: { socketcall: 2 }, x32: { getcpu: 1 } });
    t.same(Object.keys(r.counts.x86_64!), ['read', 'write']);
    t.same(r.unknown, {});
  });

  t.test('numbers no table names are kept apart, with their ABI', async (t) => {
    const r = aggregateTrace([{ type: 'count', auditArch: ARCHES.x86_64.auditArch, nr: 4000, count: 3 }, { type: 'count', auditArch: 0x1234, nr: 1, count: 1 }], 'x86_64');
    t.same(r.unknown, { 'x86_64 #4000': 3, 'audit arch 0x1234 #1': 1 });
    t.same(r.counts, {});
  });

  t.test('x32 shares the x86_64 audit arch and is told apart by its syscall bit', async (t) => {
    t.equal(resolveTracedAbi('x86_64', ARCHES.x86_64.auditArch, 0), 'x86_64');
    t.equal(resolveTracedAbi('x86_64', ARCHES.x86_64.auditArch, X32_SYSCALL_BIT | 1), 'x32');
    t.equal(resolveTracedAbi('x86_64', ARCHES.i386.auditArch, 1), 'i386');
    t.equal(resolveTracedAbi('aarch64', ARCHES.arm.auditArch, 1), 'arm');
    t.equal(resolveTracedAbi('aarch64', ARCHES.i386.auditArch, 1), undefined, 'not an ABI of that kernel');
  });

  t.test('processes: the program and every spawn; the live view until the totals come', async (t) => {
    const agg = new TraceAggregator('x86_64');
    agg.push(spawn(2, 1));
    agg.push(spawn(3, 2, true));
    agg.push(path('openat', '/etc/hosts', { ret: 3, flags: O.RDONLY }));
    t.same(agg.progress(), { processes: 3, syscalls: 0, distinct: 0 }, 'nothing counted before the tracer says');
    agg.push({ type: 'progress', syscalls: 25, distinct: 7 });
    t.same(agg.progress(), { processes: 3, syscalls: 25, distinct: 7 }, "the tracer's live totals: every call, not only the recorded ones");
    agg.push(count('openat', 4));
    agg.push(count('read', 6));
    t.same(agg.progress(), { processes: 3, syscalls: 10, distinct: 2 }, 'then the final counts');
    t.equal(agg.result().processes, 3);
    t.equal(agg.result().threads, 1, 'a task reported by PTRACE_EVENT_CLONE is a thread');
    t.equal(agg.result().kernelCounted, undefined, 'no in-kernel counter said anything');
    agg.push({ type: 'counter', count: 9 });
    t.equal(agg.result().kernelCounted, 9);
    t.equal(agg.result().kernelRecorded, undefined, 'a counter without its recorder says nothing of recorded calls');
    t.equal(agg.result().lostRecords, undefined, 'nothing lost unless the tracer says so');
    agg.push({ type: 'counter', count: 1, recorded: 4 });
    agg.push({ type: 'lost', count: 2 });
    t.equal(agg.result().kernelCounted, 10, 'counter records add up');
    t.equal(agg.result().kernelRecorded, 4, 'calls the recorder recorded');
    t.equal(agg.result().lostRecords, 2, 'calls whose arguments the ring could not take');
  });

  t.test('exit status: code or signal', async (t) => {
    t.same(aggregateTrace([exit({ code: 3 })], 'x86_64').exit, { status: 768, code: 3 });
    t.same(aggregateTrace([exit({ signal: 9 })], 'x86_64').exit, { status: 9, signal: 9 });
    t.same(decodeWaitStatus(0x80 | 11), { status: 0x8b, signal: 11 }, 'core dump bit');
    t.equal(aggregateTrace([], 'x86_64').exit, undefined);
  });

  t.test('a failed first execve means the program never ran', async (t) => {
    const failed = new TraceAggregator('x86_64');
    failed.push(path('execve', '/no/such', { ret: ENOENT }));
    t.ok(failed.execFailed());
    const ran = new TraceAggregator('x86_64');
    ran.push(path('execve', '/bin/true', { ret: 0 }));
    ran.push(path('execve', '/no/such', { ret: ENOENT }));
    t.notOk(ran.execFailed());
  });
});

t.test('aggregateTrace() files', async (t) => {
  t.test('read and write intent from open flags', async (t) => {
    const records = [
      path('openat', '/etc/hosts', { ret: 3, flags: O.RDONLY | O.CLOEXEC }),
      path('openat', '/var/log/app.log', { ret: 4, flags: O.WRONLY | O.APPEND }),
      path('openat', '/var/lib/app/db', { ret: 5, flags: O.RDWR }),
      path('openat', '/var/run/app.pid', { ret: 6, flags: O.WRONLY | O.CREAT | O.TRUNC }),
      path('open', '/tmp/lock', { ret: 7, flags: O.WRONLY | O.CREAT | O.EXCL }),
    ];
    const r = aggregateTrace(records, 'x86_64');
    const f = (p: string) => r.files.find((x) => x.path === p)!;
    t.match(f('/etc/hosts'), { access: 'read', uses: ['read'], created: false, mayCreate: false, ok: 1 });
    t.match(f('/var/log/app.log'), { access: 'write', uses: ['write'], created: false, mayCreate: false });
    t.match(f('/var/lib/app/db'), { access: 'write' });
    t.match(f('/var/run/app.pid'), { access: 'write', created: false, mayCreate: true }, 'O_CREAT alone: created unless it existed');
    t.match(f('/tmp/lock'), { access: 'write', created: true, mayCreate: false }, 'O_EXCL: new');
  });

  t.test('outcomes: errno names, and O_CREAT after ENOENT is a creation', async (t) => {
    const file = fileOf([
      path('newfstatat', '/run/app/sock', { ret: ENOENT }),
      path('openat', '/run/app/sock', { ret: 3, flags: O.WRONLY | O.CREAT }),
      path('openat', '/etc/shadow', { ret: EACCES, flags: O.RDONLY }),
    ], '/run/app/sock');
    t.match(file, { ok: 1, errors: { ENOENT: 1 }, created: true, mayCreate: false, syscalls: ['newfstatat', 'openat'] });
    t.match(fileOf([path('openat', '/etc/shadow', { ret: EACCES, flags: O.RDONLY })], '/etc/shadow'), { ok: 0, errors: { EACCES: 1 }, uses: [], access: 'read' });
    t.match(fileOf([path('openat', '/etc/motd', { ret: EACCES, flags: O.WRONLY })], '/etc/motd'), { access: 'write' }, 'a failed attempt still says what was wanted');
  });

  t.test('mkdir, unlink, rename targets and the rest', async (t) => {
    const r = aggregateTrace([
      path('mkdir', '/var/cache/app', { flags: 0o755 }),
      path('unlinkat', '/var/cache/app/old', { flags: 0 }),
      path('unlinkat', '/var/cache/app/dir', { flags: 0x200 }),
      path('rename', '/var/cache/app/new'),
      path('symlinkat', '/var/cache/app/link', { dirfd: -100 }),
      path('chmod', '/var/cache/app/x', { flags: 0o600 }),
      path('execve', '/usr/bin/env'),
      path('access', '/etc/ld.so.preload', { ret: ENOENT, flags: 4 }),
      path('readlink', '/proc/self/exe', { ret: 15 }),
    ], 'x86_64');
    const f = (p: string) => r.files.find((x) => x.path === p)!;
    t.match(f('/var/cache/app'), { created: true, directory: true, access: 'write', uses: ['create'] });
    t.match(f('/var/cache/app/old'), { removed: true, directory: false, access: 'write' });
    t.match(f('/var/cache/app/dir'), { removed: true, directory: true }, 'AT_REMOVEDIR');
    t.match(f('/var/cache/app/new'), { created: true }, 'rename reports its new name');
    t.match(f('/var/cache/app/link'), { created: true });
    t.match(f('/var/cache/app/x'), { access: 'write', uses: ['write'], created: false });
    t.match(f('/usr/bin/env'), { uses: ['exec'], access: 'read' });
    t.match(f('/etc/ld.so.preload'), { ok: 0, errors: { ENOENT: 1 } });
    t.match(f('/proc/self/exe'), { uses: ['lookup'] });
  });

  t.test('a file made and removed again is not there afterwards', async (t) => {
    const file = fileOf([
      path('openat', '/tmp/x.tmp', { ret: 3, flags: O.WRONLY | O.CREAT | O.EXCL }),
      path('unlink', '/tmp/x.tmp'),
    ], '/tmp/x.tmp');
    t.match(file, { created: true, removed: true });
  });

  t.test('relative paths: the working directory, chdir, and what children inherit', async (t) => {
    const r = aggregateTrace([
      path('openat', 'conf/app.conf', { ret: 3 }),
      path('chdir', '/srv/data'),
      path('openat', './in.txt', { ret: 3 }),
      spawn(2, 1),
      path('openat', '../other/x', { pid: 2, ret: 3 }),
      path('stat', 'plain', { pid: 2, dirfd: -1 }),
    ], 'x86_64', { cwd: '/home/app' });
    t.same(r.files.map((f) => f.path), ['/home/app/conf/app.conf', '/srv/data', '/srv/data/in.txt', '/srv/data/plain', '/srv/other/x']);
    t.ok(r.files.every((f) => f.absolute));
  });

  t.test('a directory opened with O_DIRECTORY resolves openat() relative to it', async (t) => {
    const r = aggregateTrace([
      path('openat', '/usr/share/zoneinfo', { ret: 5, flags: O.RDONLY | O.DIRECTORY }),
      path('openat', 'Europe/Paris', { dirfd: 5, ret: 6 }),
      path('openat', 'x', { dirfd: 9, ret: 7 }),
      path('openat', '/etc/hosts', { ret: 5 }),
      path('openat', 'again', { dirfd: 5, ret: 8 }),
    ], 'x86_64', { cwd: '/' });
    const paths = r.files.map((f) => [f.path, f.absolute]);
    t.same(paths, [['/etc/hosts', true], ['/usr/share/zoneinfo', true], ['/usr/share/zoneinfo/Europe/Paris', true], ['again', false], ['x', false]],
      'an unknown descriptor (or one reused for a file) leaves the path as given');
    t.match(r.files.find((f) => f.path === '/usr/share/zoneinfo'), { directory: true });
  });

  t.test('without a known working directory a relative path stays as given', async (t) => {
    t.match(fileOf([path('openat', 'x', { ret: 3 })], 'x'), { absolute: false });
  });

  t.test('fstat through newfstatat(fd, "", AT_EMPTY_PATH) is not a path', async (t) => {
    t.same(aggregateTrace([path('newfstatat', '', { dirfd: 3, flags: 0x1000 })], 'x86_64').files, []);
  });
});

t.test('classifyPathCall() reads the open flags of the ABI that made the call', async (t) => {
  t.match(classifyPathCall('aarch64', 'openat', BigInt(0o40000)), { directory: true, uses: ['read'] }, 'arm O_DIRECTORY');
  t.match(classifyPathCall('x86_64', 'openat', BigInt(0o40000)), { directory: false }, 'on x86 that bit is O_DIRECT');
  t.match(classifyPathCall('mips', 'open', BigInt(0x100 | 0x400 | 1)), { exclusive: true, uses: ['write'] }, 'mips O_CREAT|O_EXCL');
  t.match(classifyPathCall('mips', 'open', BigInt(0x8 | 1)), { mayCreate: false, uses: ['write'] }, 'mips O_APPEND');
  t.match(classifyPathCall('x86_64', 'openat2', -1n), { uses: ['read'] }, 'openat2 flags are not captured');
  t.equal(classifyPathCall('x86_64', 'read', 0n), undefined);
});

t.test('aggregateTrace() sockets', async (t) => {
  const r = aggregateTrace([
    socket(1), socket(2), socket(2), socket(10, -97), socket(16),
    unixAddress('connect', '/run/dbus/system_bus_socket'),
    unixAddress('connect', '/run/nscd/socket', -2),
    unixAddress('bind', '@/tmp/.X11-unix/X0'),
    inetAddress('connect', [127, 0, 0, 53], 53),
  ], 'x86_64');
  const family = (name: string) => r.sockets.find((s) => s.family === name);
  t.match(family('AF_INET'), { calls: { socket: 2, connect: 1 }, ok: 3, addresses: [{ address: '127.0.0.53:53', syscall: 'connect', ok: 1 }] });
  t.match(family('AF_INET6'), { ok: 0, errors: { EAFNOSUPPORT: 1 } });
  t.match(family('AF_NETLINK'), { calls: { socket: 1 } });
  t.match(family('AF_UNIX'), {
    calls: { socket: 1, connect: 2, bind: 1 },
    paths: [
      { path: '/run/dbus/system_bus_socket', syscall: 'connect', ok: 1 },
      { path: '/run/nscd/socket', syscall: 'connect', ok: 0, errors: { ENOENT: 1 } },
      { path: '@/tmp/.X11-unix/X0', syscall: 'bind', ok: 1 },
    ],
  });
});

t.test('a unix socket bound to a path creates its file', async (t) => {
  t.match(fileOf([unixAddress('bind', '/run/app/ctl.sock')], '/run/app/ctl.sock'), { created: true, syscalls: ['bind'] });
});

t.test('decodeSockaddr()', async (t) => {
  const v6 = new Uint8Array(28);
  new DataView(v6.buffer).setUint16(0, 10, true);
  new DataView(v6.buffer).setUint16(2, 443, false);
  v6[23] = 1;
  t.same(decodeSockaddr(v6, true), { family: 'AF_INET6', address: '[0:0:0:0:0:0:0:1]:443' });
  t.same(decodeSockaddr(new Uint8Array([1, 0]), true), { family: 'AF_UNIX' }, 'autobind: no name');
  t.same(decodeSockaddr(new Uint8Array([0x11, 0, 1, 2]), true), { family: 'AF_PACKET' });
  t.same(decodeSockaddr(new Uint8Array([99, 0]), true), { family: 'AF_99' });
  t.equal(decodeSockaddr(new Uint8Array([1]), true), undefined);
});
