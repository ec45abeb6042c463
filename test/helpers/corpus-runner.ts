// Evaluates every init script of a folder (argv: folder, config folder) and prints one JSON
// line per script: its name, the instances' commands or the error. Run inside a throwaway root
// by the corpus test, since real scripts change the host when their start_service runs.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateInitScript } from '../../src/service/script/evaluate.js';

const [folder, configDir] = process.argv.slice(2) as [string, string];
for (const name of readdirSync(folder).sort()) {
  const script = join(folder, name);
  if (!statSync(script).isFile()) continue;
  try {
    const { service, warnings } = evaluateInitScript({ script, name, configDir, action: 'dump', timeoutMs: 60_000 });
    const commands = Object.fromEntries(Object.entries(service.instances).map(([k, v]) => [k, v.command ?? []]));
    process.stdout.write(`${JSON.stringify({ name, ok: true, commands, warnings })}\n`);
  } catch (err) {
    process.stdout.write(`${JSON.stringify({ name, ok: false, error: (err as Error).message })}\n`);
  }
}
