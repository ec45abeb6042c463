// JSON as jshn sees it through json-c: a reader that keeps integers and doubles apart and
// object keys in order (a repeated key keeps its place and takes the later value), and the two
// writers jshn uses: json-c's spaced form (`{ "a": 1, "b": [ 2 ] }`, doubles as %.17g) and
// libubox's indented form (-i: tabs, doubles as %lf). Pure.

export type JsonValue =
  | { type: 'object'; entries: [string, JsonValue][] }
  | { type: 'array'; items: JsonValue[] }
  | { type: 'string'; value: string }
  | { type: 'int'; value: bigint }
  | { type: 'double'; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'null' };

export class JsonSyntaxError extends Error {}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** Parses the first JSON value of `text` (json-c also reads 'single-quoted' strings). */
export function parseJson(text: string): JsonValue {
  const reader = new Reader(text);
  return reader.value();
}

class Reader {
  private i = 0;
  constructor(private readonly s: string) {}

  private skip(): void {
    for (;;) {
      while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
      if (this.s.startsWith('//', this.i)) {
        const nl = this.s.indexOf('\n', this.i);
        this.i = nl < 0 ? this.s.length : nl + 1;
      } else if (this.s.startsWith('/*', this.i)) {
        const end = this.s.indexOf('*/', this.i + 2);
        if (end < 0) throw new JsonSyntaxError('unterminated comment');
        this.i = end + 2;
      } else {
        return;
      }
    }
  }

  value(): JsonValue {
    this.skip();
    const c = this.s[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"' || c === "'") return { type: 'string', value: this.string() };
    for (const [word, v] of [['true', { type: 'boolean', value: true }], ['false', { type: 'boolean', value: false }], ['null', { type: 'null' }]] as const) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    return this.number();
  }

  private object(): JsonValue {
    this.i++;
    const entries: [string, JsonValue][] = [];
    this.skip();
    if (this.s[this.i] === '}') {
      this.i++;
      return { type: 'object', entries };
    }
    for (;;) {
      this.skip();
      const q = this.s[this.i];
      if (q !== '"' && q !== "'") throw new JsonSyntaxError(`expected a key at offset ${this.i}`);
      const key = this.string();
      this.skip();
      if (this.s[this.i++] !== ':') throw new JsonSyntaxError(`expected ':' at offset ${this.i - 1}`);
      const v = this.value();
      const existing = entries.find((e) => e[0] === key);
      if (existing !== undefined) existing[1] = v;
      else entries.push([key, v]);
      this.skip();
      const sep = this.s[this.i++];
      if (sep === '}') return { type: 'object', entries };
      if (sep !== ',') throw new JsonSyntaxError(`expected ',' or '}' at offset ${this.i - 1}`);
    }
  }

  private array(): JsonValue {
    this.i++;
    const items: JsonValue[] = [];
    this.skip();
    if (this.s[this.i] === ']') {
      this.i++;
      return { type: 'array', items };
    }
    for (;;) {
      items.push(this.value());
      this.skip();
      const sep = this.s[this.i++];
      if (sep === ']') return { type: 'array', items };
      if (sep !== ',') throw new JsonSyntaxError(`expected ',' or ']' at offset ${this.i - 1}`);
    }
  }

  private string(): string {
    const quote = this.s[this.i++];
    let out = '';
    while (this.i < this.s.length) {
      const c = this.s[this.i++]!;
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.i++];
      const simple: Record<string, string> = { '"': '"', "'": "'", '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e !== undefined && simple[e] !== undefined) out += simple[e];
      else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i, this.i + 4))) {
        out += String.fromCharCode(parseInt(this.s.slice(this.i, this.i + 4), 16));
        this.i += 4;
      } else throw new JsonSyntaxError(`bad escape at offset ${this.i - 1}`);
    }
    throw new JsonSyntaxError('unterminated string');
  }

  private number(): JsonValue {
    const match = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i));
    if (match === null) throw new JsonSyntaxError(`unexpected ${JSON.stringify(this.s[this.i] ?? 'end')} at offset ${this.i}`);
    this.i += match[0].length;
    if (match[1] === undefined && match[2] === undefined) {
      const n = BigInt(match[0]);
      if (n <= INT64_MAX && n >= INT64_MIN) return { type: 'int', value: n };
      if (n > INT64_MAX && n < 1n << 64n) return { type: 'int', value: INT64_MAX };
    }
    return { type: 'double', value: Number(match[0]) };
  }
}

