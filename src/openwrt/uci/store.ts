// UCI packages on disk as libuci keeps them (file.c, delta.c, libuci.c): /etc/config/PKG (or an
// override in /var/run/uci), the changes saved in the delta folders (/tmp/.uci, plus -p/-P
// folders), `commit` writing the package back atomically, `revert` dropping saved changes.
// Edge: reads and writes files; everything else is in the pure modules beside it.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, appendFileSync, chmodSync } from 'node:fs';
import { basename, join } from 'node:path';
import { JailctlError } from '../../errors.js';
import { readInputFile } from '../../io/input-file.js';
import { INPUT_LIMITS } from '../../io/input-limits.js';
import { writeFileAtomic } from '../../io/write-atomic.js';
import { applyDelta, formatDelta, parseDeltaFile, readDeltaFile, type UciDelta } from './delta.js';
import { exportPackage } from './format.js';
import { isUciPackageName, type UciPackage } from './model.js';
import { parseUciFile, type UciParseError } from './parse.js';

export const UCI_CONFDIR = '/etc/config';
export const UCI_CONF2DIR = '/var/run/uci';
export const UCI_SAVEDIR = '/tmp/.uci';

export interface UciContext {
  confdir: string;
  /** override files: /var/run/uci/PKG is read instead of /etc/config/PKG when it exists */
  conf2dir: string | undefined;
  /** where new changes are saved */
  savedir: string;
  /** every folder changes are read from, in order; the save folder is last */
  deltaPaths: string[];
  strict: boolean;
  /** -S: print parse errors of skipped lines */
  printErrors: boolean;
  /** -n: export anonymous sections with their names */
  exportNames: boolean;
}

export function defaultContext(): UciContext {
  return { confdir: UCI_CONFDIR, conf2dir: UCI_CONF2DIR, savedir: UCI_SAVEDIR, deltaPaths: [UCI_SAVEDIR], strict: true, printErrors: false, exportNames: false };
}

/** uci_set_savedir: the folder becomes the save folder and moves to the end of the delta paths. */
export function setSavedir(ctx: UciContext, dir: string): void {
  ctx.deltaPaths = [...ctx.deltaPaths.filter((d) => d !== dir), dir];
  ctx.savedir = dir;
}

/** uci_add_delta_path: read before the save folder; false when it is listed already. */
export function addDeltaPath(ctx: UciContext, dir: string): boolean {
  if (ctx.deltaPaths.includes(dir)) return false;
  ctx.deltaPaths.splice(ctx.deltaPaths.length - 1, 0, dir);
  return true;
}

export class UciStoreError extends Error {
  constructor(readonly kind: 'notfound' | 'parse' | 'io' | 'invalid', message: string, readonly parse?: UciParseError) {
    super(message);
  }
}

export interface LoadedPackage {
  pkg: UciPackage;
  /** the file it was read from */
  path: string;
  /** changes are kept in delta files (false for a package given by path: saved at once) */
  hasDelta: boolean;
  usesConf2: boolean;
  /** the changes read from every delta path, in order (uci changes) */
  saved: UciDelta[];
  /** changes made now, not saved yet */
  pending: UciDelta[];
  /** parse errors of lines skipped in -S mode */
  skipped: UciParseError[];
  warnings: string[];
}

/** A package file: as for uci, anything but a regular file is "not found" (and is never
 * opened for reading: a FIFO would block, a device read without end); size-capped. */
function readRegularFile(path: string): Buffer {
  try {
    return readInputFile(path, '', INPUT_LIMITS.uci);
  } catch (err) {
    const code = err instanceof JailctlError ? (err.errno ?? err.code) : undefined;
    if (code === 'INPUT_NOT_REGULAR' || code === 'ENOENT' || code === 'ENOTDIR') throw new UciStoreError('notfound', `${path}: not found`);
    throw new UciStoreError('io', err instanceof Error ? err.message : `${path}: ${String(err)}`);
  }
}

/** uci_load: the package with the changes of every delta path applied. */
export function loadPackage(ctx: UciContext, name: string): LoadedPackage {
  const byPath = name.startsWith('/') || name.startsWith('./');
  if (name.startsWith('.') && !byPath) throw new UciStoreError('notfound', `${name}: not found`);
  if (!byPath && !isUciPackageName(name)) throw new UciStoreError('invalid', `invalid package name "${name}"`);
  const pkgName = byPath ? basename(name) : name;
  let path = byPath ? name : join(ctx.confdir, name);
  let usesConf2 = false;
  if (!byPath && ctx.conf2dir !== undefined && existsSync(join(ctx.conf2dir, name))) {
    path = join(ctx.conf2dir, name);
    usesConf2 = true;
  }
  const parsed = parseUciFile(readRegularFile(path), pkgName, { strict: ctx.strict });
  if (ctx.strict && parsed.errors.length > 0) {
    const e = parsed.errors[0]!;
    throw new UciStoreError('parse', `Parse error (${e.reason}) at line ${e.line}, byte ${e.byte}`, e);
  }
  const loaded: LoadedPackage = { pkg: parsed.pkg, path, hasDelta: !byPath, usesConf2, saved: [], pending: [], skipped: parsed.errors, warnings: parsed.warnings };
  if (loaded.hasDelta) loaded.saved = applyDeltaFiles(ctx, loaded.pkg);
  return loaded;
}

