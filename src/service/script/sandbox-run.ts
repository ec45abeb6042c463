// Running the shell of a dry run inside the throwaway view (edge): plan it from this process's
// mountinfo (sandbox.ts), hand the plan to the native launcher on fd 3 and wait. The launcher's
// own failure (a view it could not build) is told apart from the script's exit status.
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JailctlError } from '../../errors.js';
import { createHostFs } from '../../jail/host-fs.js';
import { launcherPath } from '../../native/binding.js';
import { encodeLaunchPlan } from '../../native/plan-codec.js';
import { buildSandboxPlan, parseMountinfo, visibleMounts } from './sandbox.js';

export interface SandboxRun {
  /** the program and its arguments (the shell, or a wrapper that runs it) */
  argv: string[];
  env: Record<string, string>;
  work: string;
  /** where the script's stdout and stderr go */
  stdout: number;
  timeoutMs: number;
}

export function runInSandbox(run: SandboxRun): { status: number; error?: string } {
  if (process.geteuid?.() !== 0) {
    throw new JailctlError('NOT_SUPPORTED', 'a dry run evaluates the script in a throwaway view of the file system, which needs root (a mount namespace and overlays)', {
      hint: 'run it as root (sudo jailctl service NAME start --dry-run)',
    });
  }
  const mounts = visibleMounts(parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')));
  const plan = buildSandboxPlan(mounts, createHostFs(), { work: run.work, argv: run.argv, env: run.env });
  const planFile = join(run.work, 'plan');
  writeFileSync(planFile, encodeLaunchPlan(plan), { mode: 0o600 });
  const planFd = openSync(planFile, 'r');
  try {
    const r = spawnSync(launcherPath(), ['3'], { cwd: '/', env: {}, timeout: run.timeoutMs, stdio: ['ignore', run.stdout, run.stdout, planFd] });
    if (r.error !== undefined) return { status: 125, error: `it did not finish (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})` };
    const status = r.status ?? 128 + 9;
    if (status === 125) {
      const failure = readFileSync(`/proc/self/fd/${run.stdout}`, 'utf8').split('\n').find((l) => l.startsWith('jailctl: dry-run: '));
      if (failure !== undefined) return { status, error: `the dry run's throwaway view could not be built: ${failure.slice('jailctl: dry-run: '.length)}` };
    }
    return { status };
  } finally {
    closeSync(planFd);
  }
}
