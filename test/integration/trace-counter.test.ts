// As root: the in-kernel counter of `jailctl trace` (native/trace-count.c) counts exactly what
// stopping on every call counts, and its recorder records exactly what stopping on calls with
// arguments records. The same programs are traced with both (the default), with the counter
// alone (JAILCTL_TRACE_COUNTER=count) and with neither (=off), and the stats (calls per ABI and
// name, files, sockets) must be equal: forks, exec chains, relative paths after cd, threads, a
// static binary, sockets, and calls through another ABI (i386 from a 64-bit program, which the
// tracer counts and the counter must not count again).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { archFromNode } from '../../src/profile/arch.js';
import { CLI, isRoot, jailctl } from '../helpers/jailctl.js';
import { compileFixture, hasGcc, readJson, type TraceSummary } from '../helpers/trace-cli.js';

interface Stats {
  counts: Record<string, number>;
  countsByArch?: Record<string, Record<string, number>>;
  files: unknown[];
  sockets?: unknown[];
}

const dir = mkdtempSync(join(tmpdir(), 'jailctl-trace-counter-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string): string => join(dir, name);
const listed = file('listed');
mkdirSync(listed);
for (const name of ['a', 'b', 'c']) writeFileSync(join(listed, name), `${name}\n`);

type Mode = 'on' | 'count' | 'off';
type Summary = TraceSummary & { kernelCounted?: number; kernelRecorded?: number; lostRecords?: number };

/** Traces `command` with the counter and recorder (on), the counter alone, or neither (off). */
function traced(name: string, command: string[], counter: Mode): { stats: Stats; summary: Summary } {
  const stats = file(`${name}.${counter}.stats.json`);
  const r = jailctl(['trace', '--json', '--stats', stats, '-o', file(`${name}.${counter}.json`), '--', ...command], { env: { ...process.env, JAILCTL_TRACE_COUNTER: counter } });
  if (r.code !== 0) throw new Error(`trace of ${name} (counter ${counter}) exited ${r.code}: ${r.stderr}`);
  return { stats: readJson<Stats>(stats), summary: JSON.parse(r.stdout.trimEnd().split('\n').at(-1)!) as Summary };
}

/** Calls whose number depends on timing (a thread waiting for another), left out of the comparison. */
const racy = (counts: Record<string, number> = {}): Record<string, number> => Object.fromEntries(Object.entries(counts).filter(([name]) => name !== 'futex'));

const probe = isRoot ? jailctl(['trace', '--json', '-o', join(dir, 'probe.json'), '--', '/bin/true']) : undefined;
const counterWorks = probe !== undefined && probe.code === 0 && /"kernelCounted":\d+/.test(probe.stdout);
// the recorder needs a ring buffer (5.8) and a register layout jailctl knows (x86_64, aarch64)
const recorderWorks = counterWorks && /"kernelRecorded":\d+/.test(probe!.stdout);
if (!isRoot) t.plan(0, 'needs root');
else if (!hasGcc) t.plan(0, 'needs gcc to build the traced programs');
else if (!counterWorks) t.plan(0, 'this kernel refuses the in-kernel counter (BPF raw tracepoints, mmap-able arrays, atomic and): every trace stops on every call');

/** `fresh`: puts back what the program starts from, before each run */
const same = (t: Test, name: string, command: string[], fresh: () => void = () => undefined): void => {
  fresh();
  const off = traced(name, command, 'off');
  t.equal(off.summary.kernelCounted, undefined, 'JAILCTL_TRACE_COUNTER=off: every call stopped');
  for (const mode of ['count', 'on'] as const) {
    fresh();
    const counted = traced(name, command, mode);
    t.ok((counted.summary.kernelCounted ?? 0) > 0, `${mode}: the counter counted calls (${counted.summary.kernelCounted})`);
    if (mode === 'count') t.equal(counted.summary.kernelRecorded, undefined, 'count: calls with arguments stopped');
    else if (recorderWorks) t.ok((counted.summary.kernelRecorded ?? 0) > 0, `on: the recorder recorded calls (${counted.summary.kernelRecorded})`);
    t.equal(counted.summary.lostRecords, undefined, `${mode}: nothing lost`);
    t.same(racy(counted.stats.counts), racy(off.stats.counts), `${mode}: the same calls of the host ABI`);
    t.same(Object.fromEntries(Object.entries(counted.stats.countsByArch ?? {}).map(([abi, c]) => [abi, racy(c)])), Object.fromEntries(Object.entries(off.stats.countsByArch ?? {}).map(([abi, c]) => [abi, racy(c)])), `${mode}: the same calls of other ABIs`);
    t.same(counted.stats.files, off.stats.files, `${mode}: the same files`);
    t.same(counted.stats.sockets, off.stats.sockets, `${mode}: the same sockets`);
    t.equal(counted.summary.processes, off.summary.processes, `${mode}: the same processes`);
  }
};

t.test('forks, an exec chain and files: the same counts and files with the counter as without', async (t) => {
  same(t, 'forks', ['/bin/sh', '-c', `for i in 1 2 3 4 5; do /bin/true; done; cd ${listed} && ls -l >/dev/null; cat a b >/dev/null; exec /usr/bin/env /bin/echo chained`]);
});

t.test('a recorded call interrupted by a signal: the same result (the kernel-internal restart code)', async (t) => {
  const fifo = file('fifo');
  if (spawnSync('mkfifo', [fifo]).status !== 0) throw new Error('mkfifo failed');
  // the shell blocks opening a FIFO nobody writes to, until the alarm it sent itself interrupts it
  const traceWithCounter = (counter: Mode) => traced(`fifo-${counter}`, ['/bin/sh', '-c', `trap "echo caught" ALRM; (sleep 0.3; kill -ALRM $$) & read line < ${fifo}; exit 0`], counter);
  const off = traceWithCounter('off');
  const entry = (stats: Stats) => (stats.files as { path: string }[]).find((f) => f.path === fifo);
  t.ok(entry(off.stats), 'the open of the FIFO is recorded');
  t.same(entry(traceWithCounter('count').stats), entry(off.stats), 'the same outcome with the counter');
  t.same(entry(traceWithCounter('on').stats), entry(off.stats), 'the same outcome with the recorder');
  // (how often the shell's wait4 is interrupted depends on timing: the counts are not compared)
});

t.test('relative paths after cd, through a directory descriptor, and created, moved and removed files', async (t) => {
  const work = file('work');
  const fresh = (): void => {
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work);
  };
  same(t, 'paths', ['/bin/sh', '-c', `cd ${work} && mkdir d && touch d/a b && mv b d/c && ln -s d l && cat l/a && rm d/a && find . >/dev/null && ls -la d >/dev/null; cd / && cat ${work}/missing 2>/dev/null; exit 0`], fresh);
});

t.test('sockets: the same families and addresses', { skip: existsSync('/usr/bin/python3') ? false : 'needs /usr/bin/python3' }, async (t) => {
  const script = "import socket\nfor f, a in ((socket.AF_UNIX, '/run/jailctl-no-such-socket'), (socket.AF_INET, ('127.0.0.1', 9))):\n  s = socket.socket(f)\n  s.connect_ex(a)\n  s.close()\nsocket.socket(socket.AF_UNIX).bind('\\0jailctl-counter-test')\n";
  same(t, 'sockets', ['/usr/bin/python3', '-c', script]);
});

t.test('a syscall-bound program: the same counts', async (t) => {
  same(t, 'dd', ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1', 'count=500']);
});

t.test('threads: the same counts (every thread is counted from its first stop)', async (t) => {
  same(t, 'threads', [compileFixture('threads', file('threads'), ['-pthread'])]);
});

t.test('a static binary: the same counts', async (t) => {
  same(t, 'static', [compileFixture('static-exit', file('static-exit'), ['-static']), '0']);
});

t.test('calls through the i386 ABI: counted once, under i386, by the tracer', { skip: archFromNode() === 'x86_64' ? false : 'needs an x86_64 host' }, async (t) => {
  const program = compileFixture('int80', file('int80'));
  if (spawnSync(program).status !== 0) {
    t.comment('this kernel runs no i386 calls (no IA32 emulation)');
    return;
  }
  same(t, 'int80', [program]);
  const { stats } = traced('int80-counts', [program], 'on');
  t.equal(stats.countsByArch?.['i386']?.['getpid'], 3, 'three i386 getpid');
  t.equal(stats.counts['getpid'], 6, 'six of its own: the i386 ones are not counted again');
});

t.test('a burst of long paths on the tracer\'s own CPU: every call recorded, none lost (the thread waits for the tracer)', { skip: recorderWorks ? false : 'needs the in-kernel recorder' }, async (t) => {
  // 20,000 records of 3 KiB are 60 MB through a ring of at most 1 MiB: without back-pressure a
  // tracer pinned to the same CPU lost more than half of them
  const calls = 20000;
  const program = compileFixture('path-burst', file('path-burst'));
  const stats = file('burst.stats.json');
  const argv = [process.execPath, CLI, 'trace', '--json', '--stats', stats, '-o', file('burst.json'), '--', program, String(calls), '3000'];
  const [command, ...args] = spawnSync('taskset', ['--version']).status === 0 ? ['taskset', '-c', '0', ...argv] : argv;
  const r = spawnSync(command!, args, { encoding: 'utf8', timeout: 120_000 });
  t.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout.trimEnd().split('\n').at(-1)!) as Summary;
  t.equal(summary.lostRecords, undefined, 'nothing lost');
  t.notMatch(r.stderr, /lost the arguments/, 'no warning');
  t.ok((summary.kernelRecorded ?? 0) >= calls, `every call recorded (${summary.kernelRecorded})`);
  const burst = (readJson<Stats>(stats).files as { path: string; errors: Record<string, number> }[]).find((f) => f.path.startsWith('/nonexistent/'));
  t.same(burst?.errors, { ENOENT: calls }, 'each call counted once, with its result');
});
