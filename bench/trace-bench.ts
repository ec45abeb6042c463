// `jailctl trace` against `strace -f -c`, measured in the same run on the workloads of issue 14:
// syscall-bound (dd bs=1), threaded (8 threads of write+getppid), fork-heavy (a shell loop),
// path-heavy (ls -lR of a 3000-file tree, python3 importing json) and the fixed cost (/bin/true,
// beside `node -e 0`). Every command runs pinned to one CPU (tracer and tracee share it, as a
// router's single core would), the subjects interleaved round by round so that the machine's
// drift hits all alike; the value is the median, the note says the spread (middle half of the
// runs over the median). Target: jailctl <= 0.5x strace, /bin/true <= 15 ms beyond node -e 0.
// Besides the ratio, each workload says what tracing itself costs: jailctl's time beyond the
// untraced run plus `node -e 0` (the floor of any Node command on one CPU) against strace's time
// beyond the untraced run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePackage, have, timeInterleaved, type Row, type Timed } from './table.js';

const CLI = fileURLToPath(new URL('../../dist/jailctl.cjs', import.meta.url));
const THREADS_SOURCE = fileURLToPath(new URL('../../bench/thread-calls.c', import.meta.url));
const ROUNDS = Number(process.env['JAILCTL_BENCH_ROUNDS'] ?? 9);

interface Workload {
  name: string;
  argv: string[];
  /** the fixed cost: also compared with `node -e 0` */
  fixed?: boolean;
}

/** 30 directories of 100 files each. */
function makeTree(dir: string): string {
  const root = join(dir, 'tree');
  for (let d = 0; d < 30; d++) {
    mkdirSync(join(root, `d${d}`), { recursive: true });
    for (let f = 0; f < 100; f++) writeFileSync(join(root, `d${d}`, `f${f}`), 'x\n');
  }
  return root;
}

function workloads(dir: string): Workload[] {
  const list: Workload[] = [{ name: 'dd bs=1 count=50000', argv: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1', 'count=50000'] }];
  const threads = join(dir, 'thread-calls');
  if (spawnSync('gcc', ['-O2', '-pthread', '-o', threads, THREADS_SOURCE]).status === 0) {
    list.push({ name: '8 threads x 2500 write+getppid', argv: [threads, '8', '2500'] });
  }
  list.push(
    { name: 'sh loop: 300 forks of /bin/true', argv: ['sh', '-c', 'i=0; while [ $i -lt 300 ]; do /bin/true; i=$((i+1)); done'] },
    { name: 'ls -lR (3000 files)', argv: ['ls', '-lR', makeTree(dir)] },
  );
  // Debian's python3, not a version manager's shim (a shell script that would be traced too)
  if (existsSync('/usr/bin/python3')) list.push({ name: 'python3 -c "import json"', argv: ['/usr/bin/python3', '-c', 'import json'] });
  list.push({ name: '/bin/true', argv: ['/bin/true'], fixed: true });
  return list;
}

/** Every command on the last CPU: tracer and tracee compete for it, as on a single-core router. */
function pinned(): (argv: string[]) => string[] {
  if (!have('taskset')) return (argv) => argv;
  const cpu = String(cpus().length - 1);
  return (argv) => ['taskset', '-c', cpu, ...argv];
}

const ms = (t: Timed): string => `${t.median.toFixed(1)} ms`;
const spread = (t: Timed): string => `spread ${(t.spread * 100).toFixed(0)}%`;

export async function runTraceBench(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'jailctl-trace-bench-'));
  // outputs go to a tmpfs, as strace's goes to /dev/null: tracing is compared, not the disk's fsync
  const outDir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'jailctl-trace-bench-'));
  const outputs = ['-o', join(outDir, 'profile.json'), '--stats', join(outDir, 'stats.json'), '--mounts', join(outDir, 'mounts.json')];
  const hasStrace = ensurePackage('strace', 'strace');
  const pin = pinned();
  const rows: Row[] = [];
  const bench = (w: Workload): string => `trace: ${w.name}`;
  try {
    for (const workload of workloads(dir)) {
      const subjects: { name: string; argv: string[] }[] = [
        { name: 'untraced', argv: workload.argv },
        ...(hasStrace ? [{ name: 'strace -f -c', argv: ['strace', '-f', '-c', '-o', '/dev/null', ...workload.argv] }] : []),
        { name: 'jailctl trace -o --stats --mounts', argv: [process.execPath, CLI, 'trace', ...outputs, '--', ...workload.argv] },
        { name: 'node -e 0', argv: [process.execPath, '-e', '0'] },
      ];
      const results = timeInterleaved(subjects.map((s) => ({ argv: pin(s.argv) })), ROUNDS);
      const byName = new Map(subjects.map((s, i) => [s.name, results[i]!]));
      const strace = byName.get('strace -f -c');
      const jailctl = byName.get('jailctl trace -o --stats --mounts')!;
      for (const [name, r] of byName) {
        const ratio = strace !== undefined && name.startsWith('jailctl') ? `${(r.median / strace.median).toFixed(2)}x strace (target <= 0.50x), ` : '';
        rows.push({ bench: bench(workload), subject: name, value: ms(r), note: r.ok ? `${ratio}${spread(r)}` : `failed: ${r.stderr.trim().split('\n')[0]}` });
      }
      if (!hasStrace) rows.push({ bench: bench(workload), subject: 'strace -f -c', value: '-', note: 'strace unavailable' });
      const node = byName.get('node -e 0')!;
      const untraced = byName.get('untraced')!;
      if (workload.fixed) {
        rows.push({ bench: bench(workload), subject: 'jailctl trace beyond node -e 0', value: `${(jailctl.median - node.median).toFixed(1)} ms`, note: 'target <= 15 ms' });
      } else {
        const cost = jailctl.median - untraced.median - node.median;
        const peer = strace !== undefined ? ` vs strace's ${(strace.median - untraced.median).toFixed(1)} ms beyond untraced` : '';
        rows.push({ bench: bench(workload), subject: 'tracing cost: jailctl beyond untraced + node -e 0', value: `${cost.toFixed(1)} ms`, note: `floor ${(untraced.median + node.median).toFixed(1)} ms${peer}` });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  }
  return rows;
}
