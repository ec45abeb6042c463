// The only importer of the .node file. Finds the addon and the launcher executable built by
// node-gyp (build/Release, then build/Debug, or $JAILCTL_NATIVE_DIR) and says how to build
// them when they are missing.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JailctlError } from '../errors.js';
import type { NativeAddon } from './types.js';

/** The folder holding binding.gyp: dist/ and build/ are beside it (works bundled or not). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'binding.gyp'))) {
    const parent = dirname(dir);
    if (parent === dir) return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
    dir = parent;
  }
  return dir;
}

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
    const require = createRequire(import.meta.url);
    addon = require(addonPath()) as NativeAddon;
  }
  return addon;
}

export function launcherPath(): string {
  return resolve(findBuilt('jailctl-launch'));
}
