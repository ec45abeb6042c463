// JSON with exact 64-bit integers: seccomp argument values are uint64, and JSON.parse rounds
// integers above 2^53 (18446744073709551615 would become 18446744073709552000). Integer literals
// that are not safe JS integers become bigints here; everything else is plain JSON. Pure.

const TOKEN = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
const MARK = '\u0000jailctl-bigint:';

/**
 * JSON.parse, but integer literals beyond Number.MAX_SAFE_INTEGER come back as bigint. Throws
 * JSON.parse's SyntaxError for invalid text (its message names the position).
 */
export function parseJsonExact(text: string): unknown {
  JSON.parse(text); // the syntax check, with JSON.parse's own error messages
  const marked = text.replace(TOKEN, (token) => {
    if (token.startsWith('"') || /[.eE]/.test(token) || Number.isSafeInteger(Number(token))) return token;
    return JSON.stringify(MARK + token);
  });
  return JSON.parse(marked, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(MARK) ? BigInt(value.slice(MARK.length)) : value);
}

/** The same tree with bigints as (rounded) numbers, for schema validation and messages. */
export function approximate(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(approximate);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, approximate(v)]));
  }
  return value;
}

/** JSON.stringify that writes bigints as exact integer literals. */
export function stringifyExact(value: unknown, indent = 2): string {
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? MARK + v.toString() : v), indent);
  return text.replace(new RegExp(`"${MARK.replace('\u0000', '\\\\u0000')}(-?\\d+)"`, 'g'), '$1');
}
