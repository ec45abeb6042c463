#!/usr/bin/env node
// Makes dist/trace.cjs.cache, V8's code cache of dist/trace.cjs after a `jailctl trace --dry-run`
// (which compiles the CLI and the planners; src/cli/code-cache.ts reads it). Run by bundle.mjs in
// a child process: the dry run plans and prints, and runs nothing. Failing here only means a
// slower start, so bundle.mjs warns and goes on. Written by rename(2), like every bundle file.
import { renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const { compileBundle, runBundle } = await import(join(dist, 'cli', 'code-cache.js'));
const bundle = join(dist, 'trace.cjs');
const script = compileBundle(bundle);
process.argv = [process.argv[0], join(dist, 'jailctl.cjs'), 'trace', '--dry-run', '--', '/bin/true'];
process.stdout.write = () => true; // the plan itself is not wanted
process.on('beforeExit', () => {
  if (process.exitCode !== undefined && process.exitCode !== 0) return; // no cache of a failed run
  // by rename(2), as bundle.mjs writes every file: a starting jailctl never reads half a cache
  const temp = `${bundle}.cache.${process.pid}.tmp`;
  writeFileSync(temp, script.createCachedData());
  renameSync(temp, `${bundle}.cache`);
});
runBundle(script, bundle);
