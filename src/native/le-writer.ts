// The little-endian writer of jailctl's binary encodings (launch plans, stored plans), read
// byte by byte by native/reader.c on every CPU. Pure.
import { JailctlError } from '../errors.js';
import { encodeRaw } from '../io/raw-bytes.js';

/** One growing buffer: a plan has thousands of integers (trace captures), and a small array
 * and DataView per value cost milliseconds on every start. */
export class LeWriter {
  private buf = new Uint8Array(16384);
  private view = new DataView(this.buf.buffer);
  private length = 0;

  private reserve(n: number): number {
    if (this.length + n > this.buf.length) {
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
      bigger.set(this.buf.subarray(0, this.length));
      this.buf = bigger;
      this.view = new DataView(bigger.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  // reserve() first: it may replace buf and view
  u32(value: number): void {
    const at = this.reserve(4);
    this.view.setUint32(at, value, true);
  }

  i64(value: bigint): void {
    const at = this.reserve(8);
    this.view.setBigInt64(at, BigInt.asIntN(64, value), true);
  }

  /** An i64 given as a JavaScript number: no BigInt per value (a plan has ~1000 of them) when it
   * is a safe integer; anything else goes through BigInt() and fails as it would. */
  int(value: number): void {
    if (!Number.isSafeInteger(value)) return this.i64(BigInt(value));
    const at = this.reserve(8);
    // two's complement in two halves: the high half is floor(value / 2^32), the low the rest
    const high = Math.floor(value / 0x1_0000_0000);
    this.view.setUint32(at, value - high * 0x1_0000_0000, true);
    this.view.setInt32(at + 4, high, true);
  }

  u64(value: bigint): void {
    this.i64(value);
  }

  /** (u32 length, bytes, NUL); a string holding NUL cannot be passed to C */
  str(value: string | Uint8Array): void {
    // strings carry non-UTF-8 bytes escaped (io/raw-bytes.ts): the launcher gets the real bytes
    const bytes = typeof value === 'string' ? encodeRaw(value) : value;
    if (typeof value === 'string' && bytes.includes(0)) throw new JailctlError('JAIL_INVALID', `a plan string contains a NUL byte: ${JSON.stringify(value)}`);
    this.u32(bytes.length);
    this.raw(bytes);
    const at = this.reserve(1);
    this.buf[at] = 0;
  }

  raw(bytes: Uint8Array): void {
    const at = this.reserve(bytes.length);
    this.buf.set(bytes, at);
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

