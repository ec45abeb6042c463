// Runs snippets against jailctl's OpenWrt shell library (src/service/shim/openwrt) the way an
// evaluation without a mount namespace loads it: JAILCTL_LIBROOT names the library folder, the
// uci, validate_data and jshn commands are on PATH and run jailctl's built tools.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { findOnPath } from '../../src/io/find-on-path.js';
import { REPO } from './jailctl.js';

export const SHIM = join(REPO, 'src', 'service', 'shim');
export const LIBROOT = join(SHIM, 'openwrt');
export const TOOLS = join(REPO, 'dist', 'openwrt-tools.cjs');
export const BUSYBOX = findOnPath('busybox');

export interface ShellRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The shells to run library tests under: busybox ash (OpenWrt's) and, when present, dash. */
export function shells(): { name: string; argv: string[] }[] {
  const list: { name: string; argv: string[] }[] = [];
  if (BUSYBOX !== undefined) list.push({ name: 'busybox ash', argv: [BUSYBOX, 'ash'] });
  const dash = findOnPath('dash');
  if (dash !== undefined) list.push({ name: 'dash', argv: [dash] });
  return list;
}

/** A config folder and a save folder for one test; `files` are UCI packages. */
export function uciDirs(t: Test, files: Record<string, string> = {}): { config: string; save: string } {
  const dir = t.testdir({ config: files, save: {} });
  mkdirSync(join(dir, 'save'), { recursive: true });
  return { config: join(dir, 'config'), save: join(dir, 'save') };
}

/** Runs `snippet` after loading what rc.common loads (functions.sh, service.sh, jshn.sh, validation). */
export function runLibrary(argv: string[], snippet: string, dirs: { config: string; save: string }, env: Record<string, string> = {}): ShellRun {
  const r = spawnSync(argv[0]!, [...argv.slice(1), '-c', `. "$JAILCTL_SHIM/functions.sh"\n${snippet}`], {
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: `${join(LIBROOT, 'sbin')}:${join(LIBROOT, 'usr', 'bin')}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
      JAILCTL_SHIM: SHIM,
      JAILCTL_LIBROOT: LIBROOT,
      JAILCTL_NODE: process.execPath,
      JAILCTL_TOOLS: TOOLS,
      UCI_CONFIG_DIR: dirs.config,
      JAILCTL_UCI_SAVEDIR: dirs.save,
      ...env,
    },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
