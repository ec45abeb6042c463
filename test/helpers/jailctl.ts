// Runs the built CLI (dist/jailctl.cjs, the installed bin) as a child process and collects its output.
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../../dist/jailctl.cjs', import.meta.url));
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Synchronous run with a timeout; stdin is empty. */
export function jailctl(args: string[], options: { input?: string; timeout?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Result {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input: options.input ?? '',
    timeout: options.timeout ?? 30_000,
    encoding: 'utf8',
    cwd: options.cwd ?? REPO,
    env: options.env ?? process.env,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Starts jailctl in the background; resolves when it exits. */
export function startJailctl(args: string[], options: SpawnOptions = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Result>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
  const output = () => ({ stdout, stderr });
  const waitFor = async (text: string, ms = 10_000): Promise<void> => {
    const start = Date.now();
    while (!stdout.includes(text)) {
      if (Date.now() - start > ms) throw new Error(`timed out waiting for ${JSON.stringify(text)}; stdout=${stdout} stderr=${stderr}`);
      if (child.exitCode !== null) throw new Error(`exited (${child.exitCode}) before printing ${JSON.stringify(text)}; stderr=${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { child, done, output, waitFor };
}

export const isRoot = process.geteuid?.() === 0;
