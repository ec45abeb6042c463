// The datatypes validate_data knows, each with the kind it gives a value it accepts (ubox's
// dt_types table, rules written from its documentation and behaviour): combinators (or, and,
// not, neg, list), numbers (min, max, range, integer, uinteger, float, ufloat, port), bool,
// strings and lengths, addresses (ip4addr, ip6addr, ipaddr, cidr*, netmask*, ipmask*, macaddr),
// names (hostname, host, network, uciname), keys, paths (file, directory, device), regex, uci.
import { parseIPv4, parseIPv6, parseMacMusl, strtod, strtoul, toCInt } from './cnum.js';
import type { UciSection } from '../uci/model.js';
import { intArg, step, wholeInt, wholeUint, type EvalState, type Expression, type ValueKind } from './datatype.js';

export interface Datatype {
  kind: ValueKind;
  test(state: EvalState, args: readonly Expression[]): boolean;
}

const BOOL_WORDS = ['0', 'off', 'false', 'no', 'disabled', '1', 'on', 'true', 'yes', 'enabled'];

function withValue<T>(state: EvalState, value: string, run: () => T): T {
  const saved = state.value;
  state.value = value;
  try {
    return run();
  } finally {
    state.value = saved;
  }
}

const isXDigit = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);

function netmask4(value: string): boolean {
  const bytes = parseIPv4(value);
  if (bytes === undefined) return false;
  const n = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  if (n === 0) return true;
  const lowest = n & -n;
  return ((~(lowest - 1)) >>> 0) === n;
}

function netmask6(value: string): boolean {
  const bytes = parseIPv6(value);
  if (bytes === undefined) return false;
  let i = 0;
  while (i < 16 && bytes[i] === 0xff) i++;
  if (i === 16) return true;
  if (![255, 254, 252, 248, 240, 224, 192, 128, 0].includes(bytes[i]!)) return false;
  // as ubox does: the zero bytes are counted from the partial one, so only whole bytes pass
  while (i < 16 && bytes[i] === 0) i++;
  return i === 16;
}

/** cidr4/cidr6: the address, then optionally "/" and a prefix length parsed by strtoul. */
function cidr(value: string, maxLength: number, bits: number, parse: (a: string) => unknown): boolean {
  if (value.length >= maxLength) return false;
  const slash = value.indexOf('/');
  if (slash >= 0) {
    const n = strtoul(value.slice(slash + 1), 10);
    if (n.length !== value.length - slash - 1 && !(n.length === 0 && slash === value.length - 1)) return false;
    if (toCInt(n.value) > bits) return false;
  }
  return parse(slash >= 0 ? value.slice(0, slash) : value) !== undefined;
}

function ipmask(value: string, maxLength: number, parse: (a: string) => unknown, mask: (m: string) => boolean): boolean {
  if (value.length >= maxLength) return false;
  const slash = value.indexOf('/');
  if (slash >= 0 && !mask(value.slice(slash + 1))) return false;
  return parse(slash >= 0 ? value.slice(0, slash) : value) !== undefined;
}

function port(value: string): boolean {
  const n = strtoul(value, 10);
  return n.length > 0 && n.length === value.length && toCInt(n.value) <= 65535;
}

function hostname(value: string): boolean {
  let last = 0;
  for (let p = 0; p < value.length; p++) {
    const c = value[p]!;
    if (c === '.') {
      if (p - last === 0 || p - last > 63) return false;
      last = p + 1;
    } else if (!/[A-Za-z0-9_-]/.test(c)) {
      return false;
    }
  }
  return value.length - last > 0 && value.length - last <= 255;
}

const ipaddr = (v: string) => parseIPv4(v) !== undefined || parseIPv6(v) !== undefined;
const uciname = (v: string) => /^[A-Za-z0-9_]*$/.test(v);

