// Loading a CommonJS bundle with V8's code cache (edge; Node built-ins only, no import.meta: it
// runs from the CommonJS bin). `jailctl trace` spends milliseconds compiling its bundle and then
// each function it calls; the cache beside the bundle (made at build time by
// scripts/code-cache.mjs, from a `trace --dry-run`) holds that work, so it is read instead of
// redone. A cache made by another Node (or with other V8 flags) is refused by V8 and the bundle is
// compiled as usual; without one, it is simply required.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/** The bundle wrapped as CommonJS wraps a module, on its first line (line numbers unchanged). */
export function compileBundle(file: string, cachedData?: Buffer): Script {
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`;
  return new Script(source, { filename: file, ...(cachedData !== undefined ? { cachedData } : {}) });
}

/** Runs a compiled bundle as the module `file`. */
export function runBundle(script: Script, file: string): void {
  const module = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, dirname(file));
}

export function requireWithCodeCache(file: string, cacheFile: string): void {
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // documented fallback: no cache (not built, or removed): the bundle as any module
    createRequire(file)(file);
    return;
  }
  runBundle(compileBundle(file, cachedData), file);
}
