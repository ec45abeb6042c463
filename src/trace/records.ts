// Decoding of the tracer's records (native/trace.h, struct jc_trace_header + data). Pure: a
// streaming decoder fed arbitrary chunks of the trace pipe. Path and count records, the bulk of
// a trace, can go to a TraceRecordSink as plain numbers (no object, no BigInt per record);
// every type can also be had as a TraceRecord object.

export type TraceRecord =
  | { type: 'count'; auditArch: number; nr: number; count: number }
  | { type: 'path'; pid: number; auditArch: number; nr: number; ret: bigint; dirfd: bigint; flags: bigint; path: string }
  | { type: 'value'; pid: number; auditArch: number; nr: number; ret: bigint; value: bigint; /** a second argument, when the capture asks for one (else -1) */ flags?: bigint }
  | { type: 'bytes'; pid: number; auditArch: number; nr: number; ret: bigint; bytes: Uint8Array }
  | { type: 'exit'; pid: number; status: number }
  | { type: 'spawn'; pid: number; parent: number; thread: boolean }
  /** while the program runs: calls so far and distinct (ABI, number) pairs, counted by the tracer */
  | { type: 'progress'; syscalls: number; distinct: number }
  /** at the end, when the in-kernel counter ran: how many calls it counted without a stop */
  | { type: 'counter'; count: number; /** calls its recorder recorded, when it ran */ recorded?: number }
  /** at the end, when the in-kernel recorder's ring was full: calls whose arguments were lost */
  | { type: 'lost'; count: number };

export const RECORD_HEADER_SIZE = 48;

/** `dirfd` of a path call whose syscall has no dirfd argument (the tracer sends -1): the
 * working directory. Not an int, so no descriptor number can be mistaken for it. */
export const NO_DIRFD = 2 ** 32;

/**
 * What a path record says, as numbers (TraceRecordDecoder.feed):
 * - `ret`: the return value; exact below 2^53 in magnitude (fds, lengths, -errno)
 * - `dirfd`: the dirfd argument as the kernel reads it (its low 32 bits, signed), or NO_DIRFD
 * - `flags`: the flags/mode argument's low 32 bits (unsigned), or -1 when the capture has none
 */
export interface TraceRecordSink {
  count(auditArch: number, nr: number, count: number): void;
  path(pid: number, auditArch: number, nr: number, ret: number, dirfd: number, flags: number, path: string): void;
  /** any other record (rare: spawns, sockets, the exit, progress) */
  record(record: TraceRecord): void;
}

/** Record types (enum jc_trace_record) */
const COUNT = 1;
const PATH = 2;
const VALUE = 3;
const BYTES = 4;
const EXIT = 5;
const SPAWN = 6;
const PROGRESS = 7;
const COUNTER = 8;
const LOST = 9;
/** jc_trace_header field offsets */
const AT_RET = 16;
const AT_VALUE = 24;
const AT_FLAGS = 32;
const AT_LEN = 40;
const TWO_32 = 2 ** 32;

export class TraceRecordDecoder {
  /** bytes of a record not complete yet */
  private rest: Uint8Array = new Uint8Array(0);
  private readonly littleEndian: boolean;
  /** offset of the low and high 32-bit halves of an int64 field */
  private readonly lo: number;
  private readonly hi: number;
  private view: DataView = new DataView(new ArrayBuffer(0));
  /** the bytes being decoded, as a Buffer: its native UTF-8 decoder reads the paths */
  private bytes: Buffer = Buffer.alloc(0);

  constructor(littleEndian: boolean) {
    this.littleEndian = littleEndian;
    this.lo = littleEndian ? 0 : 4;
    this.hi = littleEndian ? 4 : 0;
  }

  /** Feeds bytes; returns every record completed by them. */
  push(chunk: Uint8Array): TraceRecord[] {
    const out: TraceRecord[] = [];
    this.each(chunk, (at) => {
      const record = this.decodeObject(at);
      if (record !== undefined) out.push(record);
    });
    return out;
  }

  /** Feeds bytes; hands every record completed by them to `sink`, in order. */
  feed(chunk: Uint8Array, sink: TraceRecordSink): void {
    this.each(chunk, (at, type, len) => {
      if (type === PATH) this.decodePath(at, len, sink);
      else if (type === COUNT) sink.count(this.view.getUint32(at + 8, this.littleEndian), this.view.getInt32(at + 12, this.littleEndian), this.int64(at + AT_VALUE));
      else {
        const record = this.decodeObject(at);
        if (record !== undefined) sink.record(record);
      }
    });
  }

  /** Bytes left over that do not form a whole record (a truncated stream). */
  get pending(): number {
    return this.rest.length;
  }