/** POSIX character classes in bracket expressions, for JavaScript's RegExp. */
const POSIX_CLASSES: Record<string, string> = {
  alpha: 'A-Za-z', digit: '0-9', alnum: 'A-Za-z0-9', upper: 'A-Z', lower: 'a-z', space: ' \\t\\n\\r\\f\\v',
  xdigit: '0-9A-Fa-f', punct: '!-\\/:-@\\[-`{-~', blank: ' \\t', cntrl: '\\x00-\\x1f\\x7f', print: '\\x20-\\x7e', graph: '\\x21-\\x7e',
};

function posixRegex(source: string): RegExp | undefined {
  const translated = source.replace(/\[:([a-z]+):\]/g, (all, name: string) => POSIX_CLASSES[name] ?? all);
  try {
    return new RegExp(`^(?:${translated})$`, 'u');
  } catch {
    return undefined;
  }
}

/** uci('pkg', 'section', 'option'), uci('pkg', '@type'[, 'option']): the value is that option's
 * value (or one of its list items), or the name of a section of that type. */
function uciType(state: EvalState, args: readonly Expression[]): boolean {
  const [pkgName, section, option] = args.slice(0, 3).map((a) => (a.kind === 'string' ? a.raw : undefined));
  if (state.uci === undefined || pkgName === undefined || section === undefined || (!section.startsWith('@') && option === undefined)) return false;
  const pkg = state.uci(pkgName);
  if (pkg === undefined) return false;
  const holds = (s: UciSection, name: string) => {
    const value = s.options.find((o) => o.name === name)?.value;
    return Array.isArray(value) ? value.includes(state.value) : value === state.value;
  };
  if (!section.startsWith('@')) return pkg.sections.some((s) => s.name === section && holds(s, option!));
  return pkg.sections.some((s) => s.type === section.slice(1) && (option === undefined ? s.name === state.value : holds(s, option)));
}

const fixed = (kind: ValueKind, test: (value: string, args: readonly Expression[]) => boolean): Datatype => ({ kind, test: (state, args) => test(state.value, args) });

