// The baseline filter as built with jailctl (edge: reads a file). scripts/gen-baseline.mjs writes
// dist/baseline/<arch>.bpf at build time from baseline.ts and the compiler, so a plain
// `jailctl run` reads ~2 KB instead of loading the compiler and every syscall table.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isErrnoError } from '../errors.js';
import { packageRoot } from '../io/package-root.js';
import { BASELINE_ENTRIES } from './baseline-entries.js';

export function prebuiltBaselinePath(arch: string): string {
  return join(packageRoot(), 'dist', 'baseline', `${arch}.bpf`);
}

/** The prebuilt program, or undefined where none was built (then it is compiled instead). */
export function readPrebuiltBaseline(arch: string): Uint8Array | undefined {
  try {
    return new Uint8Array(readFileSync(prebuiltBaselinePath(arch)));
  } catch (err) {
    if (isErrnoError(err) && err.code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The kept capabilities that lift a baseline entry; with none the prebuilt filter is the one. */
export function liftingCapabilities(kept: readonly string[]): string[] {
  return kept.filter((cap) => BASELINE_ENTRIES.some((e) => e.liftedBy?.includes(cap)));
}
