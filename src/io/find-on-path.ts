// An executable looked up in a PATH-style list of folders (edge): the first entry holding an
// executable file of that name, as a shell's command lookup finds it.
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { hostSearchPath } from '../jail/spec.js';

export function findOnPath(name: string, searchPath = hostSearchPath()): string | undefined {
  for (const dir of searchPath.split(':')) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // documented fallback: not in this PATH entry, try the next
    }
  }
  return undefined;
}
