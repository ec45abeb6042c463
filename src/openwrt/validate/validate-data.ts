// The validate_data command (ubox's validate/cli.c) that uci_validate_section and
// uci_load_validate run: for each 'option:datatype:default' it prints a shell assignment of the
// section's value, normalised (bools become 0/1) when it validates, `unset -v` when it does not,
// the default when the option is unset; the status is 255 when any option failed. One
// difference, on purpose: every value is single-quoted (validate_data leaves numbers bare, so a
// number list such as '22 2222' became a command), so no configured value is ever run.
import { loadPackage, type UciContext } from '../uci/store.js';
import type { UciPackage } from '../uci/model.js';
import { DatatypeSyntaxError, parseDatatype, validateValue, type Expression, type UciLookup, type ValueKind } from './datatype.js';

export interface ValidateIo {
  out(text: string): void;
  err(text: string): void;
}

/** Splits 'option:datatype:default' at colons not escaped by a backslash (kept in the text). */
export function parseSpec(spec: string): { option: string; expression: string; fallback: string | undefined } | undefined {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i]!;
    if (c === '\\' && i + 1 < spec.length) {
      current += c + spec[++i];
      continue;
    }
    if (c === ':' && parts.length < 2) {
      parts.push(current);
      current = '';
      continue;
    }
    if (c === ':' && parts.length === 2) break;
    current += c;
  }
  parts.push(current);
  if (parts.length < 2) return undefined;
  return { option: parts[0]!, expression: parts[1]!, fallback: parts[2] };
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

/** The text validate_data prints for a value of a kind: bools as 0/1 ('' for On, Yes ...). */
function shellValue(kind: ValueKind, value: string): string {
  if (kind === 'bool') return shellQuote(['0', 'off', 'false', 'no', 'disabled'].includes(value) ? '0' : ['1', 'on', 'true', 'yes', 'enabled'].includes(value) ? '1' : '');
  return shellQuote(value);
}

function assignment(kind: ValueKind, name: string, value: string | undefined): string {
  if (kind === 'invalid' || value === undefined || value === '') return `unset -v ${name}; `;
  return `${name}=${shellValue(kind, value)}; `;
}

export interface ValidateOptions {
  ctx: UciContext;
  /** the shell helpers' mode: print the "validates as" lines only when something failed */
  quietWhenValid?: boolean;
}

/** Runs `validate_data ARGS`; returns the exit status (0, 1 or 255). */
export function runValidateData(args: readonly string[], io: ValidateIo, options: ValidateOptions): number {
  const lookup: UciLookup = (name) => {
    try {
      return loadPackage({ ...options.ctx }, name).pkg;
    } catch {
      return undefined;
    }
  };
  if (args.length === 2) {
    const kind = evaluate(args[0]!, args[1]!, lookup, io);
    io.err(`${args[0]} - ${args[1]} = ${kind === 'invalid' ? 'false' : 'true'}\n`);
    return kind === 'invalid' ? 1 : 0;
  }
  if (args.length < 4) {
    io.err('validate_data <datatype> <value>\t- validate a value against a type\n');
    io.err("validate_data <package> <section_type> <section_name> 'option:datatype:default' 'option:datatype:default' ...\n");
    return 255;
  }
  const [pkgName, sectionType, sectionName, ...specs] = args as [string, string, string, ...string[]];
  if (sectionName === '') {
    io.out(describeForProcd(pkgName, sectionType, specs));
    return 0;
  }
  const pkg = lookup(pkgName);
  if (pkg === undefined) return 255;
  const stderr: string[] = [];
  let failed = false;
  for (const spec of specs) {
    const out = validateOption(pkg, sectionName, spec, lookup, (line) => stderr.push(line), io);
    if (out === undefined) failed = true;
    else {
      io.out(out.text);
      if (!out.ok) failed = true;
    }
  }
  if (!options.quietWhenValid || failed) for (const line of stderr) io.err(line);
  return failed ? 255 : 0;
}

function evaluate(code: string, value: string, uci: UciLookup, io: ValidateIo): ValueKind {
  let expression: Expression[];
  try {
    expression = parseDatatype(code);
  } catch (err) {
    if (!(err instanceof DatatypeSyntaxError)) throw err;
    io.err(`validate_data: datatype "${code}": ${err.message}\n`);
    return 'invalid';
  }
  return validateValue(expression, value, { uci });
}

function validateOption(pkg: UciPackage, sectionName: string, spec: string, uci: UciLookup, note: (line: string) => void, io: ValidateIo): { text: string; ok: boolean } | undefined {
  const parsed = parseSpec(spec);
  if (parsed === undefined) {
    note(`${spec} is not a valid option\n`);
    return undefined;
  }
  const { option, expression, fallback } = parsed;
  const where = `${pkg.name}.${sectionName}.${option}`;
  const value = pkg.sections.find((s) => s.name === sectionName)?.options.find((o) => o.name === option)?.value;
  if (Array.isArray(value) && value.some((item) => item !== '')) {
    let text = `${option}=`;
    let kind: ValueKind = 'invalid';
    let first = true;
    value.filter((item) => item !== '').forEach((item, index) => {
      if (!first) text += '\\ ';
      first = false;
      kind = evaluate(expression, item, uci, io);
      if (kind !== 'invalid') text += shellValue(kind, item);
      note(`${where}[${index}]=${item} validates as ${expression} with ${kind === 'invalid' ? 'false' : 'true'}\n`);
    });
    return { text: `${text}; `, ok: kind !== 'invalid' };
  }
  if (typeof value === 'string' && value !== '') {
    const kind = evaluate(expression, value, uci, io);
    note(`${where}=${value} validates as ${expression} with ${kind === 'invalid' ? 'false' : 'true'}\n`);
    return { text: assignment(kind, option, value), ok: kind !== 'invalid' };
  }
  let kind = evaluate(expression, fallback ?? '', uci, { out: () => undefined, err: () => undefined });
  if (kind === 'invalid') kind = 'string';
  note(`${where} is unset and defaults to ${expression} ${fallback ?? '(null)'}\n`);
  return { text: assignment(kind, option, fallback), ok: true };
}

/** With an empty section name validate_data describes the options for procd (json_* calls). */
function describeForProcd(pkgName: string, sectionType: string, specs: readonly string[]): string {
  const q = (s: string) => `"${s.replace(/["\\$`]/g, '\\$&')}"`;
  let out = `json_add_object; json_add_string "package" ${q(pkgName)}; json_add_string "type" ${q(sectionType)}; json_add_object "data"; `;
  for (const spec of specs) {
    const parsed = parseSpec(spec);
    if (parsed !== undefined) out += `json_add_string ${q(parsed.option)} ${q(parsed.expression)}; `;
  }
  return `${out}json_close_object; json_close_object; `;
}
