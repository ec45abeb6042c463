// The uci commands themselves (cli.c's uci_do_section_cmd, package_cmd, uci_do_add,
// uci_do_import) over the store: look a tuple up, change the package, save the change to the
// delta folder, print what uci prints. The session holds the options and the packages read
// during one command.
import { removeTarget, setTarget, parsePointer, scanInt, leadingNumber, type UciDelta, type UciPointer } from './delta.js';
import { exportPackage, formatChanges, getValue, showOption, showPackage, showSection } from './format.js';
import {
  addListItem, addSection, deleteListItem, findExtendedSection, findOption, findSection, isUciName, isUciType, renameOption, renameSection,
  reorderSection, setOption, UciOperationError, type UciOption, type UciSection,
} from './model.js';
import { UciScanner, ParseFailure } from './scan.js';
import { commitPackage, listPackages, loadPackage, revertChanges, savePackage, UciStoreError, type LoadedPackage, type UciContext } from './store.js';
import type { UciIo } from './cli.js';

const ERROR_TEXT = { invalid: 'Invalid argument', notfound: 'Entry not found', io: 'I/O error', parse: 'Parse error' } as const;
/** libuci's error numbers, the exit status of `uci add` */
const ERROR_NUMBER = { invalid: 2, notfound: 3, io: 4, parse: 5 } as const;

type ErrorKind = keyof typeof ERROR_TEXT;

export class UciSession {
  delimiter = ' ';
  merge = false;
  noCommit = false;
  quiet = false;
  extendedShow = true;
  input: () => string;
  private readonly loaded = new Map<string, LoadedPackage>();

  constructor(readonly ctx: UciContext, readonly io: UciIo, readonly appname: string) {
    this.input = io.input;
  }

  error(text: string): void {
    if (!this.quiet) this.io.err(text);
  }

  /** cli_perror: `uci: Entry not found` (nothing with -q). */
  perror(err: unknown): void {
    if (this.quiet) return;
    if (err instanceof UciStoreError && err.kind === 'parse') this.io.err(`${this.appname}: ${err.message}\n`);
    else this.io.err(`${this.appname}: ${ERROR_TEXT[errorKind(err)]}\n`);
  }

  /** The package, read once per command; lines skipped under -S are reported as uci does. */
  load(name: string): LoadedPackage {
    const known = this.loaded.get(name);
    if (known !== undefined) return known;
    const loaded = loadPackage(this.ctx, name);
    if (this.ctx.printErrors) for (const e of loaded.skipped) this.io.err(`Parse error (${e.reason}) at line ${e.line}, byte ${e.byte}\n`);
    this.loaded.set(name, loaded);
    return loaded;
  }

  unload(name: string): void {
    this.loaded.delete(name);
  }

  unloadAll(): void {
    this.loaded.clear();
  }

  /** The commands of `uci batch`: words of each line until an empty one. */
  *batchCommands(): Generator<string[]> {
    const scanner = new UciScanner(Buffer.from(this.input(), 'utf8'));
    while (!scanner.buffer.atEnd) {
      const argv: string[] = [];
      try {
        for (let word = scanner.argument(true); word !== ''; word = scanner.argument(false)) {
          argv.push(word);
          if (argv.length > 3) break;
        }
      } catch (err) {
        if (!(err instanceof ParseFailure)) throw err;
        this.perror(new UciStoreError('parse', `Parse error (${err.reason})`));
        continue;
      }
      yield argv;
    }
  }
}

function errorKind(err: unknown): ErrorKind {
  if (err instanceof UciStoreError) return err.kind;
  if (err instanceof UciOperationError) return err.kind;
  throw err;
}

interface Lookup {
  pointer: UciPointer;
  loaded: LoadedPackage;
  section?: UciSection;
  option?: UciOption;
  /** every part named was found */
  complete: boolean;
}

