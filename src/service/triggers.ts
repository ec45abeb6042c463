// `jailctl service reload-config` (edge): OpenWrt's reload_config. The UCI packages in --config
// are hashed and compared with the hashes of the previous run (STATE/config.sha256.json, like
// OpenWrt's /var/run/config.md5); for each changed or removed package the services whose
// config.change triggers name it (procd_add_reload_trigger) run their action, normally reload.
// The first run only records the hashes, as reload_config does.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/write-atomic.js';
import { emptyReport, fireConfigChange, type ApplyReport } from './apply.js';
import type { ServiceContext } from './context.js';
import { trapInterrupts } from './interrupts.js';
import { readTextIfExists } from './record.js';

const CHECK_FILE = 'config.sha256.json';

/** Pure: the packages whose hash changed or that are gone; none without a previous record. */
export function changedPackages(previous: Record<string, string> | undefined, current: Record<string, string>): string[] {
  if (previous === undefined) return [];
  return Object.keys(previous).filter((pkg) => previous[pkg] !== current[pkg]).sort();
}

function hashPackages(configDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  let names: string[] = [];
  try {
    names = readdirSync(configDir).filter((n) => /^[A-Za-z0-9_-]+$/.test(n));
  } catch {
    return out; // documented fallback: no config folder has no packages
  }
  for (const name of names) {
    try {
      const file = join(configDir, name);
      if (statSync(file).isFile()) out[name] = createHash('sha256').update(readFileSync(file)).digest('hex');
    } catch {
      continue; // documented fallback: a package that vanished meanwhile is not there
    }
  }
  return out;
}

export interface ReloadConfigOutcome {
  changed: string[];
  report: ApplyReport;
}

export async function reloadConfig(base: Omit<ServiceContext, 'name'>): Promise<ReloadConfigOutcome> {
  const checkFile = join(base.stateDir, CHECK_FILE);
  const text = readTextIfExists(checkFile);
  let previous: Record<string, string> | undefined;
  try {
    previous = text === undefined ? undefined : JSON.parse(text) as Record<string, string>;
  } catch {
    previous = undefined; // documented fallback: a torn record starts over, as a first run
  }
  const current = hashPackages(base.configDir);
  const changed = changedPackages(previous, current);
  writeFileAtomic(checkFile, `${JSON.stringify(current, null, 2)}\n`);
  const report = emptyReport();
  const guard = trapInterrupts('service reload-config');
  try {
    const apply = { context: { ...base, name: '' }, description: { hooks: [], commands: [], start: '', stop: '' }, guard, report, depth: 0 };
    for (const pkg of changed) await fireConfigChange(apply, pkg);
  } finally {
    guard.release();
  }
  return { changed, report };
}
