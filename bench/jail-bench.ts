// `jailctl run` against peers, measured in the same run: start-up time of /bin/true in a full
// jail versus bwrap, unshare(1), a plain exec and `node -e 0`, and of the same jail from a
// stored plan (`jailctl-launch --plan FILE`, no Node); and the resident memory the jail's
// supervision costs beside a jailed `sleep`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePackage, have, timeInterleaved, type Row, type Timed } from './table.js';

const CLI = fileURLToPath(new URL('../../dist/jailctl.cjs', import.meta.url));
const LAUNCHER = fileURLToPath(new URL('../../build/Release/jailctl-launch', import.meta.url));
const RUNS = 25;
const FULL_JAIL = ['--proc', '--dev', '--netns', '--tmpfs', '/tmp'];

function bwrapArgs(): string[] {
  // the binds jailctl makes by itself for /bin/true, done by hand: /usr and the merged-/usr links
  return ['bwrap', '--unshare-all', '--die-with-parent', '--new-session', '--ro-bind', '/usr', '/usr',
    '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64', '--symlink', 'usr/bin', '/bin',
    '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--cap-drop', 'ALL', '/bin/true'];
}

export function runStartupBench(): Row[] {
  const rows: Row[] = [];
  const jailArgv = [process.execPath, CLI, 'run', ...FULL_JAIL, '--', '/bin/true'];
  // planned every time, and served from the plan cache (a private one, filled by one run first)
  const cacheRoot = mkdtempSync(join(tmpdir(), 'jailctl-bench-'));
  const cached = { ...process.env, JAILCTL_PLAN_CACHE: join(cacheRoot, 'plans') };
  spawnSync(jailArgv[0]!, jailArgv.slice(1), { stdio: 'ignore', env: cached });
  spawnSync('sleep', ['1.1']); // files changed in the last second are not trusted to the cache
  // the same jail as a stored plan (in the 0700 directory: only root's plans are run)
  const storedPlan = join(cacheRoot, 'true.plan');
  spawnSync(process.execPath, [CLI, 'run', '--save-plan', storedPlan, ...FULL_JAIL, '--', '/bin/true'], { stdio: 'ignore' });
  const hasBwrap = ensurePackage('bwrap', 'bubblewrap');
  const [plain, node, unshare, cold, warm, stored, bwrap] = timeInterleaved([
    { argv: ['/bin/true'] },
    { argv: [process.execPath, '-e', '0'] },
    { argv: ['unshare', '--mount', '--pid', '--uts', '--ipc', '--net', '--fork', '--mount-proc', '/bin/true'] },
    { argv: jailArgv, env: { ...process.env, JAILCTL_PLAN_CACHE: 'off' } },
    { argv: jailArgv, env: cached },
    { argv: [LAUNCHER, '--plan', storedPlan] },
    ...(hasBwrap ? [{ argv: bwrapArgs() }] : []),
  ], RUNS) as [Timed, Timed, Timed, Timed, Timed, Timed, Timed | undefined];
  rmSync(cacheRoot, { recursive: true, force: true });
  const ms = (v: number) => `${v.toFixed(2)} ms`;
  rows.push({ bench: 'startup /bin/true', subject: 'plain exec', value: ms(plain.median) });
  rows.push({ bench: 'startup /bin/true', subject: 'node -e 0', value: ms(node.median) });
  rows.push({ bench: 'startup /bin/true', subject: 'unshare(1) mnt,pid,uts,ipc,net', value: ms(unshare.median), note: unshare.ok ? '' : 'failed' });
  if (bwrap) rows.push({ bench: 'startup /bin/true', subject: 'bwrap --unshare-all', value: ms(bwrap.median), note: bwrap.ok ? '' : `failed: ${bwrap.stderr.trim()}` });
  for (const [how, jail] of [['planned', cold], ['plan cached', warm]] as const) {
    rows.push({ bench: 'startup /bin/true', subject: `jailctl run ${FULL_JAIL.join(' ')} (${how})`, value: ms(jail.median), note: jail.ok ? '' : `failed: ${jail.stderr.trim()}` });
  }
  rows.push({
    bench: 'startup /bin/true',
    subject: 'jailctl-launch --plan FILE (stored plan, no Node)',
    value: ms(stored.median),
    note: !stored.ok ? `failed: ${stored.stderr.trim()}` : bwrap ? `${(stored.median / bwrap.median).toFixed(2)}x bwrap, ${(stored.median / warm.median).toFixed(2)}x jailctl run (plan cached) (target <= 1.00x bwrap)` : 'bwrap unavailable',
  });
  for (const [how, jail] of [['planned', cold], ['plan cached', warm]] as const) {
    const setup = jail.median - node.median;
    rows.push({
      bench: 'startup /bin/true',
      subject: `jailctl setup beyond node start (${how})`,
      value: ms(setup),
      note: bwrap ? `${(setup / bwrap.median).toFixed(2)}x bwrap's whole run (target <= 1.00x)` : 'bwrap unavailable',
    });
  }
  return rows;
}

