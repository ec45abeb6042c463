// validate_data's datatype language (ubox's validate.c), written here: an expression such as
// `or(port, 'auto')` or `list(ipaddr)` is parsed once, then run against a value. Like the
// original, the result is not just true/false but the kind of the last datatype that matched
// (bool, number, string), which decides how the value is handed to the shell; a bool is then
// normalised to 0/1. Pure, but for file/directory/device (stat) and uci(...) (a lookup).
import { statSync } from 'node:fs';
import { strtod, toCInt, strtol, strtoul } from './cnum.js';
import type { UciPackage } from '../uci/model.js';
import { DATATYPES, type Datatype } from './types.js';

export type ValueKind = 'invalid' | 'bool' | 'number' | 'string';

export type Expression =
  | { kind: 'number'; value: number }
  | { kind: 'string'; raw: string }
  | { kind: 'call'; fn: Datatype; name: string; args: Expression[] };

export class DatatypeSyntaxError extends Error {
  override name = 'DatatypeSyntaxError';
}

/** Reads a UCI package for the uci(package, section, option) datatype. */
export type UciLookup = (pkg: string) => UciPackage | undefined;

export interface EvalState {
  value: string;
  kind: ValueKind;
  uci: UciLookup | undefined;
  stat: (path: string) => 'file' | 'dir' | 'device' | 'other' | undefined;
}

/** Parses `code` as the implicit or() of a comma-separated list; throws DatatypeSyntaxError. */
export function parseDatatype(code: string): Expression[] {
  return parseList(code, 0, code.length);
}

const SPACE = /[ \t\n\v\f\r]/;

function parseList(code: string, start: number, end: number): Expression[] {
  const out: Expression[] = [];
  let nest = 0;
  let last = start;
  for (let p = start; p <= end; p++) {
    const c = p < end ? code[p]! : '\0';
    if (c === '\\') {
      p++;
      continue;
    }
    if (c === '(') nest++;
    else if (c === ')') nest--;
    else if ((c === ',' || c === '\0') && nest <= 0) {
      if (p > last) out.push(parseExpression(code, last, p));
      last = p + 1;
    }
  }
  if (nest !== 0) throw new DatatypeSyntaxError('unbalanced parentheses');
  return out;
}

function parseExpression(code: string, start: number, end: number): Expression {
  let label = start;
  while (label < end && SPACE.test(code[label]!)) label++;
  if (label >= end) throw new DatatypeSyntaxError('unexpected end of the expression');
  const number = strtod(code.slice(label, end));
  if (number.length > 0) {
    requireEnd(code, label + number.length, end, "',' after a number");
    return { kind: 'number', value: number.value };
  }
  const quote = code[label];
  if (quote === '"' || quote === "'") {
    for (let p = label + 1; p < end; p++) {
      if (code[p] === '\\') {
        p++;
        continue;
      }
      if (code[p] === quote) {
        requireEnd(code, p + 1, end, "',' after a string");
        return { kind: 'string', raw: code.slice(label + 1, p) };
      }
    }
    throw new DatatypeSyntaxError('unterminated string');
  }
  let p = label;
  while (p < end && /[A-Za-z0-9_]/.test(code[p]!)) p++;
  const name = code.slice(label, p);
  const fn = DATATYPES[name];
  if (fn === undefined) throw new DatatypeSyntaxError(`unknown datatype "${name || code.slice(label, end)}"`);
  let next = p;
  while (next < end && SPACE.test(code[next]!)) next++;
  if (next === end) return { kind: 'call', fn, name, args: [] };
  if (code[next] !== '(') throw new DatatypeSyntaxError(`expected '(' after ${name}`);
  let close = end - 1;
  while (close > next + 1 && SPACE.test(code[close]!)) close--;
  if (code[close] !== ')') throw new DatatypeSyntaxError(`missing ')' after ${name}(`);
  return { kind: 'call', fn, name, args: parseList(code, next + 1, close) };
}

function requireEnd(code: string, from: number, end: number, what: string): void {
  let p = from;
  while (p < end && SPACE.test(code[p]!)) p++;
  if (p !== end) throw new DatatypeSyntaxError(`expected ${what}`);
}

/** One step of the machine: a literal compares, a datatype runs and sets the kind on success. */
export function step(state: EvalState, node: Expression): boolean {
  switch (node.kind) {
    case 'number': {
      const n = strtod(state.value);
      const ok = n.length > 0 && n.length === state.value.length && n.value === node.value;
      if (ok) state.kind = 'number';
      return ok;
    }
    case 'string': {
      const ok = unescape(node.raw) === state.value;
      if (ok) state.kind = 'string';
      return ok;
    }
    case 'call': {
      const ok = node.fn.test(state, node.args);
      if (ok && node.fn.kind !== 'invalid') state.kind = node.fn.kind;
      return ok;
    }
  }
}

/** A string literal's text: a backslash takes the next character as it is. */
function unescape(raw: string): string {
  return raw.replace(/\\(.?)/gs, '$1');
}

/** dt_parse: the kind the value validates as, 'invalid' when it does not (or is empty). */
export function validateValue(expression: Expression[], value: string, options: Partial<Pick<EvalState, 'uci' | 'stat'>> = {}): ValueKind {
  if (value === '') return 'invalid';
  const state: EvalState = { value, kind: 'invalid', uci: options.uci, stat: options.stat ?? statPath };
  const matched = expression.some((node) => step(state, node));
  return matched ? state.kind : 'invalid';
}

function statPath(path: string): 'file' | 'dir' | 'device' | 'other' | undefined {
  try {
    const st = statSync(path);
    if (st.isFile()) return 'file';
    if (st.isDirectory()) return 'dir';
    if (st.isBlockDevice() || st.isCharacterDevice()) return 'device';
    return 'other';
  } catch {
    return undefined;
  }
}

/** A numeric argument of a datatype (C's dt_getint: a number literal, cast to int). */
export function intArg(args: readonly Expression[], n: number): number | undefined {
  const arg = args[n];
  return arg?.kind === 'number' ? Math.trunc(arg.value) | 0 : undefined;
}

/** strtol(value, &end, base) must use the whole value; the result as C's int. */
export function wholeInt(value: string, base = 0): number | undefined {
  const r = strtol(value, base);
  return r.length > 0 && r.length === value.length ? toCInt(r.value) : undefined;
}

export function wholeUint(value: string, base = 0): number | undefined {
  const r = strtoul(value, base);
  return r.length > 0 && r.length === value.length ? toCInt(r.value) : undefined;
}
