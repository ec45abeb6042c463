// `jailctl trace` against strace, measured in the same run: a syscall-bound workload (dd bs=1),
// a file-tree walk (ls -lR: every call a captured path), and a fork-heavy shell loop; each run
// untraced, under `strace -f -c`, and under `jailctl trace -o FILE` (Node's start-up included).
// Runs are interleaved (one of each subject per round) so that the machine's drift hits all
// subjects alike; the value is the median. Target: jailctl <= 0.5x strace.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePackage, timeInterleaved, type Row } from './table.js';

const CLI = fileURLToPath(new URL('../../dist/jailctl.cjs', import.meta.url));
const ROUNDS = 7;

interface Subject {
  name: string;
  argv: (workload: string[]) => string[];
}

/** One traced tree of 20 directories with 50 files each. */
function makeTree(dir: string): string {
  const root = join(dir, 'tree');
  for (let d = 0; d < 20; d++) {
    mkdirSync(join(root, `d${d}`), { recursive: true });
    for (let f = 0; f < 50; f++) writeFileSync(join(root, `d${d}`, `f${f}`), 'x\n');
  }
  return root;
}

function workloads(dir: string): { name: string; argv: string[] }[] {
  return [
    { name: 'dd bs=1 count=20000', argv: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1', 'count=20000'] },
    { name: 'ls -lR (1000 files)', argv: ['ls', '-lR', makeTree(dir)] },
    { name: 'sh loop: 300 forks of /bin/true', argv: ['sh', '-c', 'i=0; while [ $i -lt 300 ]; do /bin/true; i=$((i+1)); done'] },
    // the fixed cost: Node's start, planning, the launcher, writing the profile
    { name: '/bin/true', argv: ['/bin/true'] },
  ];
}

export async function runTraceBench(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'jailctl-trace-bench-'));
  // the profile goes to a tmpfs, as strace's output goes to /dev/null: tracing is compared, not the disk's fsync
  const out = join(existsSync('/dev/shm') ? '/dev/shm' : dir, `jailctl-trace-bench-${process.pid}.json`);
  const hasStrace = ensurePackage('strace', 'strace');
  const subjects: Subject[] = [
    { name: 'untraced', argv: (w) => w },
    ...(hasStrace ? [{ name: 'strace -f -c', argv: (w: string[]) => ['strace', '-f', '-c', '-o', '/dev/null', ...w] }] : []),
    { name: 'jailctl trace -o FILE', argv: (w) => [process.execPath, CLI, 'trace', '-o', out, '--', ...w] },
  ];
  const rows: Row[] = [];
  try {
    for (const workload of workloads(dir)) {
      const results = timeInterleaved(subjects.map((s) => ({ argv: s.argv(workload.argv) })), ROUNDS);
      const strace = hasStrace ? results[1]! : undefined;
      subjects.forEach((subject, i) => {
        const r = results[i]!;
        const ratio = strace !== undefined && subject.name.startsWith('jailctl') ? `${(r.median / strace.median).toFixed(2)}x strace (target <= 0.50x)` : '';
        rows.push({ bench: `trace: ${workload.name}`, subject: subject.name, value: `${r.median.toFixed(1)} ms`, note: r.ok ? ratio : `failed: ${r.stderr.trim().split('\n')[0]}` });
      });
      if (!hasStrace) rows.push({ bench: `trace: ${workload.name}`, subject: 'strace -f -c', value: '-', note: 'strace unavailable' });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(out, { force: true });
  }
  return rows;
}