function readDeltas(dir: string, pkgName: string): UciDelta[] {
  const file = join(dir, pkgName);
  if (!existsSync(file)) return [];
  try {
    return parseDeltaFile(readFileSync(file, 'utf8'), pkgName);
  } catch {
    return [];
  }
}

function applyDeltaFiles(ctx: UciContext, pkg: UciPackage): UciDelta[] {
  const saved: UciDelta[] = [];
  for (const dir of ctx.deltaPaths) {
    for (const delta of readDeltas(dir, pkg.name)) {
      saved.push(delta);
      applyDelta(pkg, delta);
    }
  }
  return saved;
}

/** uci_save: appends the pending changes to the save folder (a package given by path is
 * committed instead, as libuci does). */
export function savePackage(ctx: UciContext, loaded: LoadedPackage): void {
  if (!loaded.hasDelta) return commitPackage(ctx, loaded, true);
  if (loaded.pending.length === 0) return;
  try {
    if (!existsSync(ctx.savedir)) mkdirSync(ctx.savedir, { recursive: true, mode: existsSync(ctx.confdir) ? statSync(ctx.confdir).mode & 0o7777 : 0o700 });
    else if (!statSync(ctx.savedir).isDirectory()) throw new Error(`${ctx.savedir} is not a directory`);
    // a new delta file takes the mode of the package's config file, as libuci's does
    const configFile = join(ctx.confdir, loaded.pkg.name);
    const mode = existsSync(configFile) ? statSync(configFile).mode & 0o7777 : 0o600;
    appendFileSync(join(ctx.savedir, loaded.pkg.name), loaded.pending.map((d) => formatDelta(loaded.pkg.name, d)).join(''), { mode });
  } catch (err) {
    throw new UciStoreError('io', `${ctx.savedir}: ${(err as Error).message}`);
  }
  loaded.saved.push(...loaded.pending);
  loaded.pending = [];
}

/**
 * uci_commit: saves pending changes, reads the file again, applies the changes of every delta
 * path, empties the save folder's file and writes the package back atomically, keeping its mode.
 * `overwrite` writes the package as it is in memory (uci import).
 */
export function commitPackage(ctx: UciContext, loaded: LoadedPackage, overwrite = false): void {
  const path = loaded.path;
  let pkg = loaded.pkg;
  if (loaded.hasDelta && !overwrite) {
    savePackage(ctx, loaded);
    const text = existsSync(path) ? readRegularFile(path) : Buffer.alloc(0);
    const parsed = parseUciFile(text, pkg.name, { strict: ctx.strict });
    if (ctx.strict && parsed.errors.length > 0) {
      const e = parsed.errors[0]!;
      throw new UciStoreError('parse', `Parse error (${e.reason}) at line ${e.line}, byte ${e.byte}`, e);
    }
    pkg = parsed.pkg;
    const changes = applyDeltaFiles(ctx, pkg);
    loaded.pkg = pkg;
    writePackageFile(path, exportPackage(pkg, { header: false, names: ctx.exportNames }));
    if (changes.length > 0) truncate(join(ctx.savedir, pkg.name));
    loaded.saved = [];
    return;
  }
  writePackageFile(path, exportPackage(pkg, { header: false, names: ctx.exportNames }));
}

function writePackageFile(path: string, text: string): void {
  const mode = existsSync(path) ? statSync(path).mode & 0o7777 : 0o600;
  try {
    writeFileAtomic(path, text, mode);
    chmodSync(path, mode);
  } catch (err) {
    throw new UciStoreError('io', `${path}: ${(err as Error).message}`);
  }
}

function truncate(path: string): void {
  if (existsSync(path)) writeFileSync(path, '');
}

/**
 * uci_revert: drops the saved changes of the package (or of one section or option) from the
 * save folder. A file holding a line libuci cannot read is left as it is, as libuci does.
 */
export function revertChanges(ctx: UciContext, pkgName: string, section?: string, option?: string): void {
  const file = join(ctx.savedir, pkgName);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return;
  }
  const { deltas, skipped } = readDeltaFile(text, pkgName);
  if (skipped > 0) return;
  const kept = deltas.filter((d) => !((section === undefined || d.section === section) && (option === undefined || d.option === option)));
  writeFileSync(file, kept.map((d) => formatDelta(pkgName, d)).join(''));
}

/** uci_list_configs: the files in the config folder whose names are package names. */
export function listPackages(ctx: UciContext): string[] {
  let names: string[];
  try {
    names = readdirSync(ctx.confdir);
  } catch {
    throw new UciStoreError('notfound', `${ctx.confdir}: not found`);
  }
  return names
    .filter((n) => !n.includes('.') && isUciPackageName(n))
    .filter((n) => {
      try {
        return !statSync(join(ctx.confdir, n)).isDirectory();
      } catch {
        return false;
      }
    })
    .sort();
}
