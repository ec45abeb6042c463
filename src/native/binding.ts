// The only importer of the .node file. Finds the addon and the executables built beside it
// (build/Release, then build/Debug, or $JAILCTL_NATIVE_DIR) and says how to build them when
// they are missing.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { JailctlError } from '../errors.js';
import { packageRoot } from '../io/package-root.js';
import type { NativeAddon } from './types.js';

function candidateDirs(): string[] {
  const fromEnv = process.env['JAILCTL_NATIVE_DIR'];
  return [...(fromEnv ? [fromEnv] : []), join(packageRoot(), 'build', 'Release'), join(packageRoot(), 'build', 'Debug')];
}

function findBuilt(file: string): string {
  const tried = candidateDirs().map((d) => join(d, file));
  const found = tried.find((p) => existsSync(p));
  if (found === undefined) {
    throw new JailctlError('NATIVE_NOT_BUILT', `the native part of jailctl is not built (looked for ${tried.join(', ')})`, {
      hint: 'run `npm run build:native` (needs python3, make and a C compiler)',
    });
  }
  return found;
}

let addon: NativeAddon | undefined;

export function addonPath(): string {
  return resolve(findBuilt('jailctl_native.node'));
}

export function loadAddon(): NativeAddon {
  if (addon === undefined) {
    // what require() of a .node file does, without its module resolution (an absolute path)
    const module = { exports: {} };
    process.dlopen(module, addonPath());
    addon = module.exports as NativeAddon;
  }
  return addon;
}

export function launcherPath(): string {
  return resolve(findBuilt('jailctl-launch'));
}

/** The failsafe daemon (native/failsafe/, built beside the launcher). */
export function failsafeDaemonPath(): string {
  return resolve(findBuilt('jailctl-failsafe'));
}
