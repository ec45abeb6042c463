// `uci import [PKG]` (cli.c's uci_do_import): the packages read from the input replace those of
// the config folder, or with -m are merged into PKG as saved changes.
import { setTarget } from './delta.js';
import { addListItem, addSection, findSection, setOption, type UciSection } from './model.js';
import { parseUciFile, parseUciImport } from './parse.js';
import { commitPackage, savePackage, UciStoreError, type LoadedPackage } from './store.js';
import { delta, type UciSession } from './commands.js';

/** uci import [PKG]: replaces the packages read from the input (-m: merges into PKG). */
export function runImportCommand(session: UciSession, argv: readonly string[]): number {
  if (argv.length > 2 || (argv.length === 1 && session.merge)) return 255;
  const name = argv[1];
  const options = { strict: session.ctx.strict };
  try {
    const parsed = name === undefined ? parseUciImport(session.input(), options) : parseUciFile(session.input(), name, options);
    if (options.strict && parsed.errors.length > 0) {
      const e = parsed.errors[0]!;
      throw new UciStoreError('parse', `Parse error (${e.reason}) at line ${e.line}, byte ${e.byte}`, e);
    }
    if (session.merge && name !== undefined) return mergeInto(session, name, parsed.pkg.sections);
    for (const pkg of parsed.packages) {
      let target: LoadedPackage;
      try {
        target = session.load(pkg.name);
      } catch {
        target = { pkg, path: `${session.ctx.confdir}/${pkg.name}`, hasDelta: true, usesConf2: false, saved: [], pending: [], skipped: [], warnings: [] };
      }
      target.pkg = pkg;
      commitPackage(session.ctx, target, true);
    }
    return 0;
  } catch (err) {
    session.perror(err);
    return 1;
  }
}

function mergeInto(session: UciSession, name: string, sections: readonly UciSection[]): number {
  const loaded = session.load(name);
  for (const section of sections) {
    let target = findSection(loaded.pkg, section.name);
    if (section.anonymous || target === undefined) {
      if (section.anonymous) target = addSection(loaded.pkg, section.type);
      else {
        setTarget(loaded.pkg, section.name, undefined, section.type);
        target = findSection(loaded.pkg, section.name)!;
      }
      loaded.pending.push(delta(section.anonymous ? 'add' : 'change', target.name, undefined, section.type));
    }
    for (const option of section.options) {
      if (typeof option.value === 'string') {
        setOption(target, option.name, option.value);
        loaded.pending.push(delta('change', target.name, option.name, option.value));
      } else {
        for (const item of option.value) {
          addListItem(target, option.name, item);
          loaded.pending.push(delta('list-add', target.name, option.name, item));
        }
      }
    }
  }
  savePackage(session.ctx, loaded);
  return 0;
}