/** uci_lookup_ptr with the extended syntax: throws for a malformed tuple or a missing package. */
function lookup(session: UciSession, tuple: string): Lookup {
  const pointer = parsePointer(tuple);
  if (pointer === undefined) throw new UciStoreError('parse', 'Parse error');
  const loaded = session.load(pointer.package);
  const result: Lookup = { pointer, loaded, complete: false };
  if (pointer.section === undefined) return { ...result, complete: true };
  const section = pointer.extended ? findExtendedSection(loaded.pkg, pointer.section) : findSection(loaded.pkg, pointer.section);
  if (section === undefined) return result;
  result.section = section;
  pointer.section = section.name;
  if (pointer.option === undefined) return { ...result, complete: true };
  const option = findOption(section, pointer.option);
  if (option === undefined) return result;
  return { ...result, option, complete: true };
}

function record(lookupResult: Lookup, change: UciDelta): void {
  lookupResult.loaded.pending.push(change);
}

export function delta(command: UciDelta['command'], section: string, option: string | undefined, value: string | undefined): UciDelta {
  const d: UciDelta = { command, section };
  if (option !== undefined) d.option = option;
  if (value !== undefined) d.value = value;
  return d;
}

const TAKES_VALUE = new Set(['set', 'del', 'delete', 'add_list', 'del_list', 'ren', 'rename', 'reorder']);

/** get, set, add_list, del_list, delete, rename, revert, reorder on one tuple. */
export function runSectionCommand(session: UciSession, name: string, argv: readonly string[]): number {
  if (argv.length !== 2) return 255;
  let found: Lookup;
  try {
    found = lookup(session, argv[1]!);
  } catch (err) {
    session.perror(err);
    return 1;
  }
  const { pointer } = found;
  if (pointer.value !== undefined && !TAKES_VALUE.has(name)) return 1;
  try {
    switch (name) {
      case 'get': return printValue(session, found);
      case 'revert':
        revertChanges(session.ctx, pointer.package, pointer.section, pointer.option);
        session.unload(pointer.package);
        return 0;
      case 'set': change(found); break;
      case 'add_list': addToList(found); break;
      case 'del_list': deleteFromList(found); break;
      case 'ren': case 'rename': rename(found); break;
      case 'reorder': reorder(found); break;
      case 'del': case 'delete':
        if (pointer.value !== undefined && scanInt(pointer.value) === undefined) return 1;
        remove(found);
        break;
    }
    savePackage(session.ctx, found.loaded);
    return 0;
  } catch (err) {
    session.perror(err);
    return 1;
  }
}

function printValue(session: UciSession, found: Lookup): number {
  if (!found.complete) throw new UciStoreError('notfound', 'not found');
  if (found.option !== undefined) session.io.out(`${getValue(found.option, session.delimiter)}\n`);
  else if (found.section !== undefined) session.io.out(`${found.section.type}\n`);
  return 0;
}

/** uci_set: no change is recorded when the value is the same; an empty value deletes. */
function change(found: Lookup): void {
  const { pointer, loaded } = found;
  const value = pointer.value;
  if (value === undefined || pointer.section === undefined) throw new UciOperationError('invalid', 'set needs a value');
  if (found.section === undefined && (pointer.option !== undefined || pointer.extended)) throw new UciOperationError('invalid', 'no such section');
  if (value === '') {
    if (!found.complete) return;
    removeTarget(loaded.pkg, { section: pointer.section, ...(pointer.option !== undefined ? { option: pointer.option } : {}) });
    record(found, delta('remove', pointer.section, pointer.option, undefined));
    return;
  }
  if (pointer.option === undefined && !isUciType(value)) throw new UciOperationError('invalid', 'bad type');
  if (pointer.option !== undefined ? found.option?.value === value : found.section?.type === value) return;
  setTarget(loaded.pkg, pointer.section, pointer.option, value);
  record(found, delta('change', pointer.section, pointer.option, value));
}

function addToList(found: Lookup): void {
  const { pointer } = found;
  if (found.section === undefined || pointer.option === undefined || pointer.value === undefined) throw new UciOperationError('invalid', 'add_list needs an existing section, an option and a value');
  addListItem(found.section, pointer.option, pointer.value);
  record(found, delta('list-add', found.section.name, pointer.option, pointer.value));
}

