// Where an init script finds OpenWrt's shell libraries and commands (edge). Scripts source them
// by absolute path (`. /lib/functions.sh`, /lib/functions/network.sh, /usr/share/libubox/jshn.sh)
// and run /sbin/uci, so they must be at those paths, unmodified scripts being the goal:
// - OpenWrt (/lib/functions.sh and /sbin/uci exist): OpenWrt's own, nothing added.
// - elsewhere: jailctl's (src/service/shim/openwrt/, laid out as OpenWrt's root) are laid over
//   /lib, /sbin and /usr/share with read-only overlay mounts in a private mount namespace of the
//   evaluation only (unshare; a user namespace too when jailctl is not root). The host's own
//   view never changes.
// - where no such namespace can be made: the library is read from the shim folder, and a
//   script's own `. /lib/functions.sh` fails (with a hint).
// In every case uci, validate_data and jshn are on PATH, and config_load reads a cache.
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../io/package-root.js';
import { hostSearchPath } from '../../jail/spec.js';
import { findOnPath } from '../../io/find-on-path.js';

export type LibrarySource = 'openwrt' | 'namespace' | 'shim-folder';

export interface EvaluationView {
  source: LibrarySource;
  /** runs the shell (unshare ... --), or [] */
  wrapper: string[];
  /** shell commands run before rc.common, inside the wrapper (the overlay mounts) */
  prelude: string;
  env: Record<string, string>;
  warnings: string[];
}

/** OpenWrt's places jailctl's library is laid over: a folder of the shim layer and the host
 * folder it joins (followed through symlinks: /lib is /usr/lib on merged-/usr hosts). */
const LAYERS = [['lib', '/lib'], ['sbin', '/sbin'], ['usr/share', '/usr/share']] as const;

export function isOpenWrtHost(): boolean {
  return existsSync('/lib/functions.sh') && existsSync('/sbin/uci');
}

/** dist/openwrt-tools.cjs (bundled), or the compiled module when jailctl is not bundled. */
export function findToolsEntry(): string | undefined {
  const root = packageRoot();
  for (const candidate of [join(root, 'dist', 'openwrt-tools.cjs'), join(root, 'dist', 'openwrt', 'tools-main.js')]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Overlay mounts, one per host folder, each listing jailctl's layer folders above the host's. */
export function overlayMounts(layerRoot: string): { target: string; lowerdirs: string[] }[] {
  const byTarget = new Map<string, string[]>();
  for (const [layer, hostPath] of LAYERS) {
    let target: string;
    try {
      target = realpathSync(hostPath);
    } catch {
      continue; // no such folder on this host: nothing to lay over it (and no script can use it)
    }
    byTarget.set(target, [...(byTarget.get(target) ?? []), join(layerRoot, layer)]);
  }
  return [...byTarget].map(([target, layers]) => ({ target, lowerdirs: [...layers, target] }));
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The mounts as shell commands; a failure is reported on stderr and the folder is used instead. */
export function overlayPrelude(mountCommand: string[], layerRoot: string): string {
  const mounts = overlayMounts(layerRoot);
  const lines = mounts.map(({ target, lowerdirs }) =>
    `${mountCommand.map(shellQuote).join(' ')} -t overlay jailctl-openwrt -o ${shellQuote(`ro,lowerdir=${lowerdirs.join(':')}`)} ${shellQuote(target)} 2>/dev/null || __jc_view_failed=${shellQuote(target)}`);
  return [
    '__jc_view_failed=',
    ...lines,
    `if [ -n "$__jc_view_failed" ]; then echo "jailctl's OpenWrt library could not be laid over $__jc_view_failed (overlay mount failed): a script's own . /lib/functions.sh fails" >&2; JAILCTL_LIBROOT=${shellQuote(layerRoot)}; fi`,
    'unset __jc_view_failed',
    '',
  ].join('\n');
}

let namespaceWorks: Map<string, boolean> | undefined;

/** unshare's command line for a private mount namespace (a user namespace when not root). */
function unshareCommand(): string[] | undefined {
  const root = process.geteuid?.() === 0;
  const flags = root ? ['--mount', '--propagation', 'private'] : ['--user', '--map-root-user', '--mount', '--propagation', 'private'];
  const unshare = findOnPath('unshare');
  if (unshare !== undefined) return [unshare, ...flags, '--'];
  const busybox = findOnPath('busybox');
  if (busybox !== undefined) return [busybox, 'unshare', ...(root ? ['-m'] : ['-U', '-r', '-m']), '--propagation', 'private', '--'];
  return undefined;
}

function works(command: string[]): boolean {
  namespaceWorks ??= new Map();
  const key = command.join(' ');
  if (!namespaceWorks.has(key)) {
    const r = spawnSync(command[0]!, [...command.slice(1), '/bin/sh', '-c', 'exit 0'], { stdio: 'ignore', timeout: 5000 });
    namespaceWorks.set(key, r.status === 0);
  }
  return namespaceWorks.get(key)!;
}

export interface ViewOptions {
  shimDir: string;
  /** where the UCI cache is written (JAILCTL_UCI) */
  uciCache: string;
  configDir: string;
}

/** Decides where the script finds the libraries, and the environment that says so. */
export function evaluationView(options: ViewOptions): EvaluationView {
  const tools = findToolsEntry();
  const common: Record<string, string> = { JAILCTL_NODE: process.execPath, ...(tools !== undefined ? { JAILCTL_TOOLS: tools } : {}) };
  const warnings = tools === undefined ? ["jailctl's OpenWrt tools (dist/openwrt-tools.cjs) are missing: uci, jshn and validation fail in init scripts; build jailctl (npm run build:ts)"] : [];
  if (isOpenWrtHost()) return { source: 'openwrt', wrapper: [], prelude: '', env: { ...common, JAILCTL_LIBROOT: '', PATH: hostSearchPath() }, warnings };
  const layer = join(options.shimDir, 'openwrt');
  const env: Record<string, string> = {
    ...common,
    PATH: `${join(layer, 'sbin')}:${join(layer, 'usr', 'bin')}:${hostSearchPath()}`,
    JAILCTL_UCI: options.uciCache,
    JAILCTL_UCI_CONFDIR: options.configDir,
  };
  const unshare = unshareCommand();
  const mount = findOnPath('mount') !== undefined ? [findOnPath('mount')!] : findOnPath('busybox') !== undefined ? [findOnPath('busybox')!, 'mount'] : undefined;
  const safe = !/[,:\s'\\]/.test(layer) && overlayMounts(layer).every((m) => !/[,:\s'\\]/.test(m.target));
  if (unshare !== undefined && mount !== undefined && safe && works(unshare)) {
    return { source: 'namespace', wrapper: unshare, prelude: overlayPrelude(mount, layer), env: { ...env, JAILCTL_LIBROOT: '' }, warnings };
  }
  const why = unshare === undefined ? 'unshare is not installed' : mount === undefined ? 'mount is not installed' : !safe ? `the path ${layer} cannot be named in an overlay mount` : 'no mount namespace may be made here';
  return {
    source: 'shim-folder',
    wrapper: [],
    prelude: '',
    env: { ...env, JAILCTL_LIBROOT: layer },
    warnings: [...warnings, `${why}: jailctl's OpenWrt library is loaded for each script, but a script's own . /lib/functions.sh (or network.sh, jshn.sh) fails`],
  };
}
