#!/usr/bin/env node
// Bundles the CLI into one ES module (dist/jailctl.mjs): Node then loads one file instead of
// resolving ~40 modules, which is most of jailctl's own start-up time (see bench/).
import { build } from 'esbuild';
import { chmodSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'jailctl.mjs');
rmSync(join(root, 'dist', 'chunks'), { recursive: true, force: true });
await build({
  entryPoints: { jailctl: join(root, 'src', 'cli', 'main.ts') },
  outdir: join(root, 'dist'),
  outExtension: { '.js': '.mjs' },
  // each command's heavy modules (profile tables, failsafe, trace) become chunks loaded on use
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS dependencies (commander) call require() for Node built-ins: give the bundle one
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __jailctlRequire } from 'node:module';\nconst require = __jailctlRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
  // less to parse at every start; names stay readable in JAILCTL_DEBUG stack traces
  minifyWhitespace: true,
  minifySyntax: true,
});
chmodSync(outfile, 0o755);
