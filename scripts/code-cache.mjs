#!/usr/bin/env node
// Makes dist/trace.cjs.cache, V8's code cache of dist/trace.cjs (src/cli/code-cache.ts reads it).
// V8 puts in it every function compiled by the time it is made, so it is made after running the
// bundle: `node code-cache.mjs trace` traces /bin/true into a temporary directory (what a real
// trace runs: the launcher, the record decoding, the three outputs; ~10 ms of lazy compiling at
// each start otherwise), `node code-cache.mjs dry-run` only plans (`trace --dry-run`), for where
// tracing cannot run at build time (no native part yet, no ptrace). Run by bundle.mjs in a child
// process, trace first; failing here only means a slower start, so bundle.mjs warns and goes on.
// Written by rename(2), like every bundle file.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const { compileBundle, runBundle } = await import(join(dist, 'cli', 'code-cache.js'));
const bundle = join(dist, 'trace.cjs');
const script = compileBundle(bundle);
const mode = process.argv[2];
if (mode !== 'trace' && mode !== 'dry-run') throw new Error('usage: code-cache.mjs trace|dry-run');
const out = mkdtempSync(join(tmpdir(), 'jailctl-code-cache-'));
const args = mode === 'trace'
  ? ['-o', join(out, 'profile.json'), '--stats', join(out, 'stats.json'), '--mounts', join(out, 'mounts.json')]
  : ['--dry-run'];
process.argv = [process.argv[0], join(dist, 'jailctl.cjs'), 'trace', ...args, '--', '/bin/true'];
process.stdout.write = () => true; // the plan itself is not wanted
// on 'exit': the trace ends with process.exit() once its outputs are written (trace-main.ts)
process.on('exit', (code) => {
  rmSync(out, { recursive: true, force: true });
  if (code !== 0) return; // no cache of a failed run
  // by rename(2), as bundle.mjs writes every file: a starting jailctl never reads half a cache
  const temp = `${bundle}.cache.${process.pid}.tmp`;
  writeFileSync(temp, script.createCachedData());
  renameSync(temp, `${bundle}.cache`);
});
runBundle(script, bundle);