function rssAndPss(pid: number): { rss: number; pss: number } {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
  return { rss: field('Rss'), pss: field('Pss') };
}

function descendants(root: number): number[] {
  const out = spawnSync('ps', ['-e', '-o', 'pid=,ppid=,comm='], { encoding: 'utf8' }).stdout;
  const procs = out.trim().split('\n').map((l) => l.trim().split(/\s+/)).map(([pid, ppid, comm]) => ({ pid: Number(pid), ppid: Number(ppid), comm: comm! }));
  const result: number[] = [];
  const walk = (pid: number) => {
    for (const p of procs.filter((q) => q.ppid === pid)) {
      result.push(p.pid);
      walk(p.pid);
    }
  };
  walk(root);
  return result;
}

/** Memory of everything in the chain except the service (`sleep`). */
async function supervisionMemory(argv: string[]): Promise<{ rss: number; pss: number; processes: number } | undefined> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 700));
  const comm = (pid: number) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  const chain = [child.pid!, ...descendants(child.pid!)].filter((pid) => comm(pid) !== 'sleep');
  const total = chain.map(rssAndPss).reduce((a, b) => ({ rss: a.rss + b.rss, pss: a.pss + b.pss }), { rss: 0, pss: 0 });
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  return { ...total, processes: chain.length };
}

export async function runMemoryBench(): Promise<Row[]> {
  const rows: Row[] = [];
  const jail = await supervisionMemory([process.execPath, CLI, 'run', ...FULL_JAIL, '--', '/bin/sleep', '5']);
  if (jail) rows.push({ bench: 'resident beside sleep', subject: 'jailctl (launcher + pid-1 reaper)', value: `${jail.rss} kB RSS, ${jail.pss} kB PSS`, note: `${jail.processes} processes; target <= 1024 kB` });
  // with a profile that kills: pid 1 holds the listener, the answer program and every syscall name
  const dir = mkdtempSync(join(tmpdir(), 'jailctl-bench-'));
  const profile = join(dir, 'named.json');
  writeFileSync(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['sethostname'], action: 'SCMP_ACT_KILL_PROCESS' }] }));
  const named = await supervisionMemory([process.execPath, CLI, 'run', ...FULL_JAIL, '--seccomp', profile, '--', '/bin/sleep', '5']);
  rmSync(dir, { recursive: true, force: true });
  if (named) rows.push({ bench: 'resident beside sleep', subject: 'jailctl with --seccomp (pid 1 answers notifications)', value: `${named.rss} kB RSS, ${named.pss} kB PSS`, note: `${named.processes} processes; target <= 1024 kB` });
  if (have('bwrap')) {
    const args = bwrapArgs();
    args[args.length - 1] = '/bin/sleep';
    const bw = await supervisionMemory([...args, '5']);
    if (bw) rows.push({ bench: 'resident beside sleep', subject: 'bwrap', value: `${bw.rss} kB RSS, ${bw.pss} kB PSS`, note: `${bw.processes} processes` });
  }
  return rows;
}
