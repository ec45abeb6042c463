// The jshn command that /usr/share/libubox/jshn.sh calls (libubox's jshn.c, written here):
// `jshn -r JSON` / `-R FILE` prints the json_* calls that rebuild a JSON object in shell
// variables, `jshn -w` / `-o FILE` turns those variables (read from the environment, as the
// shell library exports them) back into JSON; -p PREFIX, -n (no newline), -i (indented).
import { readFileSync, writeFileSync } from 'node:fs';
import { formatFixed6, JsonSyntaxError, parseJson, toIndented, toJsonC, type JsonValue } from './json.js';

export interface JshnIo {
  out(text: string): void;
  err(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
}

/** A key as jshn writes it into a variable name: every byte not a letter or digit becomes "_". */
export function mungeKey(key: string): string {
  return [...Buffer.from(key, 'utf8')].map((b) => (/[A-Za-z0-9]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : '_')).join('');
}

function shellWord(s: string): string {
  return s.replaceAll("'", "'\\''");
}

function emitElement(key: string, v: JsonValue, out: string[]): void {
  out.push(`json_add_${v.type} '${mungeKey(key)}`);
  switch (v.type) {
    case 'object':
      out.push("';\n");
      for (const [k, e] of v.entries) emitElement(k, e, out);
      out.push('json_close_object;\n');
      return;
    case 'array':
      out.push("';\n");
      v.items.forEach((e, i) => emitElement(String(i), e, out));
      out.push('json_close_array;\n');
      return;
    case 'string': out.push(`' '${shellWord(v.value)}';\n`); return;
    case 'boolean': out.push(`' ${v.value ? 1 : 0};\n`); return;
    case 'int': out.push(`' ${v.value};\n`); return;
    case 'double': out.push(`' ${formatFixed6(v.value)};\n`); return;
    case 'null': out.push("';\n"); return;
  }
}

/** jshn -r: the json_* calls for a JSON object; undefined when it is not one. */
export function jsonToShell(text: string): string | undefined {
  let value: JsonValue;
  try {
    value = parseJson(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) return undefined;
    throw err;
  }
  if (value.type !== 'object') return undefined;
  const out = ['json_init;\n'];
  for (const [k, e] of value.entries) emitElement(k, e, out);
  return out.join('');
}

/** jshn -w: the object held in the jshn variables of `env` (prefix -p). */
export function shellToJson(env: Readonly<Record<string, string | undefined>>, prefix = ''): JsonValue {
  return table(env, prefix, 'J_V', false);
}

function table(env: Readonly<Record<string, string | undefined>>, prefix: string, name: string, array: boolean): JsonValue {
  const keys = (env[`${prefix}K_${name}`] ?? '').split(' ').filter((k) => k !== '');
  const entries: [string, JsonValue][] = [];
  const items: JsonValue[] = [];
  for (const key of keys) {
    const value = env[`${prefix}${name}_${key}`];
    const type = env[`${prefix}T_${name}_${key}`];
    if (value === undefined || type === undefined) continue;
    const element = toElement(env, prefix, type, value);
    if (element === undefined) continue;
    if (array) items.push(element);
    else {
      const label = env[`${prefix}N_${name}_${key}`] ?? key;
      const existing = entries.find((e) => e[0] === label);
      if (existing !== undefined) existing[1] = element;
      else entries.push([label, element]);
    }
  }
  return array ? { type: 'array', items } : { type: 'object', entries };
}

function toElement(env: Readonly<Record<string, string | undefined>>, prefix: string, type: string, value: string): JsonValue | undefined {
  switch (type) {
    case 'array': return table(env, prefix, value, true);
    case 'object': return table(env, prefix, value, false);
    case 'string': return { type: 'string', value };
    case 'int': return { type: 'int', value: atoll(value) };
    case 'double': return { type: 'double', value: strtodPrefix(value) };
    case 'boolean': return { type: 'boolean', value: atoll(value) !== 0n };
    case 'null': return { type: 'null' };
    default: return undefined;
  }
}

/** atoll/atoi: leading blanks, a sign, digits; 0 without any. */
function atoll(text: string): bigint {
  const match = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(text);
  if (match === null) return 0n;
  const n = BigInt(match[1]!);
  const max = (1n << 63n) - 1n;
  return n > max ? max : n < -max - 1n ? -max - 1n : n;
}

function strtodPrefix(text: string): number {
  const match = /^[ \t\n\v\f\r]*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text);
  return match === null ? 0 : Number(match[0]);
}

const USAGE = 'Usage: jshn [-n] [-i] -r <message>|-R <file>|-o <file>|-p <prefix>|-w\n';

/** Runs `jshn ARGS`; returns the exit status. Options are read in order, as getopt does. */
export function runJshn(args: readonly string[], io: JshnIo): number {
  let prefix = '';
  let noNewline = false;
  let indent = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const takesValue = ['-p', '-r', '-R', '-o'].includes(arg);
    const value = takesValue ? args[++i] : undefined;
    if (takesValue && value === undefined) break;
    switch (arg) {
      case '-p': prefix = value!; break;
      case '-n': noNewline = true; break;
      case '-i': indent = true; break;
      case '-r': return load(value!, io);
      case '-R': {
        let text: string;
        try {
          text = readFileSync(value!, 'utf8');
        } catch {
          io.err(`Error opening ${value}\n`);
          return 3;
        }
        return load(text, io);
      }
      case '-w':
      case '-o': {
        const json = shellToJson(io.env, prefix);
        const text = `${indent ? toIndented(json) : toJsonC(json)}${noNewline ? '' : '\n'}`;
        if (arg === '-w') io.out(text);
        else {
          try {
            writeFileSync(value!, text);
          } catch {
            io.err(`Error opening ${value}\n`);
            return 3;
          }
        }
        return 0;
      }
      default:
        io.err(USAGE);
        return 2;
    }
  }
  io.err(USAGE);
  return 2;
}

function load(text: string, io: JshnIo): number {
  const shell = jsonToShell(text);
  if (shell === undefined) {
    io.err('Failed to parse message data\n');
    return 1;
  }
  io.out(shell);
  return 0;
}
