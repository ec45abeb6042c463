// Which shell evaluates init scripts (edge): OpenWrt's /bin/sh is busybox ash, and scripts use
// its idioms (${x:0:1}, ${x//a/b}, [ a == b ], kill -l HUP) that dash, Debian's /bin/sh, refuses.
// In order: JAILCTL_SHELL (words, e.g. "busybox ash"), /bin/sh when it is busybox, busybox's
// ash, an `ash` on PATH, /bin/sh when it passes the same checks (bash), else /bin/sh with a
// warning that ash idioms will fail. The choice is checked by running it once, and kept.
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { findOnPath } from '../../io/find-on-path.js';
import { hostSearchPath } from '../../jail/spec.js';

export interface ShellChoice {
  /** the command line that runs the shell, before its own arguments (-c, -n) */
  argv: string[];
  /** the shell handles ash's idioms */
  ash: boolean;
  warning?: string;
}

/** ash idioms dash does not have; a shell passing these runs OpenWrt's scripts. */
const ASH_PROBE = 'x=ab; [ "${x:1:1}" == b ] && [ "${x//a/c}" = cb ] && [ "$(kill -l HUP)" = 1 ] && f() { local y=1; }; f';

export function passesAshProbe(argv: readonly string[]): boolean {
  const r = spawnSync(argv[0]!, [...argv.slice(1), '-c', ASH_PROBE], { stdio: 'ignore', timeout: 5000, env: { PATH: hostSearchPath() } });
  return r.status === 0;
}

function isBusybox(path: string): boolean {
  try {
    return basename(realpathSync(path)) === 'busybox';
  } catch {
    return false;
  }
}

function candidates(env: NodeJS.ProcessEnv): string[][] {
  const list: string[][] = [];
  if (isBusybox('/bin/sh')) list.push(['/bin/sh']);
  const busybox = findOnPath('busybox', hostSearchPath(env));
  if (busybox !== undefined) list.push([busybox, 'ash']);
  const ash = findOnPath('ash', hostSearchPath(env));
  if (ash !== undefined) list.push([ash]);
  list.push(['/bin/sh']);
  return list;
}

const chosen = new Map<string, ShellChoice>();

/** The shell for init scripts (decided once per process and JAILCTL_SHELL). */
export function chooseShell(env: NodeJS.ProcessEnv = process.env): ShellChoice {
  const key = `${env['JAILCTL_SHELL'] ?? ''}\0${hostSearchPath(env)}`;
  let choice = chosen.get(key);
  if (choice === undefined) chosen.set(key, (choice = decide(env)));
  return choice;
}

function decide(env: NodeJS.ProcessEnv): ShellChoice {
  const explicit = env['JAILCTL_SHELL']?.trim();
  if (explicit) {
    const argv = explicit.split(/\s+/);
    if (passesAshProbe(argv)) return { argv, ash: true };
    return { argv, ash: false, warning: `JAILCTL_SHELL="${explicit}" is not an ash: OpenWrt idioms such as \${x:0:1}, \${x//a/b} and [ a == b ] fail in init scripts` };
  }
  for (const argv of candidates(env)) if (passesAshProbe(argv)) return { argv, ash: true };
  return {
    argv: ['/bin/sh'],
    ash: false,
    warning: 'no ash shell on this host (install busybox): init scripts run under /bin/sh, where OpenWrt idioms such as ${x:0:1}, ${x//a/b} and [ a == b ] fail',
  };
}
