// The word scanner libuci uses for config files, delta files and `uci batch` (file.c's
// uci_getln, parse_str, next_arg): it rewrites its line buffer in place, which is where its
// corner cases come from (a `;` right after a bare word ends the line, a backslash at the end
// of a line joins the next one, quotes may span lines). Pure.

export class ParseFailure extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export const SPACE = new Set([0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]);

/** The line buffer and the stream it is filled from (uci_getln and pctx_* of libuci). */
export class LineBuffer {
  private buf = Buffer.alloc(256);
  /** bytes read into the buffer (libuci's buf_filled) */
  length = 0;
  pos = 0;
  line = 0;
  private next = 0;

  constructor(private readonly input: Buffer) {}

  get atEnd(): boolean {
    return this.next >= this.input.length;
  }

  at(i: number): number {
    return i < this.length ? this.buf[i]! : 0;
  }

  get cur(): number {
    return this.at(this.pos);
  }

  set(i: number, c: number): void {
    if (i < this.length) this.buf[i] = c;
  }

  /** Starts a new line: empty buffer, position 0. */
  reset(): void {
    this.length = 0;
    this.pos = 0;
  }

  /** Reads the next physical line into the buffer at `offset`, dropping what was after it. */
  getln(offset: number): void {
    this.length = Math.min(this.length, offset);
    if (this.atEnd) return;
    let end = this.input.indexOf(0x0a, this.next);
    end = end < 0 ? this.input.length : end + 1;
    const size = this.length + end - this.next;
    if (size > this.buf.length) {
      const bigger = Buffer.alloc(Math.max(size, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    this.input.copy(this.buf, this.length, this.next, end);
    this.length = size;
    if (this.input[end - 1] === 0x0a) this.line++;
    this.next = end;
  }

  private end(i: number): number {
    const nul = this.buf.indexOf(0, i);
    return nul < 0 || nul > this.length ? this.length : nul;
  }

  /** The NUL-terminated string starting at i. */
  str(i: number): string {
    return i >= this.length ? '' : this.buf.toString('utf8', i, this.end(i));
  }

  strlen(i: number): number {
    return i >= this.length ? 0 : this.end(i) - i;
  }

  /** Bytes filled so far (libuci's buf_filled): the end of the text read into the buffer. */
  get filled(): number {
    return this.length;
  }
}

/** Reads words from a LineBuffer with libuci's quoting rules; errors throw ParseFailure. */
export class UciScanner {
  readonly buffer: LineBuffer;

  constructor(input: Buffer) {
    this.buffer = new LineBuffer(input);
  }

  fail(reason: string): never {
    throw new ParseFailure(reason);
  }

  skipWhitespace(): void {
    while (this.buffer.cur !== 0 && SPACE.has(this.buffer.cur)) this.buffer.pos++;
  }

  /** After a backslash: true when the next character is taken literally, false on a line end. */
  parseBackslash(): boolean {
    const b = this.buffer;
    b.pos++;
    const c = b.cur;
    if (c === 0 || c === 0x0a || (c === 0x0d && b.at(b.pos + 1) === 0x0a && b.at(b.pos + 2) === 0)) {
      b.getln(b.pos);
      return false;
    }
    return true;
  }

  addc(target: { at: number }): void {
    this.buffer.set(target.at, this.buffer.cur);
    target.at++;
    this.buffer.pos++;
  }

  parseDoubleQuote(target: { at: number }): void {
    const b = this.buffer;
    b.pos++;
    for (;;) {
      const c = b.cur;
      if (c === 0x22) {
        b.pos++;
        return;
      }
      if (c === 0) {
        b.getln(b.pos);
        if (b.cur === 0) this.fail('EOF with unterminated "');
        continue;
      }
      if (c === 0x5c && !this.parseBackslash()) continue;
      this.addc(target);
    }
  }

  parseSingleQuote(target: { at: number }): void {
    const b = this.buffer;
    b.pos++;
    for (;;) {
      const c = b.cur;
      if (c === 0x27) {
        b.pos++;
        return;
      }
      if (c === 0) {
        b.getln(b.pos);
        if (b.cur === 0) this.fail("EOF with unterminated '");
        continue;
      }
      this.addc(target);
    }
  }

  parseStr(target: { at: number }): void {
    const b = this.buffer;
    let next = true;
    scan: do {
      switch (b.cur) {
        case 0x27: this.parseSingleQuote(target); break;
        case 0x22: this.parseDoubleQuote(target); break;
        case 0x23: b.set(b.pos, 0); break scan;
        case 0: break scan;
        case 0x3b: next = false; break scan;
        case 0x5c:
          if (!this.parseBackslash()) continue scan;
          this.addc(target);
          break;
        default: this.addc(target);
      }
    } while (b.cur !== 0 && !SPACE.has(b.cur));
    if (b.cur !== 0 && next) b.pos++;
    b.set(target.at, 0);
  }

  /** The next argument (its offset in the buffer); name validation as libuci's next_arg. */
  nextArg(required: boolean, name: boolean, pkg: boolean): number {
    const b = this.buffer;
    this.skipWhitespace();
    const val = b.pos;
    if (b.cur === 0x3b) {
      b.set(b.pos, 0);
      b.pos++;
    } else {
      this.parseStr({ at: val });
    }
    if (b.at(val) === 0) {
      if (required) this.fail('insufficient arguments');
      return val;
    }
    if (name && !validName(b.str(val), pkg)) this.fail('invalid character in name field');
    return val;
  }

  assertEol(strict: boolean): void {
    this.skipWhitespace();
    const extra = this.nextArg(false, false, false);
    if (this.buffer.at(extra) !== 0 && strict) this.fail('too many arguments');
  }

  increasePos(add: number, reason: string): void {
    if (this.buffer.pos + add > this.buffer.filled) this.fail(reason);
    this.buffer.pos += add;
  }

  /** strtok(cur, " \t"): the keyword, NUL-terminated in place; undefined at the end. */
  keyword(): string | undefined {
    const b = this.buffer;
    let start = b.pos;
    while (b.at(start) === 0x20 || b.at(start) === 0x09) start++;
    if (b.at(start) === 0) return undefined;
    let end = start;
    while (b.at(end) !== 0 && b.at(end) !== 0x20 && b.at(end) !== 0x09) end++;
    if (b.at(end) !== 0) b.set(end, 0);
    return b.str(start);
  }

  /** Reads one argument as uci_parse_argument: a new line when `fresh`, else from where it stopped. */
  argument(fresh: boolean): string {
    if (fresh) {
      this.buffer.reset();
      this.buffer.getln(0);
    }
    return this.buffer.str(this.nextArg(false, false, false));
  }

  /** What is left of the line buffer after the last argument. */
  get rest(): string {
    return this.buffer.str(this.buffer.pos);
  }
}

export function validName(name: string, pkg: boolean): boolean {
  return pkg ? /^[A-Za-z0-9_-]+$/.test(name) : /^[A-Za-z0-9_]+$/.test(name);
}
