// As root: `jailctl trace` really tracing a tree: forks, threads, exec chains, a static binary,
// exit statuses and signals, --merge, --json, commands that cannot run and a killed trace.
// Workloads stay tiny: every traced syscall is a ptrace stop (~100 µs here).
// Jails built from a trace (profile, mount list, --jail, --learn) are in trace-jail.test.ts.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { archFromNode } from '../../src/profile/arch.js';
import { CLI, isRoot, jailctl, startJailctl } from '../helpers/jailctl.js';
import { expectOneLineError } from '../helpers/one-line-error.js';
import { allowedNames, compileFixture, hasGcc, listProcesses, processTree, readJson, type ProcEntry, type TraceStatsFile, type TraceSummary } from '../helpers/trace-cli.js';

if (!isRoot) t.plan(0, 'needs root');
else if (!hasGcc) t.plan(0, 'needs gcc to build the traced programs');

/** native/trace.c resumes the PTRACE_EVENT_EXEC stop with PTRACE_CONT, losing the exit stop of a
 * successful execve: the programs a tree executes are never recorded as files. */

const dir = mkdtempSync(join(tmpdir(), 'jailctl-trace-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string): string => join(dir, name);

let threads = '';
let staticExit = '';
t.before(() => {
  threads = compileFixture('threads', file('threads'), ['-pthread']);
  staticExit = compileFixture('static-exit', file('static-exit'), ['-static']);
});

/** `jailctl trace --json ...`: stdout is the summary alone; the program's output is on stderr. */
function traceJson(args: string[]): { code: number | null; stderr: string; summary: TraceSummary } {
  const r = jailctl(['trace', '--json', ...args]);
  let summary: TraceSummary;
  try {
    summary = JSON.parse(r.stdout) as TraceSummary;
  } catch {
    throw new Error(`stdout is not one JSON summary (exit ${r.code}): stdout=${r.stdout} stderr=${r.stderr}`);
  }
  return { code: r.code, stderr: r.stderr, summary };
}

t.test('forks: the calls of every child and grandchild are counted', async (t) => {
  const stats = file('forks.stats.json');
  const profile = file('forks.json');
  const r = traceJson(['-o', profile, '--stats', stats, '--', '/bin/sh', '-c', 'for i in 1 2 3; do /bin/true; done; /bin/sh -c "uname >/dev/null; exit 0"']);
  t.equal(r.code, 0, r.stderr);
  const counts = readJson<TraceStatsFile>(stats).counts;
  t.equal(counts['execve'], 6, 'sh, three true, the inner sh and uname: each execve counted once');
  t.equal(counts['uname'], 1, 'uname(2), made only by a process the inner shell started');
  t.ok(allowedNames(profile).includes('uname'), 'and in the profile');
  t.ok(r.summary.processes >= 5, `every process counted: ${r.summary.processes}`);
});

t.test('threads: a call only the second thread makes is in the profile', async (t) => {
  const profile = file('threads.json');
  const r = traceJson(['-o', profile, '--', threads]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr, 'joined\n', "the program's output, on stderr");
  const names = allowedNames(profile);
  t.ok(names.includes('getpriority'), 'getpriority(2) of the second thread');
  t.ok(names.includes('sched_getaffinity'), 'sched_getaffinity(2) of the second thread');
  t.ok(names.includes('clone3') || names.includes('clone'), 'the clone that started it');
  t.ok(r.summary.processes >= 2, `the thread counted as a task: ${r.summary.processes}`);
});

t.test('an exec by a second thread: the program it runs is recorded and its status returned', async (t) => {
  const stats = file('thread-exec.stats.json');
  const r = traceJson(['-o', file('thread-exec.json'), '--stats', stats, '--', threads, '/bin/sh', '-c', 'echo from-thread; exit 4']);
  t.equal(r.code, 4, r.stderr);
  t.equal(r.stderr, 'from-thread\n');
  const executed = readJson<TraceStatsFile>(stats).files.filter((f) => f.syscalls.includes('execve') && f.ok > 0).map((f) => f.path);
  t.ok(executed.includes('/bin/sh'), `the thread's execve is recorded: ${executed.join(' ')}`);
});

const CHAIN = ['/bin/sh', '-c', 'exec /usr/bin/env /bin/echo chained'];

t.test('exec chain: sh -> exec env -> exec echo runs traced, each execve counted', async (t) => {
  const stats = file('chain.stats.json');
  const r = jailctl(['trace', '-o', file('chain.json'), '--stats', stats, '--', ...CHAIN]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'chained\n');
  t.equal(readJson<TraceStatsFile>(stats).counts['execve'], 3);
});

t.test('exec chain: every program executed is in --stats and in the mount list', async (t) => {
  const stats = file('chain2.stats.json');
  const mounts = file('chain2.jail.json');
  const r = jailctl(['trace', '-o', file('chain2.json'), '--stats', stats, '--mounts', mounts, '--', ...CHAIN]);
  t.equal(r.code, 0, r.stderr);
  const executed = readJson<TraceStatsFile>(stats).files.filter((f) => f.syscalls.includes('execve') && f.ok > 0).map((f) => f.path);
  t.same(executed.sort(), ['/bin/echo', '/bin/sh', '/usr/bin/env']);
  const ro = readJson<{ ro?: string[] }>(mounts).ro ?? [];
  t.ok(ro.includes('/usr/bin/env') && ro.includes('/bin/echo'), `env and echo bound: ${ro.join(' ')}`);
  const run = jailctl(['run', '--spec', mounts, '--', ...CHAIN]);
  t.equal(run.code, 0, run.stderr);
  t.equal(run.stdout, 'chained\n', 'the jail made from the list runs the chain');
});

t.test('a static binary: traced, its own calls and exit status, no loader', async (t) => {
  const stats = file('static.stats.json');
  const profile = file('static.json');
  const r = traceJson(['-o', profile, '--stats', stats, '--', staticExit, '5']);
  t.equal(r.code, 5, r.stderr);
  t.equal(r.summary.exitCode, 5);
  t.equal(r.summary.processes, 1);
  const names = allowedNames(profile);
  for (const name of ['execve', 'sched_yield', 'exit_group']) t.ok(names.includes(name), name);
  const files = readJson<TraceStatsFile>(stats).files.map((f) => f.path);
  t.notOk(files.some((f) => f === '/etc/ld.so.cache' || /libc\.so/.test(f)), `no loader files: ${files.join(' ')}`);
  const run = jailctl(['run', '--seccomp', profile, '--', staticExit, '0']);
  t.equal(run.code, 0, `and it runs under its traced profile: ${run.stderr}`);
});

t.test('exit status: its own, 128+N when killed by signal N', async (t) => {
  for (const [script, code, signal] of [['exit 7', 7, undefined], ['kill -TERM $$', 143, 15], ['kill -KILL $$', 137, 9]] as const) {
    const r = traceJson(['--', '/bin/sh', '-c', script]);
    t.equal(r.code, code, `${script}: ${r.stderr}`);
    t.equal(r.summary.exitCode, code, `${script}: --json says so`);
    t.equal(r.summary.signal, signal, `${script}: the signal`);
  }
});

t.test('a signal the program sends itself reaches its handler', async (t) => {
  const r = jailctl(['trace', '-o', file('usr1.json'), '--', '/bin/sh', '-c', 'trap "exit 3" USR1; kill -USR1 $$; exit 0']);
  t.equal(r.code, 3, r.stderr);
});

t.test('SIGTERM sent to jailctl trace is handed on to the program', async (t) => {
  const run = startJailctl(['trace', '-o', file('term.json'), '--', '/bin/sh', '-c', 'trap "echo caught; exit 5" TERM; echo ready; read line'], { stdio: ['pipe', 'pipe', 'pipe'] });
  await run.waitFor('ready');
  run.child.kill('SIGTERM');
  const r = await run.done;
  t.equal(r.code, 5, r.stderr);
  t.match(r.stdout, /caught/);
  t.ok(existsSync(file('term.json')), 'the profile is still written');
});

t.test('--merge: two programs into one profile and stats file, counts added', async (t) => {
  const profile = file('merged.json');
  const stats = file('merged.stats.json');
  const first = jailctl(['trace', '--merge', '-o', profile, '--stats', stats, '--', '/bin/uname']);
  t.equal(first.code, 0, first.stderr);
  const before = readJson<TraceStatsFile>(stats);
  const alone = file('static-alone.stats.json');
  t.equal(jailctl(['trace', '-o', file('static-alone.json'), '--stats', alone, '--', staticExit]).code, 0);
  const second = traceJson(['--merge', '-o', profile, '--stats', stats, '--', staticExit]);
  t.equal(second.code, 0, second.stderr);
  t.match(second.summary.written, [/merged/, /merged/]);
  const after = readJson<TraceStatsFile>(stats);
  const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);
  t.equal(total(after.counts), total(before.counts) + second.summary.syscalls, 'every call of the second run added');
  // the static program makes the same calls every run: each count is the sum of both
  const own = readJson<TraceStatsFile>(alone).counts;
  for (const name of new Set([...Object.keys(before.counts), ...Object.keys(own)])) {
    t.equal(after.counts[name], (before.counts[name] ?? 0) + (own[name] ?? 0), `${name} added`);
  }
  const names = allowedNames(profile);
  t.ok(names.includes('uname') && names.includes('sched_yield'), 'the profile allows the calls of both');
  t.ok(before.files.every((f) => after.files.some((g) => g.path === f.path)), 'the files of the first run kept');
});

t.test('--json: one parsable summary line on stdout, even when the program writes there', async (t) => {
  const r = jailctl(['trace', '--json', '--', '/bin/sh', '-c', 'echo to-stdout; echo to-stderr >&2']);
  t.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  t.equal(lines.length, 1, 'the summary only: the profile is inside it');
  t.equal(r.stderr, 'to-stdout\nto-stderr\n', "the program's standard output goes to standard error");
  const summary = JSON.parse(lines[0]!) as TraceSummary;
  const arch = archFromNode();
  t.match(summary, { exitCode: 0, arch, processes: 1, sockets: [], written: [] });
  t.ok(summary.abis.includes(arch), 'the host ABI');
  t.ok(summary.syscalls > summary.distinct && summary.distinct > 5, `${summary.syscalls} calls, ${summary.distinct} distinct`);
  t.ok(summary.files > 0, 'files counted');
  t.equal(summary.profile?.defaultAction, 'SCMP_ACT_KILL_PROCESS');
  t.ok(summary.profile?.syscalls[0]?.names.includes('write'), 'the profile allows write');

  const withFile = jailctl(['trace', '--json', '-o', file('json.json'), '--', '/bin/true']);
  const written = JSON.parse(withFile.stdout) as TraceSummary;
  t.equal(written.profile, undefined, 'with -o the profile goes to the file');
  t.match(written.written, [/^wrote .*json\.json/]);
});

t.test('on a terminal, the live line counts every call while the program runs, and distinct calls', {
  skip: spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0 ? false : 'needs script(1) (util-linux) for a terminal',
}, async (t) => {
  // dd makes 2 x 20000 calls that are not recorded (read, write), then the shell waits a while
  const command = `${process.execPath} ${CLI} trace -o ${file('live.json')} -- /bin/sh -c 'dd if=/dev/zero of=/dev/null bs=1 count=20000 2>/dev/null; sleep 1'`;
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
  t.equal(r.status, 0, r.stderr);
  const live = r.stdout.split(/[\r\n]/).map((l) => /^(?:\x1b\[K)?(\d+) processes, (\d+) syscalls seen, (\d+) distinct$/.exec(l)).filter((m) => m !== null);
  t.ok(live.some((m) => Number(m[2]) >= 40_000 && Number(m[3]) > 10), `a live line during the run shows dd's calls: ${live.map((m) => m[0]).join(' | ')}`);
});

t.test('-o to a device writes to it and leaves it a device (-o /dev/null to keep only --stats)', async (t) => {
  const device = file('null'); // a /dev/null of our own: a regression must not replace the real one
  t.equal(spawnSync('mknod', ['-m', '666', device, 'c', '1', '3']).status, 0, 'mknod');
  const r = jailctl(['trace', '-o', device, '--stats', file('null.stats.json'), '--', '/bin/true']);
  t.equal(r.code, 0, r.stderr);
  t.ok(statSync(device).isCharacterDevice(), 'still the device');
  t.ok(readJson<TraceStatsFile>(file('null.stats.json')).counts['execve'], 'the stats written');
});

t.test('a command that does not exist: 127, one line, nothing written', async (t) => {
  expectOneLineError(t, jailctl(['trace', '-o', file('none.json'), '--', join(dir, 'no-such-program')]), /^jailctl: command not found: .*no-such-program$/, 127);
  t.notOk(existsSync(file('none.json')));
});

t.test('a file that cannot be executed: 126, one line, nothing written', async (t) => {
  const plain = file('plain.txt');
  writeFileSync(plain, 'just text\n');
  expectOneLineError(t, jailctl(['trace', '-o', file('plain.json'), '--', plain]), /plain\.txt: not an executable file$/, 126);
  chmodSync(plain, 0o755);
  expectOneLineError(t, jailctl(['trace', '-o', file('plain.json'), '--', plain]), /execve\(2\): ENOEXEC/, 126);
  t.notOk(existsSync(file('plain.json')));
});

t.test('a script whose interpreter is missing: 127 from the execve, one line', async (t) => {
  const script = file('orphan-script');
  writeFileSync(script, '#!/no/such/interpreter\n');
  chmodSync(script, 0o755);
  expectOneLineError(t, jailctl(['trace', '-o', file('orphan.json'), '--', script]), /execve\(2\): ENOENT/, 127);
  t.notOk(existsSync(file('orphan.json')));
});

/** Polls until `check` returns something, or `ms` pass. */
async function waitUntil<T>(check: () => T | undefined, ms: number): Promise<T | undefined> {
  const start = Date.now();
  for (;;) {
    const found = check();
    if (found !== undefined || Date.now() - start > ms) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
}

t.test('jailctl trace killed by SIGKILL leaves no stopped or orphaned process', async (t) => {
  const tag = `${process.pid}.5`; // a sleep argument no other process has
  const run = startJailctl(['trace', '-o', file('killed.json'), '--', '/bin/sleep', tag]);
  const isOurSleep = (p: ProcEntry): boolean => p.argv[0] === '/bin/sleep' && p.argv[1] === tag;
  const sleep = await waitUntil(() => listProcesses().find(isOurSleep), 10_000);
  t.ok(sleep, 'the traced sleep started');
  const tree = processTree(run.child.pid!).filter((p) => p.pid !== run.child.pid);
  t.ok(tree.length >= 3, `the launcher, the tracer and the sleep: ${tree.map((p) => p.argv.join(' ')).join(', ')}`);
  run.child.kill('SIGKILL');
  await run.done;
  const alive = (): ProcEntry[] => listProcesses().filter((p) => p.state !== 'Z' && (isOurSleep(p) || tree.some((q) => q.pid === p.pid && q.argv.join(' ') === p.argv.join(' '))));
  const left = (await waitUntil(() => (alive().length === 0 ? [] : undefined), 3000)) ?? alive();
  t.same(left.map((p) => `${p.pid} ${p.state} ${p.argv.join(' ')}`), [], 'nothing left');
  for (const p of left) process.kill(p.pid, 'SIGKILL'); // ours: do not leave them to the next test
});