export const DATATYPES: Readonly<Record<string, Datatype>> = {
  or: { kind: 'invalid', test: (s, args) => args.some((a) => step(s, a)) },
  and: { kind: 'invalid', test: (s, args) => args.every((a) => step(s, a)) },
  not: { kind: 'invalid', test: (s, args) => args.length > 0 && !step(s, args[0]!) },
  neg: {
    kind: 'invalid',
    test: (s, args) => args.length > 0 && withValue(s, s.value.startsWith('!') ? s.value.slice(1).replace(/^[ \t\n\v\f\r]+/, '') : s.value, () => step(s, args[0]!)),
  },
  list: {
    kind: 'invalid',
    test: (s, args) => args.length > 0 && s.value.split(/[ \t]+/).filter((w) => w !== '').every((word) => withValue(s, word, () => step(s, args[0]!))),
  },
  min: fixed('number', (v, a) => { const min = intArg(a, 0); const n = wholeInt(v); return min !== undefined && n !== undefined && n >= min; }),
  max: fixed('number', (v, a) => { const max = intArg(a, 0); const n = wholeInt(v); return max !== undefined && n !== undefined && n <= max; }),
  range: fixed('number', (v, a) => {
    const min = intArg(a, 0);
    const max = intArg(a, 1);
    const n = wholeInt(v);
    return min !== undefined && max !== undefined && n !== undefined && n >= min && n <= max;
  }),
  minlength: fixed('string', (v, a) => { const min = intArg(a, 0); return min !== undefined && Buffer.byteLength(v) >= min; }),
  maxlength: fixed('string', (v, a) => { const max = intArg(a, 0); return max !== undefined && Buffer.byteLength(v) <= max; }),
  rangelength: fixed('string', (v, a) => {
    const min = intArg(a, 0);
    const max = intArg(a, 1);
    const len = Buffer.byteLength(v);
    return min !== undefined && max !== undefined && len >= min && len <= max;
  }),
  integer: fixed('number', (v, a) => (isXDigit(v[0]) || v[0] === '-') && wholeInt(v, intArg(a, 0) ?? 0) !== undefined),
  uinteger: fixed('number', (v, a) => isXDigit(v[0]) && wholeUint(v, intArg(a, 0) ?? 0) !== undefined),
  float: fixed('number', (v) => { const n = strtod(v); return n.length > 0 && n.length === v.length; }),
  ufloat: fixed('number', (v) => { const n = strtod(v); return n.length > 0 && n.length === v.length && Math.trunc(n.value) >= 0; }),
  bool: fixed('bool', (v) => BOOL_WORDS.includes(v.toLowerCase())),
  string: fixed('string', (v, a) => {
    const len = Buffer.byteLength(v);
    const min = intArg(a, 0);
    const max = intArg(a, 1);
    return !(min !== undefined && len < min) && !(max !== undefined && len > max);
  }),
  hexstring: fixed('string', (v, a) => {
    const len = Buffer.byteLength(v);
    const min = intArg(a, 0);
    const max = intArg(a, 1);
    return len % 2 === 0 && !(min !== undefined && len < min) && !(max !== undefined && len > max) && /^[0-9a-fA-F]*$/.test(v);
  }),
  ip4addr: fixed('string', (v) => parseIPv4(v) !== undefined),
  ip6addr: fixed('string', (v) => parseIPv6(v) !== undefined),
  ipaddr: fixed('string', ipaddr),
  cidr4: fixed('string', (v) => cidr(v, 20, 32, parseIPv4)),
  cidr6: fixed('string', (v) => cidr(v, 51, 128, parseIPv6)),
  cidr: fixed('string', (v) => cidr(v, 20, 32, parseIPv4) || cidr(v, 51, 128, parseIPv6)),
  netmask4: fixed('string', netmask4),
  netmask6: fixed('string', netmask6),
  ipmask4: fixed('string', (v) => ipmask(v, 33, parseIPv4, netmask4)),
  ipmask6: fixed('string', (v) => ipmask(v, 93, parseIPv6, netmask6)),
  ipmask: fixed('string', (v) => ipmask(v, 33, parseIPv4, netmask4) || ipmask(v, 93, parseIPv6, netmask6)),
  port: fixed('number', port),
  portrange: fixed('string', (v) => {
    const n = strtoul(v, 10);
    if (n.length === 0 || v[n.length] !== '-') return port(v);
    const m = strtoul(v.slice(n.length + 1), 10);
    const [first, second] = [toCInt(n.value), toCInt(m.value)];
    return n.length + 1 + m.length === v.length && first <= 65535 && second <= 65535 && first <= second;
  }),
  macaddr: fixed('string', (v) => parseMacMusl(v) !== undefined),
  uciname: fixed('string', uciname),
  wpakey: fixed('string', (v) => { const len = Buffer.byteLength(v); return len === 64 ? /^[0-9a-fA-F]*$/.test(v) : len >= 8 && len <= 63; }),
  wepkey: fixed('string', (v) => {
    const key = v.startsWith('s:') ? v.slice(2) : v;
    const len = Buffer.byteLength(key);
    return len === 10 || len === 26 ? /^[0-9a-fA-F]*$/.test(key) : len === 5 || len === 13;
  }),
  hostname: fixed('string', hostname),
  host: fixed('string', (v) => hostname(v) || ipaddr(v)),
  network: fixed('string', (v) => uciname(v) || hostname(v) || ipaddr(v)),
  phonedigit: fixed('string', (v) => /^[0-9*#!.]*$/.test(v)),
  directory: { kind: 'string', test: (s) => s.stat(s.value) === 'dir' },
  device: { kind: 'string', test: (s) => s.stat(s.value) === 'device' },
  file: { kind: 'string', test: (s) => s.stat(s.value) === 'file' },
  regex: { kind: 'string', test: (s, args) => args[0]?.kind === 'string' && (posixRegex(args[0].raw)?.test(s.value) ?? false) },
  uci: { kind: 'string', test: uciType },
};
