// UCI (/etc/config/*) reader and writer. Pure: text in, text out. Every line the caller does not
// change is written back byte for byte (comments, blank lines, order, quoting, other sections).
// Not supported, with a clear error: values spanning lines, and ';' between statements.
// Errors name the file, the line and the rule broken, never the words of the line: a line that
// is not what it should be may hold the key, and a file given by mistake may be /etc/shadow.
import { JailctlError } from '../errors.js';
import { nearestName } from '../profile/nearest.js';

export type UciStatement =
  | { kind: 'package'; name: string }
  | { kind: 'config'; type: string; name?: string }
  | { kind: 'option' | 'list'; name: string; value: string };

export interface UciLine {
  /** the line as read, without its line break */
  text: string;
  statement?: UciStatement;
}

export interface UciDocument {
  file: string;
  lines: UciLine[];
  /** the line break style of the file, kept when writing */
  eol: '\n' | '\r\n';
  finalEol: boolean;
}

export interface UciSection {
  type: string;
  name?: string;
  /** index of the `config` line */
  start: number;
  /** index after the last option/list line of the section */
  end: number;
  options: Map<string, { value: string; line: number }>;
  lists: Map<string, string[]>;
}

const TYPE_RE = /^[A-Za-z0-9_-]+$/;
const NAME_RE = /^[A-Za-z0-9_-]+$/;

function parseError(file: string, line: number, what: string): JailctlError {
  return new JailctlError('FAILSAFE_CONFIG_INVALID', `${file}:${line}: ${what}`, {
    path: file,
    hint: 'fix the line (uci show checks the syntax), or restore the file from a backup',
  });
}

/** Splits one line into words: 'single', "double" (backslash escapes), bare (backslash escapes). */
export function tokenizeUciLine(text: string, file: string, lineNo: number): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
    if (c === '#') break;
    if (c === ';') throw parseError(file, lineNo, "';' between statements is not supported: put each statement on its own line");
    let word = '';
    while (i < text.length && !/[ \t\r;]/.test(text[i]!)) {
      const ch = text[i]!;
      if (ch === "'" || ch === '"') {
        const close = findClosingQuote(text, i + 1, ch);
        if (close < 0) throw parseError(file, lineNo, `unterminated ${ch === "'" ? 'single' : 'double'} quote (values spanning lines are not supported)`);
        const inner = text.slice(i + 1, close);
        word += ch === '"' ? inner.replace(/\\(.)/g, '$1') : inner;
        i = close + 1;
      } else if (ch === '\\') {
        if (i + 1 >= text.length) throw parseError(file, lineNo, 'backslash at the end of the line (continuation lines are not supported)');
        word += text[i + 1];
        i += 2;
      } else {
        word += ch;
        i++;
      }
    }
    words.push(word);
  }
  return words;
}

function findClosingQuote(text: string, from: number, quote: string): number {
  for (let i = from; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') { i++; continue; }
    if (text[i] === quote) return i;
  }
  return -1;
}

function parseStatement(words: string[], file: string, lineNo: number, inSection: boolean): UciStatement | undefined {
  if (words.length === 0) return undefined;
  const [keyword, ...args] = words as [string, ...string[]];
  const expect = (shape: string, ok: boolean) => {
    if (!ok) throw parseError(file, lineNo, `expected "${shape}", got ${args.length} argument${args.length === 1 ? '' : 's'}`);
  };
  switch (keyword) {
    case 'package':
      expect('package NAME', args.length === 1);
      return { kind: 'package', name: args[0]! };
    case 'config': {
      expect("config TYPE ['NAME']", args.length === 1 || args.length === 2);
      if (!TYPE_RE.test(args[0]!)) throw parseError(file, lineNo, 'invalid section type (letters, digits, _ and - only)');
      if (args[1] !== undefined && !NAME_RE.test(args[1])) throw parseError(file, lineNo, 'invalid section name (letters, digits, _ and - only)');
      return args[1] === undefined ? { kind: 'config', type: args[0]! } : { kind: 'config', type: args[0]!, name: args[1] };
    }
    case 'option':
    case 'list':
      expect(`${keyword} NAME 'VALUE'`, args.length === 2);
      if (!inSection) throw parseError(file, lineNo, `${keyword} outside of a config section`);
      if (!NAME_RE.test(args[0]!)) throw parseError(file, lineNo, `invalid ${keyword} name (letters, digits, _ and - only)`);
      return { kind: keyword, name: args[0]!, value: args[1]! };
    default:
      throw parseError(file, lineNo, unknownKeyword(keyword));
  }
}

