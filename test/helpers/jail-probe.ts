// Runs small busybox shell probes inside `jailctl run` (and, for comparison, bwrap). A jail holds
// no tools but what is bound: busybox is bound read-only and its applets are made callable by
// name. Probes print "KEY value" lines; `facts` turns them into a map.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CLI, REPO, type Result } from './jailctl.js';

export const BUSYBOX = '/bin/busybox';
export const hasBusybox = existsSync(BUSYBOX);
export const hasBwrap = spawnSync('bwrap', ['--version'], { stdio: 'ignore' }).status === 0;

const APPLETS = ['cat', 'ls', 'find', 'grep', 'readlink', 'wc', 'head', 'mkdir', 'ln', 'cp', 'chmod', 'touch', 'stat', 'sleep', 'awk', 'tr', 'rm', 'id'];
/** Makes busybox applets callable by name, without PATH or symlinks (the jail root is read-only). */
export const PRELUDE = `${APPLETS.map((a) => `${a}() { ${BUSYBOX} ${a} "$@"; }`).join('; ')}; `;

/** Opens each path named on stdin for writing (O_WRONLY|O_APPEND, no write) and prints "W path"
 * for every one that opened; nothing is ever written. */
export const WRITABLE_WALK = `while read -r f; do if { true 3>>"$f"; } 2>&-; then echo "W $f"; fi; done`;

/** `jailctl run FLAGS -- busybox sh -c SCRIPT` with busybox bound. */
export function probe(script: string, flags: readonly string[] = [], options: SpawnSyncOptions = {}): Result {
  const args = [CLI, 'run', ...flags, '--ro', BUSYBOX, '--', BUSYBOX, 'sh', '-c', PRELUDE + script];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000, cwd: REPO, input: '', ...options });
  return { code: r.status, signal: r.signal, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** The same probe under bubblewrap with a comparable jail (root, its own /proc and /dev). */
export function probeBwrap(script: string, extra: readonly string[] = []): Result {
  const args = ['--unshare-all', '--die-with-parent', '--new-session', '--ro-bind', '/usr', '/usr', '--symlink', 'usr/lib', '/lib',
    '--symlink', 'usr/lib64', '/lib64', '--symlink', 'usr/bin', '/bin', '--proc', '/proc', '--dev', '/dev', '--cap-drop', 'ALL',
    ...extra, BUSYBOX, 'sh', '-c', PRELUDE + script];
  const r = spawnSync('bwrap', args, { encoding: 'utf8', timeout: 60_000, input: '' });
  return { code: r.status, signal: r.signal, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** "KEY value" lines -> map (later lines win); other lines are ignored. */
export function facts(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^([A-Z][A-Za-z0-9_-]*) ?(.*)$/.exec(line);
    if (m !== null) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** Lines of the form "W path" (from WRITABLE_WALK). */
export function writablePaths(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l.startsWith('W ')).map((l) => l.slice(2));
}
