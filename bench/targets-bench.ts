// Sizes of the static programs for router architectures (npm run build:targets, musl, stripped)
// against the 256 KiB each may take, and the footprint of a jailctl install on a router without
// Node: the two programs, the listener's profile and capabilities, and the init scripts.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Row } from './table.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const LIMIT = 256 * 1024;
const PROGRAMS = ['jailctl-launch', 'jailctl-failsafe'];
const DATA = ['profiles/failsafe-listener.json', 'profiles/failsafe-listener.capabilities.json', 'init.d/failsafe-listener', 'init.d/preinit/35_check_failsafe_flag'];

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

export function runTargetsBench(): Row[] {
  const dir = join(REPO, 'build', 'targets');
  const arches = existsSync(dir) ? readdirSync(dir).filter((a) => existsSync(join(dir, a, 'jailctl-failsafe'))) : [];
  if (arches.length === 0) return [{ bench: 'static binaries', subject: 'skipped', value: '-', note: 'run `npm run build:targets` first' }];
  const rows: Row[] = [];
  const data = DATA.reduce((sum, f) => sum + statSync(join(REPO, f)).size, 0);
  for (const arch of arches) {
    const sizes = PROGRAMS.map((p) => statSync(join(dir, arch, p)).size);
    PROGRAMS.forEach((p, i) => rows.push({ bench: 'static binaries', subject: `${p} (${arch})`, value: kib(sizes[i]!), note: `${((sizes[i]! / LIMIT) * 100).toFixed(0)}% of 256 KiB` }));
    const total = sizes.reduce((a, b) => a + b, 0) + data;
    rows.push({ bench: 'router footprint', subject: `launcher + failsafe daemon + profile + init scripts (${arch})`, value: kib(total), note: `${kib(data)} of it text files` });
  }
  return rows;
}
