#!/usr/bin/env node
// Bundles the CLI: Node then loads a few files instead of resolving ~40 modules, which is most
// of jailctl's own start-up time (see bench/).
//   dist/jailctl.cjs  the bin: CommonJS, so a `jailctl run` served from the plan cache never
//                     starts Node's ES module loader (src/cli/entry-cjs.ts)
//   dist/jailctl.mjs  the same entry as an ES module (src/cli/entry.ts)
//   dist/cli.mjs      the CLI itself, loaded by both when no cached plan can be used
//   dist/trace.cjs    `jailctl trace` alone as CommonJS: the bin loads it without the ES module
//                     loader (src/cli/trace-main.ts), with V8's code cache dist/trace.cjs.cache
//   dist/openwrt-tools.cjs  uci, validate_data, jshn and network-status for the init-script
//                     shell library (src/service/shim/openwrt/), which runs them in loops
// A jailctl may be running while this rebuilds (npm test during a long `jailctl service trace`):
// every bundle file is replaced by rename(2), so a running process keeps the file it opened, and
// chunks of earlier builds (hashed names) stay for a day so that a running CLI can still load
// them. (tsc's per-module output beside them is for scripts/, not what the bin loads.)
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const STALE_CHUNK_MS = 24 * 3600 * 1000;
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'none',
  // less to parse at every start; names stay readable in JAILCTL_DEBUG stack traces
  minifyWhitespace: true,
  minifySyntax: true,
  write: false,
};
const esm = await build({
  ...common,
  entryPoints: { jailctl: join(root, 'src', 'cli', 'entry.ts'), cli: join(root, 'src', 'cli', 'main.ts') },
  outdir: dist,
  outExtension: { '.js': '.mjs' },
  // each command's heavy modules (profile tables, failsafe, trace) become chunks loaded on use
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  // CommonJS dependencies (commander) call require() for Node built-ins: give the bundle one
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __jailctlRequire } from 'node:module';\nconst require = __jailctlRequire(import.meta.url);" },
});
const cjs = await build({
  ...common,
  entryPoints: [join(root, 'src', 'cli', 'entry-cjs.ts')],
  outfile: join(dist, 'jailctl.cjs'),
  format: 'cjs',
  banner: { js: '#!/usr/bin/env node' },
});

// commander requires node:child_process (and with it net and stream) at load time, for the
// executable subcommands jailctl never uses: in the trace bundle it gets a stand-in that loads
// the module only if one of its functions is called
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) => (/[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'lazy-child-process', namespace: 'jailctl-lazy' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'jailctl-lazy' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, name) => require('node:child_process')[name] });",
      loader: 'js',
    }));
  },
};
const trace = await build({
  ...common,
  plugins: [lazyChildProcess],
  entryPoints: [join(root, 'src', 'cli', 'trace-main.ts')],
  outfile: join(dist, 'trace.cjs'),
  format: 'cjs',
  // modules that find files beside themselves (the native part, ajv's runtime) get this file's URL
  banner: { js: "const __jailctlMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__jailctlMetaUrl' },
});

const tools = await build({
  ...common,
  entryPoints: [join(root, 'src', 'openwrt', 'tools-main.ts')],
  outfile: join(dist, 'openwrt-tools.cjs'),
  format: 'cjs',
});

// the code cache of the old trace.cjs goes before the new bundle is in place: V8 checks little
// more than the source's length, so an old cache must never meet a new bundle
rmSync(join(dist, 'trace.cjs.cache'), { force: true });
const BINS = new Set([join(dist, 'jailctl.mjs'), join(dist, 'jailctl.cjs')]);
const written = new Set();
// chunks first, the entries last: a new entry never points at a chunk that is not there yet
const files = [...esm.outputFiles, ...cjs.outputFiles, ...trace.outputFiles, ...tools.outputFiles].sort((a, b) => Number(!a.path.includes('/chunks/')) - Number(!b.path.includes('/chunks/')));
for (const file of files) {
  mkdirSync(dirname(file.path), { recursive: true });
  const temp = `${file.path}.${process.pid}.tmp`;
  writeFileSync(temp, file.contents, { mode: BINS.has(file.path) ? 0o755 : 0o644 });
  renameSync(temp, file.path);
  written.add(file.path);
}
const chunks = join(dist, 'chunks');
for (const name of readdirSync(chunks)) {
  const path = join(chunks, name);
  if (!written.has(path) && Date.now() - statSync(path).mtimeMs > STALE_CHUNK_MS) unlinkSync(path);
}
// the code cache needs dist/cli/code-cache.js (tsc's output) and the bundle; made after a trace of
// /bin/true, else (no launcher built yet, no ptrace here) after a dry run; without one, a slower start
const makeCache = (mode) => spawnSync(process.execPath, [join(root, 'scripts', 'code-cache.mjs'), mode], { encoding: 'utf8', timeout: 60_000 });
const made = (run) => run.status === 0 && existsSync(join(dist, 'trace.cjs.cache'));
let cache = makeCache('trace');
if (!made(cache)) cache = makeCache('dry-run');
if (!made(cache)) console.warn(`bundle: no code cache for dist/trace.cjs (${(cache.stderr || `exit ${cache.status}`).trim().split('\n')[0]})`);
