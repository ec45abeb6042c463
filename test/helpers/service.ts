// A fixture init script installed under a unique name in a temporary --initd, with its own
// --state, --config and --rcd, and the `jailctl service` calls on it. Stops what it started and
// removes the folder when the test ends.
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { jailctl, REPO, startJailctl, type Result } from './jailctl.js';

export const FIXTURES = join(REPO, 'test', 'fixtures');

export interface InstanceJson {
  instance: string; state: string; pid: number | null; jailPid: number | null; launcherPid: number | null;
  restarts: number; crashes: number; lastExit: string | null; failure: string | null; namespaces: string[];
  seccomp: { enabled: boolean; profile: string | null };
}
export interface ServiceJson { name: string; state: string; instances: InstanceJson[] }

export interface Installed {
  name: string;
  /** the temporary folder: initd/, state/, config/, rc.d/, and whatever the test puts there */
  dir: string;
  initd: string;
  state: string;
  config: string;
  rcd: string;
  /** the common options, for calls the helper does not make */
  options: string[];
  run(command: string, ...args: string[]): Result;
  spawn(command: string, ...args: string[]): ReturnType<typeof startJailctl>;
  status(): ServiceJson;
  /** writes a UCI package into --config */
  uci(pkg: string, text: string): void;
}

let serial = 0;

/** Installs fixture `script` (a file of test/fixtures/initd) under a unique name. */
export function installService(t: Test, script: string, uci: Record<string, string> = {}): Installed {
  const name = `jc-${script}-${process.pid}-${++serial}`;
  const dir = mkdtempSync(join(tmpdir(), 'jailctl-service-test-'));
  chmodSync(dir, 0o755); // daemons that drop privileges read their files here
  for (const sub of ['initd', 'state', 'config']) mkdirSync(join(dir, sub));
  const s: Installed = {
    name, dir,
    initd: join(dir, 'initd'), state: join(dir, 'state'), config: join(dir, 'config'), rcd: join(dir, 'rc.d'),
    options: ['--initd', join(dir, 'initd'), '--state', join(dir, 'state'), '--config', join(dir, 'config'), '--rcd', join(dir, 'rc.d')],
    run: (command, ...args) => jailctl(['service', name, command, ...args, ...s.options], { timeout: 60_000 }),
    spawn: (command, ...args) => startJailctl(['service', name, command, ...args, ...s.options]),
    status: () => JSON.parse(s.run('status', '--json').stdout) as ServiceJson,
    uci: (pkg, text) => writeFileSync(join(dir, 'config', pkg), text),
  };
  for (const [pkg, text] of Object.entries(uci)) s.uci(pkg, text);
  copyFileSync(join(FIXTURES, 'initd', script), join(s.initd, name));
  t.teardown(() => {
    const r = s.run('stop');
    if (r.code !== 0) process.stderr.write(`cleanup of ${name} failed: ${r.stderr}`);
    rmSync(dir, { recursive: true, force: true });
  });
  return s;
}

export async function waitFor<T>(what: string, probe: () => T | undefined, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const alive = (pid: number | null | undefined): boolean => {
  if (pid === null || pid === undefined || !existsSync(`/proc/${pid}/stat`)) return false;
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

export const procStatus = (pid: number): string => readFileSync(`/proc/${pid}/status`, 'utf8');

/** "NAME: running (pid N, up Ts, R restarts)" */
export const RUNNING_LINE = (name: string): RegExp => new RegExp(`^${name}: running \\(pid (\\d+), up \\d+s, (\\d+) restarts\\)`, 'm');

/** Skips the test with a reason a person reads when the daemon is not installed. */
export function needs(binary: string, pkg: string): false | string {
  return existsSync(binary) ? false : `${binary} is not installed (Debian package ${pkg}; .ci/run installs it)`;
}
