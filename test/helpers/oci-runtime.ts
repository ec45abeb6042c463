// OCI bundles for runc and crun in a temp folder: a rootfs holding one static busybox, the
// runtime's own `spec` patched with the command, noNewPrivileges and a seccomp profile, run with
// a private state root and a unique container id, so concurrent test runs never meet.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type OciRuntime = 'runc' | 'crun';

export interface RunOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function hasRuntime(runtime: OciRuntime): boolean {
  return spawnSync(runtime, ['--version'], { stdio: 'ignore' }).status === 0;
}

let counter = 0;

export interface Bundle {
  dir: string;
  run(args: string[], seccomp: unknown, noNewPrivileges?: boolean): RunOutcome;
}

/** A bundle in `dir` (which must exist) whose rootfs holds `busybox` as /bin/busybox. */
export function makeBundle(runtime: OciRuntime, dir: string, busybox: string): Bundle {
  mkdirSync(join(dir, 'rootfs', 'bin'), { recursive: true });
  mkdirSync(join(dir, 'rootfs', 'tmp'), { recursive: true });
  copyFileSync(busybox, join(dir, 'rootfs', 'bin', 'busybox'));
  const spec = spawnSync(runtime, ['spec'], { cwd: dir, encoding: 'utf8' });
  if (spec.status !== 0) throw new Error(`${runtime} spec failed: ${spec.stderr}`);
  const base = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as OciConfig;
  const state = join(dir, 'state');
  return {
    dir,
    run(args, seccomp, noNewPrivileges = true) {
      const config: OciConfig = { ...base, process: { ...base.process, terminal: false, args, noNewPrivileges }, linux: { ...base.linux, seccomp } };
      writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
      const id = `jailctl-test-${process.pid}-${++counter}`;
      const r = spawnSync(...command(runtime, ['--root', state, 'run', '--bundle', dir, id]), { encoding: 'utf8', timeout: 30_000, input: '' });
      spawnSync(...command(runtime, ['--root', state, 'delete', '--force', id]), { stdio: 'ignore', timeout: 10_000 });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    },
  };
}

interface OciConfig {
  process: Record<string, unknown>;
  linux: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * crun refuses a hybrid cgroup host whose cgroup2 mount has controllers ("cgroups in hybrid mode
 * not supported"); in a private mount namespace without that mount it sees plain cgroup v1.
 */
function command(runtime: OciRuntime, args: string[]): [string, string[]] {
  if (runtime === 'runc') return ['runc', args];
  return ['unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"', 'sh', 'crun', ...args]];
}
