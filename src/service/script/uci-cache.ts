// What the shell library reads instead of running uci during an evaluation (edge): for each
// package in --config, the output of `uci -S -n export` (with and without /var/state's changes,
// for config_load) and a table of every `uci get` answer (for uci_get and `uci get`), plus the
// warnings a package deserves (lines uci skips, options set twice ...), shown when a script
// loads it. jailctl's uci command drops the cache as soon as a command may change something.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportPackage, getValue } from '../../openwrt/uci/format.js';
import type { UciPackage } from '../../openwrt/uci/model.js';
import { listPackages, loadPackage, setSavedir, type UciContext } from '../../openwrt/uci/store.js';

/** Every key `uci get PKG.KEY` answers and its output: sections by name, @type[N] and @[N]
 * (negative N too), with and without an option. */
export function getTable(pkg: UciPackage): Map<string, string> {
  const table = new Map<string, string>();
  const anyType = pkg.sections.length;
  const byType = new Map<string, number>();
  for (const s of pkg.sections) byType.set(s.type, (byType.get(s.type) ?? 0) + 1);
  const seen = new Map<string, number>();
  pkg.sections.forEach((section, index) => {
    const typeIndex = seen.get(section.type) ?? 0;
    seen.set(section.type, typeIndex + 1);
    const typeCount = byType.get(section.type)!;
    const refs = [section.name, `@${section.type}[${typeIndex}]`, `@${section.type}[${typeIndex - typeCount}]`, `@[${index}]`, `@[${index - anyType}]`];
    for (const ref of refs) {
      if (table.has(ref)) continue;
      table.set(ref, section.type);
      for (const option of section.options) table.set(`${ref}.${option.name}`, getValue(option));
    }
  });
  return table;
}

const STATE_DIR = '/var/state';

/** The words of a script that could name a UCI package (config_load "$NAME" names it through
 * NAME=dropbear), plus the packages jailctl's own library reads. */
export function packageWords(scriptText: string): Set<string> {
  return new Set([...(scriptText.match(/[A-Za-z0-9_-]+/g) ?? []), 'system', 'network']);
}

export interface UciCacheResult {
  packages: string[];
}

/**
 * Writes the cache into `dir` for the packages of ctx.confdir that `wanted` accepts (those a
 * script names: reading every package of a full /etc/config at each evaluation costs more than
 * the few runs of the uci command a package left out may need).
 */
export function writeUciCache(ctx: UciContext, dir: string, wanted: (name: string) => boolean = () => true): UciCacheResult {
  for (const sub of ['export/plain', 'export/state', 'get', 'warn']) mkdirSync(join(dir, sub), { recursive: true });
  let names: string[];
  try {
    names = listPackages(ctx).filter(wanted);
  } catch {
    return { packages: [] }; // no config folder: every config_load finds nothing, as on a bare device
  }
  const stateCtx: UciContext = { ...ctx, deltaPaths: [...ctx.deltaPaths], strict: false };
  setSavedir(stateCtx, STATE_DIR);
  for (const name of names) {
    const file = join(ctx.confdir, name);
    try {
      const loose = loadPackage({ ...ctx, strict: false }, name);
      const plain = exportPackage(loose.pkg, { header: true, names: true });
      writeFileSync(join(dir, 'export/plain', name), plain);
      // /var/state's changes, when there are any (uci -P /var/state, as config_load asks)
      const state = existsSync(join(STATE_DIR, name)) ? exportPackage(loadPackage(stateCtx, name).pkg, { header: true, names: true }) : plain;
      writeFileSync(join(dir, 'export/state', name), state);
      const notes = [
        ...loose.skipped.map((e) => `jailctl: warning: config ${file}: line ${e.line}: ${e.reason}; uci skips the line`),
        ...loose.warnings.map((w) => `jailctl: warning: config ${file}: ${w}`),
      ];
      if (notes.length > 0) writeFileSync(join(dir, 'warn', name), `${notes.join('\n')}\n`);
      if (loose.skipped.length > 0) continue; // strict uci fails on it: `uci get` must say so itself
      const table = getTable(loose.pkg);
      if ([...table.values()].some((v) => v.includes('\n'))) continue;
      writeFileSync(join(dir, 'get', name), [...table].map(([k, v]) => `${k}=${v}\n`).join(''));
    } catch {
      // unreadable: the uci command reports it when a script asks
    }
  }
  return { packages: names };
}