function deleteFromList(found: Lookup): void {
  const { pointer } = found;
  if (found.section === undefined || pointer.value === undefined) throw new UciOperationError('invalid', 'del_list needs an existing section and a value');
  if (found.option === undefined || pointer.option === undefined || !Array.isArray(found.option.value)) return;
  deleteListItem(found.section, pointer.option, pointer.value);
  record(found, delta('list-del', found.section.name, pointer.option, pointer.value));
}

function rename(found: Lookup): void {
  const { pointer } = found;
  if (!found.complete) throw new UciStoreError('notfound', 'not found');
  if (found.section === undefined || pointer.value === undefined) throw new UciOperationError('invalid', 'rename needs a section and a new name');
  if (!isUciName(pointer.value)) throw new UciOperationError('invalid', 'bad name');
  record(found, delta('rename', found.section.name, pointer.option, pointer.value));
  if (found.option !== undefined) renameOption(found.option, pointer.value);
  else renameSection(found.section, pointer.value);
}

function reorder(found: Lookup): void {
  const { pointer } = found;
  if (found.section === undefined || pointer.value === undefined) throw new UciStoreError('notfound', 'not found');
  const position = leadingNumber(pointer.value);
  if (reorderSection(found.loaded.pkg, found.section, position)) record(found, delta('reorder', found.section.name, undefined, String(position)));
}

function remove(found: Lookup): void {
  const { pointer } = found;
  if (!found.complete) throw new UciStoreError('notfound', 'not found');
  if (found.section === undefined) throw new UciOperationError('invalid', 'delete needs a section');
  const byIndex = found.option !== undefined && Array.isArray(found.option.value) && pointer.value !== undefined && pointer.value !== '';
  removeTarget(found.loaded.pkg, { section: found.section.name, ...(pointer.option !== undefined ? { option: pointer.option } : {}), ...(byIndex ? { value: pointer.value! } : {}) });
  record(found, delta('remove', found.section.name, pointer.option, byIndex ? pointer.value : undefined));
}

/** show, export, commit, changes: of one package (or tuple), or of every package. */
export function runPackageCommand(session: UciSession, name: string, argv: readonly string[]): number {
  if (argv.length > 2) return 255;
  if (argv.length === 2) return packageCommand(session, name, argv[1]!);
  let packages: string[];
  try {
    packages = listPackages(session.ctx);
  } catch (err) {
    session.perror(err);
    return 1;
  }
  for (const pkg of packages) packageCommand(session, name, pkg);
  return 0;
}

function packageCommand(session: UciSession, name: string, tuple: string): number {
  let found: Lookup;
  try {
    found = lookup(session, tuple);
  } catch (err) {
    session.perror(err);
    return 1;
  }
  const { loaded } = found;
  try {
    switch (name) {
      case 'changes': session.io.out(formatChanges(loaded.pkg.name, loaded.saved)); break;
      case 'commit': if (!session.noCommit) commitPackage(session.ctx, loaded); break;
      case 'export': session.io.out(exportPackage(loaded.pkg, { header: true, names: session.ctx.exportNames })); break;
      case 'show':
        if (!found.complete) throw new UciStoreError('notfound', 'not found');
        if (found.option !== undefined) session.io.out(showOption(loaded.pkg, found.section!, found.option));
        else if (found.section !== undefined) session.io.out(showSection(loaded.pkg, found.section));
        else session.io.out(showPackage(loaded.pkg, { extended: session.extendedShow, delimiter: session.delimiter }));
        break;
    }
    return 0;
  } catch (err) {
    session.perror(err);
    return 1;
  } finally {
    session.unload(loaded.pkg.name);
  }
}

/** uci add PKG TYPE: a new anonymous section; prints its name. */
export function runAddCommand(session: UciSession, argv: readonly string[]): number {
  if (argv.length !== 3) return 255;
  try {
    const loaded = session.load(argv[1]!);
    const type = argv[2]!;
    if (!isUciType(type)) throw new UciOperationError('invalid', 'bad type');
    const section = addSection(loaded.pkg, type);
    loaded.pending.push(delta('add', section.name, undefined, type));
    savePackage(session.ctx, loaded);
    session.io.out(`${section.name}\n`);
    return 0;
  } catch (err) {
    session.perror(err);
    return ERROR_NUMBER[errorKind(err)];
  }
}
