// Decoding of the tracer's records (native/trace.h, struct jc_trace_header + data). Pure: a
// streaming decoder fed arbitrary chunks of the trace pipe.

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

export class TraceRecordDecoder {
  /** bytes of a record not complete yet */
  private rest: Uint8Array = new Uint8Array(0);
  private readonly littleEndian: boolean;
  /** the bytes being decoded, as a Buffer: its native UTF-8 decoder reads the paths */
  private bytes: Buffer = Buffer.alloc(0);

  constructor(littleEndian: boolean) {
    this.littleEndian = littleEndian;
  }

  /** Feeds bytes; returns every record completed by them. */
  push(chunk: Uint8Array): TraceRecord[] {
    // a chunk usually holds whole records: copied only when a record straddles two chunks
    let bytes = chunk;
    if (this.rest.length > 0) {
      bytes = new Uint8Array(this.rest.length + chunk.length);
      bytes.set(this.rest);
      bytes.set(chunk, this.rest.length);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.bytes = Buffer.from(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
    const out: TraceRecord[] = [];
    let offset = 0;
    while (bytes.length - offset >= RECORD_HEADER_SIZE) {
      const len = view.getUint32(offset + 40, this.littleEndian);
      if (bytes.length - offset < RECORD_HEADER_SIZE + len) break;
      const record = this.decode(view, offset, len);
      if (record !== undefined) out.push(record);
      offset += RECORD_HEADER_SIZE + len;
    }
    this.rest = bytes.slice(offset);
    return out;
  }

  /** Bytes left over that do not form a whole record (a truncated stream). */
  get pending(): number {
    return this.rest.length;
  }

  private decode(view: DataView, at: number, len: number): TraceRecord | undefined {
    const data = at + RECORD_HEADER_SIZE;
    const le = this.littleEndian;
    const type = view.getUint32(at, le);
    const pid = view.getUint32(at + 4, le);
    const auditArch = view.getUint32(at + 8, le);
    const nr = view.getInt32(at + 12, le);
    switch (type) {
      case 1: return { type: 'count', auditArch, nr, count: Number(view.getBigInt64(at + 24, le)) };
      case 2: return {
        type: 'path', pid, auditArch, nr, ret: view.getBigInt64(at + 16, le), dirfd: view.getBigInt64(at + 24, le), flags: view.getBigInt64(at + 32, le),
        path: this.bytes.toString('utf8', data, data + len),
      };
      case 3: {
        // flags: a second argument, when the capture asks for one (else -1)
        const flags = view.getBigInt64(at + 32, le);
        return { type: 'value', pid, auditArch, nr, ret: view.getBigInt64(at + 16, le), value: view.getBigInt64(at + 24, le), ...(flags !== -1n ? { flags } : {}) };
      }
      case 4: return { type: 'bytes', pid, auditArch, nr, ret: view.getBigInt64(at + 16, le), bytes: new Uint8Array(this.bytes.subarray(data, data + len)) };
      case 5: return { type: 'exit', pid, status: Number(view.getBigInt64(at + 24, le)) };
      // flags: the ptrace event that reported it; PTRACE_EVENT_CLONE (3) is a thread
      case 6: return { type: 'spawn', pid, parent: Number(view.getBigInt64(at + 24, le)), thread: view.getBigInt64(at + 32, le) === 3n };
      case 8: {
        const recorded = Number(view.getBigInt64(at + 32, le));
        return { type: 'counter', count: Number(view.getBigInt64(at + 24, le)), ...(recorded >= 0 ? { recorded } : {}) };
      }
      case 9: return { type: 'lost', count: Number(view.getBigInt64(at + 24, le)) };
      case 7: return { type: 'progress', syscalls: Number(view.getBigInt64(at + 24, le)), distinct: Number(view.getBigInt64(at + 32, le)) };
      default: return undefined;
    }
  }
}
