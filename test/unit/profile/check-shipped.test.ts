// Every shipped profile (profiles/**/*.json but the schemas, jail specs and capabilities files) passes
// the checks and compiles for every architecture jailctl supports; every capabilities file parses.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import t from 'tap';
import { parseCapabilities } from '../../../src/jail/caps.js';
import { ARCH_NAMES } from '../../../src/profile/arch.js';
import { compileFilter } from '../../../src/profile/compile.js';
import { parseProfile } from '../../../src/profile/parse.js';
import { REPO } from '../../helpers/jailctl.js';

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'schema' ? [] : jsonFiles(path);
    return e.name.endsWith('.json') && !e.name.endsWith('.jail.json') ? [path] : []; // .jail.json: jail specs
  });
}

const CAPABILITIES = /\.capabilities\.json$/;
const all = jsonFiles(join(REPO, 'profiles'));
const files = all.filter((f) => !CAPABILITIES.test(f));

t.test('the shipped services have their profiles', async (t) => {
  for (const name of ['httpd-example', 'failsafe-listener']) t.ok(files.includes(join(REPO, 'profiles', `${name}.json`)), name);
});

for (const file of all.filter((f) => CAPABILITIES.test(f))) {
  t.test(relative(REPO, file), async (t) => {
    t.doesNotThrow(() => parseCapabilities(readFileSync(file, 'utf8'), file));
  });
}

t.test('there are shipped profiles in every format', async (t) => {
  const formats = files.map((f) => parseProfile(readFileSync(f, 'utf8'), f).format);
  for (const format of ['oci', 'legacy', 'docker']) t.ok(formats.includes(format as 'oci'), format);
});

for (const file of files) {
  const name = relative(REPO, file);
  t.test(name, async (t) => {
    const text = readFileSync(file, 'utf8');
    for (const arch of ARCH_NAMES) {
      const { parsed, problems } = parseProfile(text, name, { arch, strict: true, forRun: true, docker: { arch, kernel: '6.1' } });
      t.same(problems, [], `${arch}: no problems, no warnings, fit for jailctl run`);
      if (parsed === undefined) continue;
      const filter = compileFilter(parsed.profile, arch);
      t.ok(filter.instructions.length > 3 && filter.instructions.length <= 4096, `${arch}: ${filter.instructions.length} instructions`);
    }
  });
}