/** C's printf("%.6f") (%lf), exactly rounded half-to-even like glibc and musl. */
export function formatFixed6(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x < 0 ? '-inf' : 'inf';
  const negative = x < 0 || Object.is(x, -0);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const exponent = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & ((1n << 52n) - 1n);
  let shift: number;
  if (exponent === 0) shift = -1074;
  else {
    mantissa |= 1n << 52n;
    shift = exponent - 1075;
  }
  // value = mantissa * 2^shift; scaled = value * 10^6 as a fraction num/den
  let num = mantissa * 10n ** 6n;
  let den = 1n;
  if (shift >= 0) num <<= BigInt(shift);
  else den <<= BigInt(-shift);
  let q = num / den;
  const r = num % den;
  if (r * 2n > den || (r * 2n === den && q % 2n === 1n)) q += 1n;
  const digits = q.toString().padStart(7, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -6)}.${digits.slice(-6)}`;
}

/** C's printf("%.17g"). */
export function formatG17(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa, exp] = x.toExponential(16).split('e') as [string, string];
  const e = Number(exp);
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = x < 0 ? '-' : '';
  if (e < -4 || e >= 17) {
    const m = `${digits[0]}.${digits.slice(1)}`.replace(/\.?0+$/, '');
    return `${sign}${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  let text = e >= 0 ? `${digits.slice(0, e + 1)}.${digits.slice(e + 1)}` : `0.${'0'.repeat(-e - 1)}${digits}`;
  if (text.includes('.')) text = text.replace(/\.?0+$/, '');
  return `${sign}${text}`;
}

/** json-c's string escaping: quotes, backslash, \b \f \n \r \t, "/" as "\/", other controls \u00xx. */
function jsonCString(s: string): string {
  return `"${s.replace(/["\\/\u0000-\u001f]/g, (c) => ({ '"': '\\"', '\\': '\\\\', '/': '\\/', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] ?? `\\u00${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`;
}

/** json_object_to_json_string (JSON_C_TO_STRING_SPACED). */
export function toJsonC(v: JsonValue): string {
  switch (v.type) {
    case 'object':
      return v.entries.length === 0 ? '{ }' : `{ ${v.entries.map(([k, e]) => `${jsonCString(k)}: ${toJsonC(e)}`).join(', ')} }`;
    case 'array':
      return v.items.length === 0 ? '[ ]' : `[ ${v.items.map(toJsonC).join(', ')} ]`;
    case 'string': return jsonCString(v.value);
    case 'int': return v.value.toString();
    case 'boolean': return v.value ? 'true' : 'false';
    case 'null': return 'null';
    case 'double': {
      if (Number.isNaN(v.value)) return 'NaN';
      if (!Number.isFinite(v.value)) return v.value < 0 ? '-Infinity' : 'Infinity';
      const text = formatG17(v.value);
      return /[.e]/.test(text) ? text : `${text}.0`;
    }
  }
}

/** libubox's escaping: quotes, backslash, \b \n \r \t, other controls \u00xx ("/" kept). */
function blobmsgString(s: string): string {
  return `"${s.replace(/["\\\u0000-\u001f]/g, (c) => ({ '"': '\\"', '\\': '\\\\', '\b': '\\b', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] ?? `\\u00${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`;
}

/** blobmsg_format_json_indent as jshn -i prints: tabs, `"key": value`, doubles as %lf. */
export function toIndented(v: JsonValue, level = 0): string {
  const sep = (n: number) => `\n${'\t'.repeat(Math.min(n, 16))}`;
  switch (v.type) {
    case 'object':
    case 'array': {
      const open = v.type === 'object' ? '{' : '[';
      const close = v.type === 'object' ? '}' : ']';
      const parts = v.type === 'object'
        ? v.entries.map(([k, e]) => (k === '' ? toIndented(e, level + 1) : `${blobmsgString(k)}: ${toIndented(e, level + 1)}`))
        : v.items.map((e) => toIndented(e, level + 1));
      return `${open}${sep(level + 1)}${parts.join(`,${sep(level + 1)}`)}${sep(level)}${close}`;
    }
    case 'string': return blobmsgString(v.value);
    case 'int': return v.value.toString();
    case 'boolean': return v.value ? 'true' : 'false';
    case 'null': return 'null';
    case 'double': return formatFixed6(v.value);
  }
}
