// The C library conversions validate_data's datatypes are built on, with their exact
// acceptance rules: strtol/strtoul (leading blanks, sign, base 0 prefixes, wrap-around of a
// 64-bit long cast to int), strtod, inet_pton for IPv4 and IPv6, musl's ether_aton. Pure.

const C_SPACE = /^[ \t\n\v\f\r]*/;

export interface CParse {
  /** characters consumed; 0 when nothing could be read (C's end == start) */
  length: number;
}

export interface CInteger extends CParse {
  value: bigint;
}

const LONG_MAX = (1n << 63n) - 1n;
const LONG_MIN = -(1n << 63n);
const ULONG_MAX = (1n << 64n) - 1n;

function digitValue(c: string): number {
  const code = c.toLowerCase().charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 122) return code - 87;
  return 99;
}

/** Digits of strtol/strtoul: base 0 or 16 take 0x, base 0 takes a leading 0 as octal. */
function scanDigits(text: string, base: number): { negative: boolean; magnitude: bigint; length: number } | undefined {
  let i = C_SPACE.exec(text)![0].length;
  let negative = false;
  if (text[i] === '+' || text[i] === '-') negative = text[i++] === '-';
  let b = base;
  if ((b === 0 || b === 16) && text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X') && digitValue(text[i + 2] ?? '') < 16) {
    i += 2;
    b = 16;
  } else if (b === 0) {
    b = text[i] === '0' ? 8 : 10;
  }
  if (b < 2 || b > 36) return undefined;
  const start = i;
  let magnitude = 0n;
  while (i < text.length && digitValue(text[i]!) < b) magnitude = magnitude * BigInt(b) + BigInt(digitValue(text[i++]!));
  if (i === start) return undefined;
  return { negative, magnitude, length: i };
}

/** strtol on an LP64 system (long is 64 bits). */
export function strtol(text: string, base = 10): CInteger {
  const d = scanDigits(text, base);
  if (d === undefined) return { value: 0n, length: 0 };
  let value = d.negative ? -d.magnitude : d.magnitude;
  if (value > LONG_MAX) value = LONG_MAX;
  if (value < LONG_MIN) value = LONG_MIN;
  return { value, length: d.length };
}

/** strtoul on an LP64 system: a negative number wraps around, an overflow is ULONG_MAX. */
export function strtoul(text: string, base = 10): CInteger {
  const d = scanDigits(text, base);
  if (d === undefined) return { value: 0n, length: 0 };
  if (d.magnitude > ULONG_MAX) return { value: ULONG_MAX, length: d.length };
  return { value: d.negative ? (ULONG_MAX + 1n - d.magnitude) & ULONG_MAX : d.magnitude, length: d.length };
}

/** A long or unsigned long assigned to a C int: the low 32 bits, signed. */
export function toCInt(value: bigint): number {
  return Number(BigInt.asIntN(32, value));
}

export interface CDouble extends CParse {
  value: number;
}

const DECIMAL_FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const HEX_FLOAT = /^[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?/;
const SPECIAL_FLOAT = /^[+-]?(?:inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?)/i;

/** strtod: decimal and hexadecimal floats, inf, infinity, nan, nan(...). */
export function strtod(text: string): CDouble {
  const lead = C_SPACE.exec(text)![0].length;
  const rest = text.slice(lead);
  const hex = HEX_FLOAT.exec(rest);
  if (hex !== null) return { value: parseHexFloat(hex[0]), length: lead + hex[0].length };
  const dec = DECIMAL_FLOAT.exec(rest);
  if (dec !== null) return { value: Number(dec[0]), length: lead + dec[0].length };
  const special = SPECIAL_FLOAT.exec(rest);
  if (special !== null) {
    const sign = special[0].startsWith('-') ? -1 : 1;
    return { value: /nan/i.test(special[0]) ? NaN : sign * Infinity, length: lead + special[0].length };
  }
  return { value: 0, length: 0 };
}

function parseHexFloat(text: string): number {
  const match = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)(?:[pP]([+-]?\d+))?$/.exec(text)!;
  const mantissa = parseInt(`${match[2] || '0'}${match[3] ?? ''}`, 16) / 16 ** (match[3]?.length ?? 0);
  return (match[1] === '-' ? -1 : 1) * mantissa * 2 ** Number(match[4] ?? 0);
}

/** inet_pton(AF_INET): four decimal parts of 0-255, no leading zeros. */
export function parseIPv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!/^(?:0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return undefined;
    bytes.push(Number(part));
  }
  return bytes;
}

/** inet_pton(AF_INET6): up to eight groups of 1-4 hex digits, one "::", an IPv4 tail. */
export function parseIPv6(text: string): number[] | undefined {
  if (text.length === 0 || /[^0-9a-fA-F:.]/.test(text)) return undefined;
  let head = text;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    const v4 = parseIPv4(text.slice(lastColon + 1));
    if (v4 === undefined || lastColon < 0) return undefined;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    head = text.slice(0, lastColon + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  if (left === undefined || right === undefined) return undefined;
  const total = left.length + right.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const words = [...left, ...new Array<number>(8 - total).fill(0), ...right, ...tail];
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

/** musl's ether_aton: six strtoul(…, 16) parts of at most 0xff between colons. */
export function parseMacMusl(text: string): number[] | undefined {
  const bytes: number[] = [];
  let rest = text;
  for (let i = 0; i < 6; i++) {
    if (i !== 0) {
      if (!rest.startsWith(':')) return undefined;
      rest = rest.slice(1);
    }
    const n = strtoul(rest, 16);
    rest = rest.slice(n.length);
    if (n.value > 0xffn) return undefined;
    bytes.push(Number(n.value));
  }
  return rest === '' ? bytes : undefined;
}
