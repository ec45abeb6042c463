// What the uci command prints (file.c's uci_export, cli.c's show/get/changes): export in UCI
// syntax with single quotes, `show` lines (`pkg.@type[0].opt='v'`), `get` values, `changes`.
// Pure.
import type { UciDelta } from './delta.js';
import type { UciOption, UciPackage, UciSection } from './model.js';

/** Single quotes, with ' written as '\'' (uci_escape inside '...'). */
export function quoteUci(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** A type as export writes it: bare like libuci when it is a plain word, else quoted so that
 * a shell evaluating the export (config_load) never runs a piece of it. */
function exportType(type: string): string {
  return /^[A-Za-z0-9_.-]+$/.test(type) ? type : quoteUci(type);
}

export interface ExportOptions {
  /** `package NAME` first (uci export; not when committing) */
  header: boolean;
  /** name anonymous sections too (-n) */
  names: boolean;
}

export function exportPackage(pkg: UciPackage, options: ExportOptions): string {
  let out = options.header ? `package ${pkg.name.replaceAll("'", "'\\''")}\n` : '';
  for (const section of pkg.sections) {
    out += `\nconfig ${exportType(section.type)}`;
    if (!section.anonymous || options.names) out += ` ${quoteUci(section.name)}`;
    out += '\n';
    for (const option of section.options) {
      if (typeof option.value === 'string') out += `\toption ${option.name} ${quoteUci(option.value)}\n`;
      else for (const item of option.value) out += `\tlist ${option.name} ${quoteUci(item)}\n`;
    }
  }
  return `${out}\n`;
}

/** The value as `uci get` prints it: lists joined by the delimiter, items with blanks quoted. */
export function getValue(option: UciOption, delimiter = ' '): string {
  if (typeof option.value === 'string') return option.value;
  return option.value.map((item) => (/[ \t\r\n]/.test(item) ? quoteUci(item) : item)).join(delimiter);
}

/** The value as `uci show` prints it: every string or item quoted. */
function showValue(option: UciOption, delimiter: string): string {
  return typeof option.value === 'string' ? quoteUci(option.value) : option.value.map(quoteUci).join(delimiter);
}

/** `pkg.sec=type` and its options; `ref` replaces the section name (@type[N] in show). */
export function showSection(pkg: UciPackage, section: UciSection, delimiter = ' ', ref = section.name): string {
  let out = `${pkg.name}.${ref}=${section.type}\n`;
  for (const option of section.options) out += showOption(pkg, section, option, delimiter, ref);
  return out;
}

export function showOption(pkg: UciPackage, section: UciSection, option: UciOption, delimiter = ' ', ref = section.name): string {
  return `${pkg.name}.${ref}.${option.name}=${showValue(option, delimiter)}\n`;
}

/** The extended reference of each section as `uci show` names it: @type[N] for anonymous ones,
 * where N counts the sections of that type before it, named ones included. */
export function sectionReferences(pkg: UciPackage, extended: boolean): string[] {
  const seen = new Map<string, number>();
  return pkg.sections.map((section) => {
    const index = seen.get(section.type) ?? 0;
    seen.set(section.type, index + 1);
    return extended && section.anonymous ? `@${section.type}[${index}]` : section.name;
  });
}

export function showPackage(pkg: UciPackage, options: { extended: boolean; delimiter: string }): string {
  const refs = sectionReferences(pkg, options.extended);
  return pkg.sections.map((section, i) => showSection(pkg, section, options.delimiter, refs[i])).join('');
}

/** `uci changes` lines for the changes read from the delta files. */
export function formatChanges(pkgName: string, deltas: readonly UciDelta[]): string {
  let out = '';
  for (const delta of deltas) {
    const prefix = delta.command === 'remove' ? '-' : '';
    const op = delta.command === 'list-add' ? '+=' : delta.command === 'list-del' ? '-=' : '=';
    out += `${prefix}${pkgName}.${delta.section}${delta.option !== undefined ? `.${delta.option}` : ''}`;
    if (delta.command !== 'remove') out += `${op}${quoteUci(delta.value ?? '')}`;
    out += '\n';
  }
  return out;
}
