#!/usr/bin/env node
// Builds the baseline seccomp filter (src/jail/baseline.ts) for every architecture into
// dist/baseline/<arch>.bpf, so `jailctl run` reads it instead of loading the compiler. Run by
// `npm run build:ts` after tsc (it needs dist/), so the file always matches the compiler built
// with it. Only the common case is prebuilt: no capability kept, set-ID bits refused.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { ARCH_NAMES } = await import(join(root, 'dist', 'profile', 'arch.js'));
const { compileBaseline } = await import(join(root, 'dist', 'jail', 'baseline.js'));

const outDir = join(root, 'dist', 'baseline');
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
for (const arch of ARCH_NAMES) {
  const target = join(outDir, `${arch}.bpf`);
  writeFileSync(`${target}.tmp`, compileBaseline(arch, {}).program);
  renameSync(`${target}.tmp`, target);
}
