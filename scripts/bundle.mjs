#!/usr/bin/env node
// Bundles the CLI: Node then loads a few files instead of resolving ~40 modules, which is most
// of jailctl's own start-up time (see bench/).
//   dist/jailctl.cjs  the bin: CommonJS, so a `jailctl run` served from the plan cache never
//                     starts Node's ES module loader (src/cli/entry-cjs.ts)
//   dist/jailctl.mjs  the same entry as an ES module (src/cli/entry.ts)
//   dist/cli.mjs      the CLI itself, loaded by both when no cached plan can be used
//   dist/trace.cjs    `jailctl trace` alone as CommonJS: the bin loads it without the ES module
//                     loader (src/cli/trace-main.ts), with V8's code cache dist/trace.cjs.cache
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'none',
  // less to parse at every start; names stay readable in JAILCTL_DEBUG stack traces
  minifyWhitespace: true,
  minifySyntax: true,
};
rmSync(join(root, 'dist', 'chunks'), { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { jailctl: join(root, 'src', 'cli', 'entry.ts'), cli: join(root, 'src', 'cli', 'main.ts') },
  outdir: join(root, 'dist'),
  outExtension: { '.js': '.mjs' },
  // each command's heavy modules (profile tables, failsafe, trace) become chunks loaded on use
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  // CommonJS dependencies (commander) call require() for Node built-ins: give the bundle one
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __jailctlRequire } from 'node:module';\nconst require = __jailctlRequire(import.meta.url);" },
});
await build({
  ...common,
  entryPoints: [join(root, 'src', 'cli', 'entry-cjs.ts')],
  outfile: join(root, 'dist', 'jailctl.cjs'),
  format: 'cjs',
  banner: { js: '#!/usr/bin/env node' },
});
await build({
  ...common,
  entryPoints: [join(root, 'src', 'cli', 'trace-main.ts')],
  outfile: join(root, 'dist', 'trace.cjs'),
  format: 'cjs',
  // modules that find files beside themselves (the native part, ajv's runtime) get this file's URL
  banner: { js: "const __jailctlMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__jailctlMetaUrl' },
});
// the code cache needs dist/cli/code-cache.js (tsc's output) and the bundle; without it, a slower start
rmSync(join(root, 'dist', 'trace.cjs.cache'), { force: true });
const cache = spawnSync(process.execPath, [join(root, 'scripts', 'code-cache.mjs')], { encoding: 'utf8' });
if (cache.status !== 0) console.warn(`bundle: no code cache for dist/trace.cjs (${(cache.stderr || `exit ${cache.status}`).trim().split('\n')[0]})`);
for (const bin of ['jailctl.mjs', 'jailctl.cjs']) chmodSync(join(root, 'dist', bin), 0o755);
