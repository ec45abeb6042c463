// A small UCI reader for init scripts' config_load: parses /etc/config-style packages and
// writes them back as the shell lines jailctl's rc.common sources (config/option/list with
// single-quoted words), so no value is ever evaluated by the shell. Pure. Errors name the file,
// the line and the rule broken, never the words of the line (which may hold a key).
import { JailctlError } from '../../errors.js';
import { unknownKeyword } from '../../failsafe/uci.js';
import { isPlainText } from '../../schema/safe-text.js';

export interface UciSection {
  type: string;
  /** "" for an anonymous section (the shell names it cfgN, as uci -n does) */
  name: string;
  entries: { kind: 'option' | 'list'; name: string; value: string }[];
}

const IDENT = /^[A-Za-z0-9_]+$/;
const TYPE = /^[A-Za-z0-9_-]+$/;

/** Splits one line into words: 'single', "double" (backslash escapes), bare (backslash escapes). */
export function splitUciWords(line: string, where: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length || line[i] === '#') break;
    let word = '';
    while (i < line.length && !/\s/.test(line[i]!)) {
      const c = line[i]!;
      if (c === "'") {
        const end = line.indexOf("'", i + 1);
        if (end < 0) throw uciError(where, 'unterminated single quote');
        word += line.slice(i + 1, end);
        i = end + 1;
      } else if (c === '"') {
        i++;
        while (i < line.length && line[i] !== '"') {
          if (line[i] === '\\' && i + 1 < line.length) i++;
          word += line[i++];
        }
        if (i >= line.length) throw uciError(where, 'unterminated double quote');
        i++;
      } else {
        if (c === '\\' && i + 1 < line.length) i++;
        word += line[i++];
      }
    }
    words.push(word);
  }
  return words;
}

function uciError(where: string, what: string): JailctlError {
  return new JailctlError('SPEC_INVALID', `${where}: ${what}`, { hint: 'fix the UCI file (see `uci show` on OpenWrt for the syntax)' });
}

/** Parses a UCI package; `file` names it in errors. */
export function parseUci(text: string, file: string): UciSection[] {
  const sections: UciSection[] = [];
  text.split('\n').forEach((line, index) => {
    const where = `${file}:${index + 1}`;
    const words = splitUciWords(line, where);
    if (words.length === 0) return;
    const [keyword, first, second] = words;
    if (keyword === 'package') return;
    if (keyword === 'config') {
      if (first === undefined || !TYPE.test(first)) throw uciError(where, `config needs a type of letters, digits, "_" and "-"`);
      if (second !== undefined && !IDENT.test(second)) throw uciError(where, 'invalid section name: use letters, digits and "_"');
      sections.push({ type: first, name: second ?? '', entries: [] });
      return;
    }
    if (keyword !== 'option' && keyword !== 'list') throw uciError(where, unknownKeyword(keyword!));
    const section = sections[sections.length - 1];
    if (section === undefined) throw uciError(where, `${keyword} before any config line`);
    if (first === undefined || !IDENT.test(first)) throw uciError(where, `invalid ${keyword} name: use letters, digits and "_"`);
    if (words.length > 3) throw uciError(where, `${keyword} ${isPlainText(first) ? first : `<${first.length} characters>`}: more than one value (quote values with spaces)`);
    section.entries.push({ kind: keyword, name: first, value: second ?? '' });
  });
  return sections;
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The package as lines for the shim's config/option/list functions. */
export function buildUciShell(sections: readonly UciSection[]): string {
  const lines: string[] = [];
  for (const section of sections) {
    lines.push(`config ${shellQuote(section.type)}${section.name === '' ? '' : ` ${shellQuote(section.name)}`}`);
    for (const entry of section.entries) lines.push(`${entry.kind} ${shellQuote(entry.name)} ${shellQuote(entry.value)}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
