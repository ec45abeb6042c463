// Reading UCI files as libuci does (file.c's uci_parse_line): `package`, `config`, `option`,
// `list` (or p, c, o, l), strict mode (the first error fails the file) and -S (a broken line is
// skipped); words come from scan.ts. Also notes what uci resolves silently (an option set twice,
// a section declared twice, an option and a list of one name) as warnings. Pure.
import { addListItem, addSection, findOption, findSection, isUciType, newPackage, setOption, setSection, type UciPackage, type UciSection } from './model.js';
import { ParseFailure, UciScanner } from './scan.js';

export interface UciParseError {
  reason: string;
  /** the physical line the parser had reached, from 1 */
  line: number;
  /** the offset in the (logical) line buffer */
  byte: number;
}

export interface UciParseResult {
  pkg: UciPackage;
  /** every package read: one, or those named by `package` lines when no name was given */
  packages: UciPackage[];
  /** in strict mode at most one, and then `pkg` is only what was read before it */
  errors: UciParseError[];
  /** what uci resolves without a word: duplicates, mixed option/list */
  warnings: string[];
}

export interface UciParseOptions {
  /** uci's default; -S turns it off */
  strict: boolean;
  /** a file given by path may name its package (`package NAME`); /etc/config files may not */
  single?: boolean;
}

/** Parses a UCI file into a package named `name`. */
export function parseUciFile(text: string | Buffer, name: string, options: UciParseOptions = { strict: true }): UciParseResult {
  return new UciFileParser(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, name, { single: true, ...options }).run();
}

/** `uci import` without a name: the packages its `package NAME` lines open. */
export function parseUciImport(text: string | Buffer, options: UciParseOptions): UciParseResult {
  return new UciFileParser(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, undefined, { ...options, single: false }).run();
}

class UciFileParser {
  private readonly scanner: UciScanner;
  private current: UciPackage | undefined;
  private readonly packages: UciPackage[] = [];
  private section: UciSection | undefined;
  private readonly errors: UciParseError[] = [];
  private readonly warnings: string[] = [];
  /** per section: options set by `option` lines, to notice a second one */
  private readonly seenOptions = new Map<UciSection, Map<string, number>>();
  private readonly declaredAt = new Map<string, number>();

  constructor(input: Buffer, private readonly name: string | undefined, private readonly options: UciParseOptions) {
    this.scanner = new UciScanner(input);
    if (name !== undefined) this.switchPackage(name);
  }

  private switchPackage(name: string): void {
    this.current = newPackage(name);
    this.packages.push(this.current);
    this.section = undefined;
  }

  /** The package `config` lines add to; without a name, only after a `package` line. */
  private get pkg(): UciPackage {
    if (this.current === undefined) this.scanner.fail('attempting to import a file without a package name');
    return this.current;
  }

  private get b() {
    return this.scanner.buffer;
  }

  run(): UciParseResult {
    const b = this.b;
    while (!b.atEnd) {
      b.reset();
      b.getln(0);
      try {
        if (b.at(0) !== 0) this.parseLine();
      } catch (err) {
        if (!(err instanceof ParseFailure)) throw err;
        this.errors.push({ reason: err.reason, line: b.line, byte: b.pos });
        if (this.options.strict) break;
      }
    }
    return { pkg: this.packages[0] ?? newPackage(this.name ?? ''), packages: this.packages, errors: this.errors, warnings: this.warnings };
  }

  private parseLine(): void {
    this.scanner.skipWhitespace();
    for (;;) {
      const word = this.scanner.keyword();
      if (word === undefined || word.startsWith('#')) return;
      const keywordLength = this.b.strlen(this.b.pos) + 1;
      if (word === 'p' || word === 'package') this.parsePackage(keywordLength);
      else if (word === 'c' || word === 'config') this.parseConfig(keywordLength);
      else if (word === 'o' || word === 'option') this.parseOption(keywordLength, false);
      else if (word === 'l' || word === 'list') this.parseOption(keywordLength, true);
      else this.scanner.fail('invalid command');
    }
  }

  private parsePackage(keywordLength: number): void {
    this.scanner.increasePos(keywordLength, 'package without name');
    const name = this.b.str(this.scanner.nextArg(true, true, true));
    this.scanner.assertEol(this.options.strict);
    // a package read as /etc/config/NAME keeps its name (libuci's single mode)
    if (!this.options.single) this.switchPackage(name);
  }

  private parseConfig(keywordLength: number): void {
    const b = this.b;
    this.scanner.increasePos(keywordLength, 'config without name');
    const typeAt = this.scanner.nextArg(true, false, false);
    const type = b.str(typeAt);
    if (!isUciType(type)) this.scanner.fail('invalid character in type field');
    const nameAt = this.scanner.nextArg(false, true, false);
    this.scanner.assertEol(this.options.strict);
    const name = b.str(nameAt);
    if (name === '') {
      this.section = addSection(this.pkg, type);
      return;
    }
    const existing = findSection(this.pkg, name);
    if (existing !== undefined) {
      if (this.options.strict && existing.type !== type) this.scanner.fail('section of different type overwrites prior section with same name');
      this.warnings.push(`section "${name}" is declared again on line ${b.line} (first on line ${this.declaredAt.get(name)})${existing.type === type ? '' : ` with type "${type}" instead of "${existing.type}"`}: uci merges the two, later options win`);
    } else {
      this.declaredAt.set(name, b.line);
    }
    setSection(this.pkg, name, type);
    this.section = findSection(this.pkg, name);
  }

  private parseOption(keywordLength: number, list: boolean): void {
    const b = this.b;
    const section = this.section;
    if (section === undefined) this.scanner.fail('option/list command found before the first section');
    this.scanner.increasePos(keywordLength, 'option without name');
    const nameAt = this.scanner.nextArg(true, true, false);
    const valueAt = this.scanner.nextArg(false, false, false);
    this.scanner.assertEol(this.options.strict);
    const name = b.str(nameAt);
    const value = b.str(valueAt);
    this.noteDuplicate(section, name, list, value);
    if (list) addListItem(section, name, value);
    // an empty option in a file is no option: libuci's uci_set returns before it creates, changes
    // or deletes anything (only `uci set x=` and a saved change delete)
    else if (value !== '') setOption(section, name, value);
  }

  private noteDuplicate(section: UciSection, name: string, list: boolean, value: string): void {
    const existing = findOption(section, name);
    const line = this.b.line;
    let seen = this.seenOptions.get(section);
    if (seen === undefined) this.seenOptions.set(section, (seen = new Map()));
    const first = seen.get(name);
    if (!list && value === '' && existing === undefined) {
      this.warnings.push(`option "${name}" of section "${section.name}" on line ${line} is empty: uci ignores it (an empty option is no option)`);
    } else if (!list && existing !== undefined && value === '') {
      this.warnings.push(`option "${name}" of section "${section.name}" on line ${line} is empty: uci ignores it and keeps the earlier value`);
    } else if (!list && existing !== undefined && Array.isArray(existing.value)) {
      this.warnings.push(`option "${name}" of section "${section.name}" on line ${line} replaces the list of the same name`);
    } else if (!list && existing !== undefined && first !== undefined) {
      this.warnings.push(`option "${name}" of section "${section.name}" is set again on line ${line} (first on line ${first}): uci keeps the later value`);
    } else if (list && existing !== undefined && typeof existing.value === 'string') {
      this.warnings.push(`list "${name}" of section "${section.name}" on line ${line} follows an option of the same name: uci makes one list of both`);
    }
    if (first === undefined) seen.set(name, line);
  }
}
