// UCI's saved changes (delta.c): the lines `uci set/add/delete ...` append to /tmp/.uci/PKG
// before `uci commit` writes them into /etc/config/PKG (`+pkg.sec='type'`, `pkg.sec.opt='v'`,
// `-pkg.sec`, `@pkg.sec='new'`, `^pkg.sec='2'`, `|pkg.sec.list='v'`, `~pkg.sec.list='v'`), how
// they are read back (a line that does not parse or apply is skipped, as libuci does) and
// applied to a package. Pure.
import {
  addListItem, deleteListIndex, deleteListItem, deleteOption, deleteSection, findOption, isUciName, isUciPackageName, isUciText, isUciType,
  renameOption, renameSection, reorderSection, resolveSection, setOption, setSection, UciOperationError, type UciPackage,
} from './model.js';
import { ParseFailure, UciScanner } from './scan.js';

export type UciCommand = 'add' | 'remove' | 'change' | 'rename' | 'reorder' | 'list-add' | 'list-del';

export interface UciDelta {
  command: UciCommand;
  section: string;
  option?: string;
  value?: string;
}

const PREFIX: Record<UciCommand, string> = { add: '+', remove: '-', change: '', rename: '@', reorder: '^', 'list-add': '|', 'list-del': '~' };

/** `package.section[.option][=value]` as uci_parse_ptr splits it. */
export interface UciPointer {
  package: string;
  section?: string;
  option?: string;
  value?: string;
  /** the section is not a plain name (so it may be @type[N]) */
  extended: boolean;
}

/** Splits a tuple; undefined when it is malformed (uci's "Parse error" / UCI_ERR_PARSE). */
export function parsePointer(tuple: string): UciPointer | undefined {
  const eq = tuple.indexOf('=');
  const path = eq < 0 ? tuple : tuple.slice(0, eq);
  const value = eq < 0 ? undefined : tuple.slice(eq + 1);
  const parts = path.split('.');
  if (parts.length > 3) return undefined;
  const [pkg, section, option] = parts as [string, string?, string?];
  if (!isUciPackageName(pkg)) return undefined;
  if (option !== undefined && !isUciName(option)) return undefined;
  if (value !== undefined && !isUciText(value)) return undefined;
  const pointer: UciPointer = { package: pkg, extended: section !== undefined && !isUciName(section) };
  if (section !== undefined) pointer.section = section;
  if (option !== undefined) pointer.option = option;
  if (value !== undefined) pointer.value = value;
  return pointer;
}

/** One line of a delta file; undefined when libuci would skip it. */
export function parseDeltaLine(line: string, pkgName: string): UciDelta | undefined {
  return parseDeltaFile(line.endsWith('\n') ? line : `${line}\n`, pkgName)[0];
}

/** The changes in a delta file, skipping each line libuci would skip (a line may span lines). */
export function parseDeltaFile(text: string, pkgName: string): UciDelta[] {
  return readDeltaFile(text, pkgName).deltas;
}

/** The changes and the number of (logical) lines that could not be read. */
export function readDeltaFile(text: string, pkgName: string): { deltas: UciDelta[]; skipped: number } {
  const deltas: UciDelta[] = [];
  let skipped = 0;
  const scanner = new UciScanner(Buffer.from(text, 'utf8'));
  while (!scanner.buffer.atEnd) {
    try {
      const arg = scanner.argument(true);
      if (scanner.buffer.length === 0) continue;
      const delta = scanner.rest === '' ? deltaFromArgument(arg, pkgName) : undefined;
      if (delta !== undefined) deltas.push(delta);
      else skipped++;
    } catch (err) {
      if (!(err instanceof ParseFailure)) throw err;
      skipped++;
    }
  }
  return { deltas, skipped };
}

/** uci_parse_delta_tuple: the change one argument describes. */
function deltaFromArgument(arg: string, pkgName: string): UciDelta | undefined {
  const command = (Object.keys(PREFIX) as UciCommand[]).find((c) => PREFIX[c] !== '' && arg.startsWith(PREFIX[c])) ?? 'change';
  const pointer = parsePointer(command === 'change' ? arg : arg.slice(1));
  if (pointer === undefined || pointer.package !== pkgName || pointer.section === undefined || pointer.extended) return undefined;
  if (command !== 'remove' && pointer.value === undefined) return undefined;
  if (command === 'reorder' && pointer.option !== undefined) return undefined;
  if (command === 'rename' && !isUciName(pointer.value ?? '')) return undefined;
  if ((command === 'list-add' || command === 'list-del') && pointer.option === undefined) return undefined;
  const delta: UciDelta = { command, section: pointer.section };
  if (pointer.option !== undefined) delta.option = pointer.option;
  if (pointer.value !== undefined) delta.value = pointer.value;
  return delta;
}

