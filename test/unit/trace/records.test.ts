import t from 'tap';
import { aggregateTrace, TraceAggregator } from '../../../src/trace/aggregate.js';
import { dirfdNumber, flagsNumber } from '../../../src/trace/file-access.js';
import { NO_DIRFD, TraceRecordDecoder, type TraceRecord, type TraceRecordSink } from '../../../src/trace/records.js';
import { ARCHES } from '../../../src/profile/arch.js';
import { count, encodeRecord, encodeRecords, exit, O, path, socket, spawn, unixAddress } from '../../helpers/trace-records.js';

const AT_FDCWD = -100;

/** one of each type, with values at the edges of what the header holds */
const SAMPLE: TraceRecord[] = [
  count('read', 7),
  path('openat', '/etc/hosts', { pid: 12, ret: 3, flags: O.RDONLY | O.CLOEXEC }),
  path('stat', 'relative/ü', { ret: -2, dirfd: -1 }),
  { type: 'path', pid: 4000000000, auditArch: ARCHES.i386.auditArch, nr: 5, ret: -(2n ** 40n), dirfd: 0xffffff9cn, flags: 0x1_0000_0041n, path: '' },
  socket(2),
  { type: 'value', pid: 3, auditArch: ARCHES.x86_64.auditArch, nr: 105, ret: 0n, value: 0xffff_ffffn, flags: 7n },
  unixAddress('connect', '/run/x.sock'),
  spawn(5, 1),
  spawn(6, 5, true),
  { type: 'progress', syscalls: 2 ** 40, distinct: 12 },
  { type: 'counter', count: 99 },
  { type: 'counter', count: 5, recorded: 4 },
  { type: 'lost', count: 3 },
  exit({ signal: 9 }),
];

/** Every way to cut `bytes` in two, plus byte by byte. */
function splits(bytes: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  for (let at = 0; at <= bytes.length; at += 7) out.push([bytes.subarray(0, at), bytes.subarray(at)]);
  out.push([...bytes].map((b) => Uint8Array.of(b)));
  return out;
}

t.test('push(): each record as the tracer wrote it, however the stream is cut', async (t) => {
  for (const le of [true, false]) {
    const bytes = encodeRecords(SAMPLE, le);
    for (const chunks of splits(bytes)) {
      const decoder = new TraceRecordDecoder(le);
      const got = chunks.flatMap((c) => decoder.push(c));
      t.strictSame(got, SAMPLE);
      t.equal(decoder.pending, 0);
    }
  }
});

/** A sink that writes down every call, path records as TraceRecordSink gives them. */
function recording(): { sink: TraceRecordSink; calls: unknown[] } {
  const calls: unknown[] = [];
  return {
    calls,
    sink: {
      count: (auditArch, nr, n) => calls.push(['count', auditArch, nr, n]),
      path: (pid, auditArch, nr, ret, dirfd, flags, file) => calls.push(['path', pid, auditArch, nr, ret, dirfd, flags, file]),
      record: (record) => calls.push(record),
    },
  };
}

t.test('feed(): path and count records as numbers that mean what the BigInt fields mean', async (t) => {
  for (const le of [true, false]) {
    const { sink, calls } = recording();
    const decoder = new TraceRecordDecoder(le);
    for (const chunk of splits(encodeRecords(SAMPLE, le))[5]!) decoder.feed(chunk, sink);
    const expected = SAMPLE.map((r) => {
      if (r.type === 'count') return ['count', r.auditArch, r.nr, r.count];
      if (r.type === 'path') return ['path', r.pid, r.auditArch, r.nr, Number(r.ret), dirfdNumber(r.dirfd), flagsNumber(r.flags), r.path];
      return r;
    });
    t.strictSame(calls, expected);
  }
});

t.test('feed(): the dirfd and flags arguments as the kernel reads them', async (t) => {
  const cases: [bigint, bigint, number, number][] = [
    // dirfd, flags -> dirfd, flags
    [BigInt(AT_FDCWD), -1n, AT_FDCWD, -1],
    [0xffffff9cn, 0o100n, AT_FDCWD, 0o100], // a zero-extended AT_FDCWD is AT_FDCWD
    [-1n, 0x8000_0000n, NO_DIRFD, 0x8000_0000], // no dirfd argument
    [0xffff_ffffn, -2n, -1, -1], // an int -1 in a 64-bit register is a bad descriptor, not "none"
    [0x7_0000_0005n, 0xdead_0000_0241n, 5, 0x241], // upper halves the kernel ignores
  ];
  for (const [dirfd, flags, wantDirfd, wantFlags] of cases) {
    const { sink, calls } = recording();
    new TraceRecordDecoder(true).feed(encodeRecord({ type: 'path', pid: 1, auditArch: 1, nr: 2, ret: 0n, dirfd, flags, path: 'x' }), sink);
    t.same(calls, [['path', 1, 1, 2, 0, wantDirfd, wantFlags, 'x']], `dirfd ${dirfd}, flags ${flags}`);
    t.equal(dirfdNumber(dirfd), wantDirfd);
    t.equal(flagsNumber(flags), wantFlags);
  }
  const { sink, calls } = recording();
  new TraceRecordDecoder(true).feed(encodeRecord({ type: 'path', pid: 1, auditArch: 1, nr: 2, ret: 2n ** 60n + 1n, dirfd: -1n, flags: -1n, path: 'x' }), sink);
  t.equal((calls[0] as number[])[4], Number(2n ** 60n + 1n), 'a return value past 2^53 rounds as Number(bigint) does');
});

t.test('records of a type a newer tracer sends are skipped whole; a cut record waits', async (t) => {
  const bytes = encodeRecords([count('read', 1)]);
  const unknown = encodeRecord({ type: 42, data: new TextEncoder().encode('future') });
  const stream = new Uint8Array([...unknown, ...bytes, ...unknown]);
  t.same(new TraceRecordDecoder(true).push(stream), [count('read', 1)]);
  const { sink, calls } = recording();
  const decoder = new TraceRecordDecoder(true);
  decoder.feed(stream.subarray(0, stream.length - 3), sink);
  t.equal(calls.length, 1);
  t.equal(decoder.pending, unknown.length - 3, 'the unfinished record is kept');
  decoder.feed(stream.subarray(stream.length - 3), sink);
  t.equal(decoder.pending, 0);
});

t.test('TraceAggregator: records fed from the stream fold as the same records pushed as objects', async (t) => {
  const records: TraceRecord[] = [
    ...SAMPLE,
    path('chdir', '/srv'),
    path('openat', 'data', { ret: 4, flags: O.RDONLY | O.DIRECTORY }),
    path('openat', 'in.txt', { ret: 5, dirfd: 4 }),
    path('openat', '/tmp/new', { ret: -2, flags: O.WRONLY | O.CREAT }),
    path('openat', '/tmp/new', { ret: 6, flags: O.WRONLY | O.CREAT }),
    path('unlink', '/tmp/new'),
    path('mkdir', 'made', { ret: -17, flags: 0o755 }),
    unixAddress('bind', 'sock'),
    count('openat', 6),
    exit({ code: 1 }),
  ];
  const fed = new TraceAggregator('x86_64', { cwd: '/home' });
  const decoder = new TraceRecordDecoder(true);
  for (const chunk of splits(encodeRecords(records))[3]!) decoder.feed(chunk, fed);
  t.same(fed.result(), aggregateTrace(records, 'x86_64', { cwd: '/home' }));
  t.same(fed.exitStatus(), { status: 256, code: 1 });
  t.ok(fed.counted());
  t.notOk(new TraceAggregator('x86_64').counted(), 'nothing counted yet');
});
