// Benchmark plumbing: timing commands in the same run, medians, and a plain-text table.
import { spawnSync } from 'node:child_process';

export interface Row {
  bench: string;
  subject: string;
  value: string;
  note?: string;
}

/** Median wall time in ms of `runs` executions of argv (after one warm-up run). */
export interface Timed {
  median: number;
  /** the middle half of the runs, as a share of the median: how noisy the machine was */
  spread: number;
  ok: boolean;
  stderr: string;
}

/** A command to time, with its environment. */
export interface Timing {
  argv: string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * Median wall time (ms) per command over `rounds` rounds, after one warm-up round. The commands
 * run interleaved (one of each per round), so the machine's drift hits all of them alike and
 * ratios between them hold even when absolute times wander.
 */
export function timeInterleaved(commands: readonly Timing[], rounds: number): Timed[] {
  const times = commands.map(() => [] as number[]);
  const failures = commands.map(() => '');
  for (let round = 0; round <= rounds; round++) {
    commands.forEach(({ argv, env }, i) => {
      const start = process.hrtime.bigint();
      const r = spawnSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env: env ?? process.env });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (r.status !== 0) failures[i] = r.stderr || `exit ${r.status}`;
      if (round > 0) times[i]!.push(ms);
    });
  }
  return times.map((t, i) => {
    t.sort((a, b) => a - b);
    const median = t[Math.floor(t.length / 2)]!;
    const spread = (t[Math.floor((t.length * 3) / 4)]! - t[Math.floor(t.length / 4)]!) / median;
    return { median, spread, ok: failures[i] === '', stderr: failures[i]! };
  });
}

export function printTable(rows: readonly Row[]): void {
  const headers = ['bench', 'subject', 'value', 'note'];
  const cells = rows.map((r) => [r.bench, r.subject, r.value, r.note ?? '']);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(headers));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const c of cells) console.log(line(c));
}

export function have(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Installs a Debian package if its command is missing (benchmarks compare against peers). */
export function ensurePackage(command: string, pkg: string): boolean {
  if (have(command)) return true;
  spawnSync('sh', ['-c', `apt-get install -y -qq ${pkg} >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq ${pkg}) >/dev/null 2>&1`], { stdio: 'ignore' });
  return have(command);
}