/** The delta file line for a change (uci_delta_save), with its newline. */
export function formatDelta(pkgName: string, delta: UciDelta): string {
  const target = `${PREFIX[delta.command]}${pkgName}.${delta.section}${delta.option !== undefined ? `.${delta.option}` : ''}`;
  if (delta.command === 'remove' && delta.value === undefined) return `${target}\n`;
  return `${target}='${(delta.value ?? '').replaceAll("'", "'\\''")}'\n`;
}

/** Applies a change read from a delta file; false when libuci would have failed to apply it. */
export function applyDelta(pkg: UciPackage, delta: UciDelta): boolean {
  try {
    applyOrThrow(pkg, delta);
    return true;
  } catch (err) {
    if (err instanceof UciOperationError) return false;
    throw err;
  }
}

function applyOrThrow(pkg: UciPackage, delta: UciDelta): void {
  const section = resolveSection(pkg, delta.section);
  const notFound = () => new UciOperationError('notfound', `${pkg.name}.${delta.section}${delta.option ? `.${delta.option}` : ''}: not found`);
  switch (delta.command) {
    case 'reorder':
      if (section === undefined) throw notFound();
      reorderSection(pkg, section, leadingNumber(delta.value ?? ''));
      return;
    case 'rename': {
      if (section === undefined) throw notFound();
      if (delta.option === undefined) return renameSection(section, delta.value!);
      const option = findOption(section, delta.option);
      if (option === undefined) throw notFound();
      return renameOption(option, delta.value!);
    }
    case 'remove':
      return removeTarget(pkg, delta);
    case 'list-add':
      if (section === undefined) throw new UciOperationError('invalid', 'no such section');
      return addListItem(section, delta.option!, delta.value!);
    case 'list-del':
      if (section === undefined) throw new UciOperationError('invalid', 'no such section');
      deleteListItem(section, delta.option!, delta.value!);
      return;
    case 'add':
    case 'change': {
      setTarget(pkg, delta.section, delta.option, delta.value!);
      const made = resolveSection(pkg, delta.section);
      if (delta.command === 'add' && delta.option === undefined && made !== undefined) made.anonymous = true;
    }
  }
}

/** uci_set: an option of an existing section, or a section (created or retyped); '' deletes. */
export function setTarget(pkg: UciPackage, sectionName: string, option: string | undefined, value: string): void {
  if (option === undefined) {
    if (value !== '' && !isUciType(value)) throw new UciOperationError('invalid', `invalid section type "${value}"`);
    setSection(pkg, sectionName, value);
    return;
  }
  const section = resolveSection(pkg, sectionName);
  if (section === undefined) throw new UciOperationError('invalid', `section ${pkg.name}.${sectionName} does not exist`);
  setOption(section, option, value);
}

/** uci_delete: the section, the option, or (value N on a list) its Nth item. */
export function removeTarget(pkg: UciPackage, delta: Pick<UciDelta, 'section' | 'option' | 'value'>): void {
  const section = resolveSection(pkg, delta.section);
  const notFound = new UciOperationError('notfound', 'not found');
  if (section === undefined) throw notFound;
  if (delta.option === undefined) return deleteSection(pkg, section);
  const option = findOption(section, delta.option);
  if (option === undefined) throw notFound;
  if (Array.isArray(option.value) && delta.value !== undefined && delta.value !== '') {
    const index = scanInt(delta.value);
    if (index !== undefined) deleteListIndex(section, delta.option, index);
    return;
  }
  deleteOption(section, delta.option);
}

/** strtoul(value, NULL, 10): the leading digits, 0 without any. */
export function leadingNumber(text: string): number {
  const match = /^[ \t\n\v\f\r]*\+?(\d+)/.exec(text);
  return match === null ? 0 : Number(match[1]);
}

/** sscanf("%d"): an optionally signed decimal after blanks; undefined without one. */
export function scanInt(text: string): number | undefined {
  const match = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(text);
  return match === null ? undefined : Number(match[1]);
}