const KEYWORDS = ['package', 'config', 'option', 'list'];

/** Names the keyword the line may have meant, never the word itself. */
export function unknownKeyword(word: string): string {
  const near = word.length <= 8 ? nearestName(word, KEYWORDS) : undefined;
  return `not a UCI statement: a line starts with package, config, option or list${near === undefined ? '' : ` (did you mean ${near}?)`}`;
}

/** Parses a UCI file; errors name the file and the line. */
export function parseUci(text: string, file: string): UciDocument {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const finalEol = text.endsWith('\n');
  const raw = text === '' ? [] : text.split(/\r?\n/);
  if (finalEol) raw.pop();
  let inSection = false;
  const lines = raw.map((lineText, index): UciLine => {
    const statement = parseStatement(tokenizeUciLine(lineText, file, index + 1), file, index + 1, inSection);
    if (statement?.kind === 'config') inSection = true;
    if (statement?.kind === 'package') inSection = false;
    return statement === undefined ? { text: lineText } : { text: lineText, statement };
  });
  return { file, lines, eol, finalEol };
}

export function serializeUci(doc: UciDocument): string {
  const body = doc.lines.map((l) => l.text).join(doc.eol);
  return doc.lines.length === 0 ? '' : doc.finalEol ? body + doc.eol : body;
}

/** Every section in file order; a later option of the same name wins, as in uci. */
export function listUciSections(doc: UciDocument): UciSection[] {
  const sections: UciSection[] = [];
  let current: UciSection | undefined;
  doc.lines.forEach((line, index) => {
    const s = line.statement;
    if (s === undefined) return;
    if (s.kind === 'package') { current = undefined; return; }
    if (s.kind === 'config') {
      current = { type: s.type, start: index, end: index + 1, options: new Map(), lists: new Map() };
      if (s.name !== undefined) current.name = s.name;
      sections.push(current);
      return;
    }
    if (current === undefined) return;
    current.end = index + 1;
    if (s.kind === 'option') current.options.set(s.name, { value: s.value, line: index + 1 });
    else current.lists.set(s.name, [...(current.lists.get(s.name) ?? []), s.value]);
  });
  return sections;
}

/** The section named `name`, else the first section of `type` (uci's @type[0]). */
export function findUciSection(doc: UciDocument, type: string, name: string): UciSection | undefined {
  const sections = listUciSections(doc);
  return sections.find((s) => s.type === type && s.name === name) ?? sections.find((s) => s.type === type);
}

/** Quotes like `uci export`: single quotes, with ' written as '\''. */
export function quoteUciValue(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

/**
 * Sets one option, changing only the line that holds it: the last `option NAME` of the section
 * is rewritten with its indentation kept; a missing option goes after the section's last line;
 * a missing section is appended at the end of the file.
 */
export function setUciOption(doc: UciDocument, type: string, name: string, option: string, value: string): UciDocument {
  if (/[\r\n]/.test(value)) throw new JailctlError('FAILSAFE_CONFIG_INVALID', `${doc.file}: a value for option ${option} may not span lines`);
  const lines = [...doc.lines];
  const section = findUciSection(doc, type, name);
  const statement: UciStatement = { kind: 'option', name: option, value };
  if (section === undefined) {
    if (lines.length > 0 && lines[lines.length - 1]!.text.trim() !== '') lines.push({ text: '' });
    lines.push({ text: `config ${type} ${quoteUciValue(name)}`, statement: { kind: 'config', type, name } });
    lines.push({ text: `\toption ${option} ${quoteUciValue(value)}`, statement });
    return { ...doc, lines, finalEol: true };
  }
  const existing = section.options.get(option);
  if (existing !== undefined) {
    const old = lines[existing.line - 1]!;
    const indent = /^\s*/.exec(old.text)![0];
    lines[existing.line - 1] = { text: `${indent}option ${option} ${quoteUciValue(value)}`, statement };
    return { ...doc, lines };
  }
  const sibling = lines.slice(section.start + 1, section.end).find((l) => l.statement !== undefined);
  const indent = sibling === undefined ? '\t' : /^\s*/.exec(sibling.text)![0];
  lines.splice(section.end, 0, { text: `${indent}option ${option} ${quoteUciValue(value)}`, statement });
  return { ...doc, lines };
}
