// Where jailctl is installed (edge): the folder holding binding.gyp, found upwards from this
// module, bundled (dist/chunks) or not (dist/io, build-test/src/io). dist/, build/, profiles/,
// init.d/ and src/service/shim/ are beside it in a checkout and in the installed package.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | undefined;

/** Looked up once per process: planning (the prebuilt baseline) and the launcher both ask. */
export function packageRoot(): string {
  found ??= lookUp(dirname(fileURLToPath(import.meta.url)));
  return found;
}

function lookUp(here: string): string {
  for (let dir = here; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir;
    if (dirname(dir) === dir) return resolve(here, '..', '..'); // documented fallback: dist/<folder>/
  }
}
