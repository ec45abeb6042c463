// Where and why a text is not JSON, without quoting it: Node's JSON.parse messages carry a
// snippet of the text ('Unexpected token 'r', "root:$y$j9"... is not valid JSON'), and the
// text may be /etc/shadow or a key given by mistake. This scanner finds the first error, and
// the message says its line, column and what was expected. Iterative (no recursion), so any
// nesting depth is fine. Pure.

export interface JsonSyntaxError {
  /** UTF-16 offset of the error in the text */
  offset: number;
  reason: string;
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const ESCAPES = new Set([...'"\\/bfnrtu'].map((c) => c.charCodeAt(0)));

/** An object or array being scanned. */
interface Frame {
  object: boolean;
  items: number;
}

class Fail {
  constructor(readonly at: number, readonly reason: string) {}
}

class Scanner {
  i = 0;
  constructor(private readonly text: string) {}

  get end(): boolean {
    return this.i >= this.text.length;
  }

  peek(): number {
    return this.text.charCodeAt(this.i);
  }

  skipSpace(): void {
    while (!this.end && isSpace(this.peek())) this.i++;
  }

  fail(reason: string): never {
    throw new Fail(this.i, this.end ? 'the text ends before the JSON value does' : reason);
  }

  string(): void {
    this.i++; // the opening quote
    for (;;) {
      if (this.end) this.fail('');
      const c = this.peek();
      if (c === 0x22) { this.i++; return; }
      if (c < 0x20) this.fail('a control character (such as a line break) inside a string: write it as an escape');
      if (c === 0x5c) {
        this.i++;
        if (this.end || !ESCAPES.has(this.peek())) this.fail('an invalid escape sequence in a string');
        if (this.peek() === 0x75) {
          for (let k = 1; k <= 4; k++) if (!isHex(this.text.charCodeAt(this.i + k))) { this.i += k; this.fail('\\u must be followed by 4 hex digits'); }
          this.i += 4;
        }
      }
      this.i++;
    }
  }

  digits(): void {
    if (this.end || !isDigit(this.peek())) this.fail('an invalid number');
    while (!this.end && isDigit(this.peek())) this.i++;
  }

  number(): void {
    if (this.peek() === 0x2d) this.i++;
    if (!this.end && this.peek() === 0x30) this.i++;
    else this.digits();
    if (!this.end && this.peek() === 0x2e) { this.i++; this.digits(); }
    if (!this.end && (this.peek() | 0x20) === 0x65) {
      this.i++;
      if (!this.end && (this.peek() === 0x2b || this.peek() === 0x2d)) this.i++;
      this.digits();
    }
  }

  literal(): void {
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.i)) { this.i += word.length; return; }
    }
    this.fail('unexpected character: expected a value (an object, array, string, number, true, false or null)');
  }

  /** A scalar; or the opening bracket of an object or array, pushed on `stack`. */
  value(stack: Frame[]): void {
    this.skipSpace();
    if (this.end) this.fail('');
    const c = this.peek();
    if (c === 0x7b || c === 0x5b) { stack.push({ object: c === 0x7b, items: 0 }); this.i++; return; }
    if (c === 0x22) return this.string();
    if (c === 0x2d || isDigit(c)) return this.number();
    this.literal();
  }

  /** A property name and its colon. */
  key(): void {
    this.skipSpace();
    if (this.end || this.peek() !== 0x22) this.fail('expected a property name in double quotes');
    this.string();
    this.skipSpace();
    if (this.end || this.peek() !== 0x3a) this.fail("expected ':' after the property name");
    this.i++;
  }
}

/** The first syntax error of `text`, or undefined when it is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const s = new Scanner(text);
  if (text.charCodeAt(0) === 0xfeff) return { offset: 0, reason: 'a byte order mark (BOM) at the start: save the file without it' };
  s.skipSpace();
  if (s.end) return { offset: text.length, reason: 'there is no JSON value: the file is empty' };
  const stack: Frame[] = [];
  try {
    s.value(stack);
    // at the top of the loop: just inside a container, or just after one of its values
    for (let top = stack.at(-1); top !== undefined; top = stack.at(-1)) {
      s.skipSpace();
      if (!s.end && s.peek() === (top.object ? 0x7d : 0x5d)) {
        s.i++;
        stack.pop();
        continue;
      }
      if (top.items > 0) {
        if (s.end || s.peek() !== 0x2c) s.fail(top.object ? "expected ',' or '}' after a property" : "expected ',' or ']' after an element");
        s.i++;
      }
      top.items++;
      if (top.object) s.key();
      s.value(stack);
    }
    s.skipSpace();
    if (!s.end) s.fail('more text after the JSON value');
  } catch (err) {
    if (err instanceof Fail) return { offset: err.at, reason: err.reason };
    throw err;
  }
  return undefined;
}

/** "line 3, column 7" (1-based) of a UTF-16 offset. */
export function lineAndColumn(text: string, offset: number): string {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) { line++; start = i + 1; }
  }
  return `line ${line}, column ${offset - start + 1}`;
}

/** "invalid JSON at line 3, column 7: expected ',' or '}' after a property": nothing of the text. */
export function describeJsonSyntaxError(text: string): string {
  const error = findJsonSyntaxError(text);
  return error === undefined ? 'invalid JSON' : `invalid JSON at ${lineAndColumn(text, error.offset)}: ${error.reason}`;
}
