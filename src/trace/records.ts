// Decoding of the tracer's records (native/trace.h, struct jc_trace_header + data). Pure: a
// streaming decoder fed arbitrary chunks of the trace pipe.

export type TraceRecord =
  | { type: 'count'; auditArch: number; nr: number; count: number }
  | { type: 'path'; pid: number; auditArch: number; nr: number; ret: bigint; dirfd: bigint; flags: bigint; path: string }
  | { type: 'value'; pid: number; auditArch: number; nr: number; ret: bigint; value: bigint; /** a second argument, when the capture asks for one (else -1) */ flags?: bigint }
  | { type: 'bytes'; pid: number; auditArch: number; nr: number; ret: bigint; bytes: Uint8Array }
  | { type: 'exit'; pid: number; status: number }
  | { type: 'spawn'; pid: number; parent: number };

export const RECORD_HEADER_SIZE = 48;

export class TraceRecordDecoder {
  private buffer = new Uint8Array(0);
  private readonly littleEndian: boolean;

  constructor(littleEndian: boolean) {
    this.littleEndian = littleEndian;
  }

  /** Feeds bytes; returns every record completed by them. */
  push(chunk: Uint8Array): TraceRecord[] {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer);
    joined.set(chunk, this.buffer.length);
    const out: TraceRecord[] = [];
    let offset = 0;
    while (joined.length - offset >= RECORD_HEADER_SIZE) {
      const view = new DataView(joined.buffer, joined.byteOffset + offset, RECORD_HEADER_SIZE);
      const len = view.getUint32(40, this.littleEndian);
      if (joined.length - offset < RECORD_HEADER_SIZE + len) break;
      const data = joined.subarray(offset + RECORD_HEADER_SIZE, offset + RECORD_HEADER_SIZE + len);
      const record = this.decode(view, data);
      if (record !== undefined) out.push(record);
      offset += RECORD_HEADER_SIZE + len;
    }
    this.buffer = joined.slice(offset);
    return out;
  }

  /** Bytes left over that do not form a whole record (a truncated stream). */
  get pending(): number {
    return this.buffer.length;
  }

  private decode(view: DataView, data: Uint8Array): TraceRecord | undefined {
    const le = this.littleEndian;
    const type = view.getUint32(0, le);
    const pid = view.getUint32(4, le);
    const auditArch = view.getUint32(8, le);
    const nr = view.getInt32(12, le);
    const ret = view.getBigInt64(16, le);
    const value = view.getBigInt64(24, le);
    const flags = view.getBigInt64(32, le);
    switch (type) {
      case 1: return { type: 'count', auditArch, nr, count: Number(value) };
      case 2: return { type: 'path', pid, auditArch, nr, ret, dirfd: value, flags, path: new TextDecoder().decode(data) };
      case 3: return { type: 'value', pid, auditArch, nr, ret, value, ...(flags !== -1n ? { flags } : {}) };
      case 4: return { type: 'bytes', pid, auditArch, nr, ret, bytes: data.slice() };
      case 5: return { type: 'exit', pid, status: Number(value) };
      case 6: return { type: 'spawn', pid, parent: Number(value) };
      default: return undefined;
    }
  }
}
