// Values from an input file, as messages may show them. A name, number or path is quoted (it is
// what the reader needs to find the mistake); anything that could be a secret is described
// instead: a password hash ("$y$..."), a key (a long run of letters and digits), a PEM line,
// text with spaces, an object. The file may be /etc/shadow or a key given by mistake, and
// jailctl often runs as root for a user who could not read it. Pure.

/** Characters of names, numbers and paths; a crypt hash ($), a sentence ( ) or quotes fall outside. */
const PLAIN = /^[A-Za-z0-9_.:@/+,=-]{0,64}$/;
/** 16 letters and digits in a row: a hex key, base64, a token; no syscall, capability or path component is one. */
const KEY_LIKE = /[A-Za-z0-9]{16}/;

/** Whether `text` may be shown in a message. */
export function isPlainText(text: string): boolean {
  return PLAIN.test(text) && !KEY_LIKE.test(text);
}

/** `"text"` when plain, else `<a string of N characters>`. */
export function showString(text: string): string {
  return isPlainText(text) ? JSON.stringify(text) : `<a string of ${text.length} characters>`;
}

/** A JSON value for a message: plain scalars as JSON, anything else by its kind. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return showString(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === null) {
    const text = String(value);
    return isPlainText(text) ? text : `<a number>`;
  }
  if (Array.isArray(value)) return `<an array>`;
  if (typeof value === 'object') return `<an object>`;
  return `<${typeof value}>`;
}
