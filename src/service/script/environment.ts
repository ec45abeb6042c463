// The OpenWrt environment an init script runs in (edge), in one piece for evaluate.ts: the shell
// (shell.ts), where the libraries come from (view.ts), the UCI cache of --config (uci-cache.ts),
// the environment variables, and the command line that runs `. rc.common` with all of it.
import { join } from 'node:path';
import { readInputFile } from '../../io/input-file.js';
import { INPUT_LIMITS } from '../../io/input-limits.js';
import { toolContext } from '../../openwrt/tools.js';
import { chooseShell, type ShellChoice } from './shell.js';
import { packageWords, writeUciCache } from './uci-cache.js';
import { evaluationView, type LibrarySource } from './view.js';

export interface ScriptEnvironment {
  shell: ShellChoice;
  source: LibrarySource;
  /** variables for the script's environment (PATH among them) */
  env: Record<string, string>;
  /** what the evaluation should say (no ash, no mount namespace ...) */
  warnings: string[];
  /** the program and arguments that run `shellCode` with $0 and the positional `args` */
  command(shellCode: string, args: readonly string[]): string[];
}

export interface EnvironmentOptions {
  script: string;
  /** the shim folder (rc.common, procd.sh, functions.sh, openwrt/) */
  shimDir: string;
  /** --config */
  configDir: string;
  /** a folder of this evaluation, removed after it: the UCI cache goes in here */
  work: string;
}

export function prepareScriptEnvironment(options: EnvironmentOptions): ScriptEnvironment {
  const shell = chooseShell();
  const uciCache = join(options.work, 'uci');
  const view = evaluationView({ shimDir: options.shimDir, uciCache, configDir: options.configDir });
  if (view.source !== 'openwrt') {
    const words = packageWords(readInputFile(options.script, 'init script', INPUT_LIMITS.script).toString('latin1'));
    writeUciCache({ ...toolContext(process.env), confdir: options.configDir }, uciCache, (name) => words.has(name));
  }
  const saveDir = process.env['JAILCTL_UCI_SAVEDIR'];
  return {
    shell,
    source: view.source,
    env: { UCI_CONFIG_DIR: options.configDir, ...(saveDir ? { JAILCTL_UCI_SAVEDIR: saveDir } : {}), ...view.env },
    warnings: [...(shell.warning !== undefined ? [shell.warning] : []), ...view.warnings],
    command: (shellCode, args) => [...view.wrapper, ...shell.argv, '-c', `${view.prelude}${shellCode}`, ...args],
  };
}