  /** Calls `record` with the offset, type and data length of each whole record. */
  private each(chunk: Uint8Array, record: (at: number, type: number, len: number) => void): void {
    // a chunk usually holds whole records: copied only when a record straddles two chunks
    let bytes = chunk;
    if (this.rest.length > 0) {
      bytes = new Uint8Array(this.rest.length + chunk.length);
      bytes.set(this.rest);
      bytes.set(chunk, this.rest.length);
    }
    const view = (this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    this.bytes = Buffer.from(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
    const le = this.littleEndian;
    let offset = 0;
    while (bytes.length - offset >= RECORD_HEADER_SIZE) {
      const len = view.getUint32(offset + AT_LEN, le);
      if (bytes.length - offset < RECORD_HEADER_SIZE + len) break;
      record(offset, view.getUint32(offset, le), len);
      offset += RECORD_HEADER_SIZE + len;
    }
    this.rest = bytes.slice(offset);
  }

  private decodePath(at: number, len: number, sink: TraceRecordSink): void {
    const view = this.view;
    const le = this.littleEndian;
    const dirfdLow = view.getInt32(at + AT_VALUE + this.lo, le);
    const dirfd = dirfdLow === -1 && view.getInt32(at + AT_VALUE + this.hi, le) === -1 ? NO_DIRFD : dirfdLow;
    const flags = view.getInt32(at + AT_FLAGS + this.hi, le) < 0 ? -1 : view.getUint32(at + AT_FLAGS + this.lo, le);
    const data = at + RECORD_HEADER_SIZE;
    sink.path(view.getUint32(at + 4, le), view.getUint32(at + 8, le), view.getInt32(at + 12, le), this.int64(at + AT_RET), dirfd, flags, this.bytes.toString('utf8', data, data + len));
  }

  /** An int64 field as a Number: exact below 2^53, else rounded as Number(bigint) rounds. */
  private int64(at: number): number {
    return this.view.getInt32(at + this.hi, this.littleEndian) * TWO_32 + this.view.getUint32(at + this.lo, this.littleEndian);
  }

  /** The record at `at` as an object; undefined for a type this decoder does not know (a newer
   * tracer's), which is skipped whole. A new record type is one more case here. */
  private decodeObject(at: number): TraceRecord | undefined {
    const view = this.view;
    const le = this.littleEndian;
    const data = at + RECORD_HEADER_SIZE;
    const len = view.getUint32(at + AT_LEN, le);
    const type = view.getUint32(at, le);
    const pid = view.getUint32(at + 4, le);
    const auditArch = view.getUint32(at + 8, le);
    const nr = view.getInt32(at + 12, le);
    const ret = (): bigint => view.getBigInt64(at + AT_RET, le);
    switch (type) {
      case PATH: return {
        type: 'path', pid, auditArch, nr, ret: ret(), dirfd: view.getBigInt64(at + AT_VALUE, le), flags: view.getBigInt64(at + AT_FLAGS, le),
        path: this.bytes.toString('utf8', data, data + len),
      };
      case VALUE: {
        // flags: a second argument, when the capture asks for one (else -1)
        const flags = view.getBigInt64(at + AT_FLAGS, le);
        return { type: 'value', pid, auditArch, nr, ret: ret(), value: view.getBigInt64(at + AT_VALUE, le), ...(flags !== -1n ? { flags } : {}) };
      }
      case BYTES: return { type: 'bytes', pid, auditArch, nr, ret: ret(), bytes: new Uint8Array(this.bytes.subarray(data, data + len)) };
      case EXIT: return { type: 'exit', pid, status: this.int64(at + AT_VALUE) };
      // flags: the ptrace event that reported it; PTRACE_EVENT_CLONE (3) is a thread
      case SPAWN: return { type: 'spawn', pid, parent: this.int64(at + AT_VALUE), thread: view.getBigInt64(at + AT_FLAGS, le) === 3n };
      case COUNTER: {
        // flags: the calls the in-kernel recorder recorded, when it ran (else -1)
        const recorded = this.int64(at + AT_FLAGS);
        return { type: 'counter', count: this.int64(at + AT_VALUE), ...(recorded >= 0 ? { recorded } : {}) };
      }
      case LOST: return { type: 'lost', count: this.int64(at + AT_VALUE) };
      case PROGRESS: return { type: 'progress', syscalls: this.int64(at + AT_VALUE), distinct: this.int64(at + AT_FLAGS) };
      case COUNT: return { type: 'count', auditArch, nr, count: this.int64(at + AT_VALUE) };
      default: return undefined;
    }
  }
}
