// src/cli/code-cache.ts: a CommonJS bundle run with V8's code cache behaves as when required (its
// exports, require, __filename, __dirname, line numbers), with a good, a foreign or no cache; and
// the cache the build made for dist/trace.cjs is one this Node accepts.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { compileBundle, requireWithCodeCache, runBundle } from '../../../src/cli/code-cache.js';

const dir = mkdtempSync(join(tmpdir(), 'jailctl-code-cache-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const seen = join(dir, 'seen.json');
/** A bundle that writes what it saw where the test reads it (line 3 throws when asked to); each
 * test has its own source, since V8 keeps what it compiled in this process and would not even
 * look at a cache for the same source again. */
const makeBundle = (name: string): string => {
  const file = join(dir, `${name}.cjs`);
  writeFileSync(file, [
    `const { basename } = require('node:path');`,
    `require('node:fs').writeFileSync(${JSON.stringify(seen)}, JSON.stringify({ file: basename(__filename), dir: __dirname, exports: typeof exports, same: module.exports === exports }));`,
    `if (process.env.JC_THROW) throw new Error('line three'); // ${name}`,
  ].join('\n'));
  return file;
};

const sawAsModule = (t: Test, bundle: string): void => {
  t.same(JSON.parse(readFileSync(seen, 'utf8')), { file: bundle.slice(dir.length + 1), dir, exports: 'object', same: true });
  rmSync(seen);
};

t.test('without a cache the bundle is required as usual', async (t) => {
  const bundle = makeBundle('plain');
  requireWithCodeCache(bundle, join(dir, 'no-such.cache'));
  sawAsModule(t, bundle);
});

t.test('with a cache made after a run: accepted, and the module sees what a required one sees', async (t) => {
  const maker = makeBundle('cached');
  const first = compileBundle(maker);
  runBundle(first, maker);
  sawAsModule(t, maker);
  writeFileSync(`${maker}.cache`, first.createCachedData());
  // the same source under another name: this process has not compiled it yet
  const bundle = join(dir, 'cached-too.cjs');
  writeFileSync(bundle, readFileSync(maker));
  t.equal(compileBundle(bundle, readFileSync(`${maker}.cache`)).cachedDataRejected, false, 'V8 takes it');
  requireWithCodeCache(bundle, `${maker}.cache`);
  sawAsModule(t, bundle);
});

t.test('a cache that does not fit is refused by V8 and the bundle still runs', async (t) => {
  const bundle = makeBundle('foreign');
  writeFileSync(`${bundle}.bad`, Buffer.from('not a code cache'));
  t.equal(compileBundle(bundle, readFileSync(`${bundle}.bad`)).cachedDataRejected, true);
  requireWithCodeCache(bundle, `${bundle}.bad`);
  sawAsModule(t, bundle);
});

t.test("line numbers are the bundle's own (the wrapper adds no line)", async (t) => {
  process.env['JC_THROW'] = '1';
  t.teardown(() => delete process.env['JC_THROW']);
  const bundle = makeBundle('throws');
  let stack = '';
  try {
    runBundle(compileBundle(bundle), bundle);
  } catch (err) {
    stack = (err as Error).stack ?? '';
  }
  t.match(stack, /throws\.cjs:3\b/);
});

t.test('the build made a cache for dist/trace.cjs that this Node accepts', async (t) => {
  const trace = fileURLToPath(new URL('../../../../dist/trace.cjs', import.meta.url));
  t.ok(existsSync(`${trace}.cache`), 'dist/trace.cjs.cache exists');
  t.equal(compileBundle(trace, readFileSync(`${trace}.cache`)).cachedDataRejected, false);
});
