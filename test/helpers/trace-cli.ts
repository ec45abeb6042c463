// For the root tests of `jailctl trace`: C programs built at test time, the files trace writes,
// and processes looked up in /proc.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const hasGcc = spawnSync('gcc', ['--version'], { stdio: 'ignore' }).status === 0;

/** Builds test/fixtures/trace/NAME.c into `out` (extra gcc flags such as -static, -pthread). */
export function compileFixture(name: string, out: string, flags: string[] = []): string {
  const source = fileURLToPath(new URL(`../../../test/fixtures/trace/${name}.c`, import.meta.url));
  const r = spawnSync('gcc', ['-O1', '-Wall', '-Werror', ...flags, '-o', out, source], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc ${name}.c failed: ${r.stderr}`);
  return out;
}

export function readJson<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** The names an OCI profile written by `jailctl trace` allows (its one allow rule). */
export function allowedNames(profilePath: string): string[] {
  const profile = readJson<{ syscalls: { names: string[] }[] }>(profilePath);
  return profile.syscalls.flatMap((s) => s.names);
}

export interface TraceStatsFile {
  arch: string;
  counts: Record<string, number>;
  files: { path: string; syscalls: string[]; uses: string[]; ok: number }[];
}

/** What `jailctl trace --json` prints. */
export interface TraceSummary {
  exitCode: number;
  signal?: number;
  arch: string;
  processes: number;
  syscalls: number;
  distinct: number;
  abis: string[];
  files: number;
  sockets: string[];
  written: string[];
  profile?: { defaultAction: string; syscalls: { names: string[] }[] };
}

export interface ProcEntry {
  pid: number;
  ppid: number;
  /** R, S, D, Z, T (stopped), t (tracing stop) ... */
  state: string;
  argv: string[];
}

/** Every process now, from /proc (those gone while reading are skipped). */
export function listProcesses(): ProcEntry[] {
  const out: ProcEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses
      const [state = '?', ppid = '0'] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
      out.push({ pid: Number(name), ppid: Number(ppid), state, argv });
    } catch {
      // documented fallback: the process ended between readdir and read
    }
  }
  return out;
}

/** `root` and every process below it. */
export function processTree(root: number, all: readonly ProcEntry[] = listProcesses()): ProcEntry[] {
  const tree = all.filter((p) => p.pid === root);
  for (let i = 0; i < tree.length; i++) tree.push(...all.filter((p) => p.ppid === tree[i]!.pid));
  return tree;
}
