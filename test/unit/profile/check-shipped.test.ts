// Every shipped profile (profiles/**/*.json but the schemas) passes the checks and compiles
// for every architecture jailctl supports.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import t from 'tap';
import { ARCH_NAMES } from '../../../src/profile/arch.js';
import { compileFilter } from '../../../src/profile/compile.js';
import { parseProfile } from '../../../src/profile/parse.js';
import { REPO } from '../../helpers/jailctl.js';

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'schema' ? [] : jsonFiles(path);
    return e.name.endsWith('.json') ? [path] : [];
  });
}

const files = jsonFiles(join(REPO, 'profiles'));

t.test('there are shipped profiles in both formats', async (t) => {
  const formats = files.map((f) => parseProfile(readFileSync(f, 'utf8'), f).format);
  t.ok(formats.includes('oci'));
  t.ok(formats.includes('legacy'));
});

for (const file of files) {
  const name = relative(REPO, file);
  t.test(name, async (t) => {
    const text = readFileSync(file, 'utf8');
    for (const arch of ARCH_NAMES) {
      const { parsed, problems } = parseProfile(text, name, { arch });
      t.same(problems, [], `${arch}: no problems`);
      if (parsed === undefined) continue;
      const filter = compileFilter(parsed.profile, arch);
      t.ok(filter.instructions.length > 3 && filter.instructions.length <= 4096, `${arch}: ${filter.instructions.length} instructions`);
    }
  });
}
