// ELF headers, program headers and the dynamic section, read through a callback so a 100 MB
// binary costs a few small reads. Pure: no fs. Every malformation is a JailctlError naming the
// file and what is wrong, never a RangeError.
import { JailctlError } from '../errors.js';

export type ByteReader = (offset: number, length: number) => Uint8Array | undefined;

export interface ElfInfo {
  bits: 32 | 64;
  endian: 'le' | 'be';
  /** e_machine (EM_X86_64 = 62, EM_AARCH64 = 183, EM_MIPS = 8 ...) */
  machine: number;
  /** e_type (ET_EXEC = 2, ET_DYN = 3) */
  type: number;
  /** PT_INTERP, e.g. /lib64/ld-linux-x86-64.so.2 */
  interpreter: string | undefined;
  needed: string[];
  rpath: string[];
  runpath: string[];
  soname: string | undefined;
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT = { NULL: 0, NEEDED: 1, STRTAB: 5, STRSZ: 10, SONAME: 14, RPATH: 15, RUNPATH: 29 } as const;
const MAX_PHDRS = 4096;
const MAX_TABLE = 16 << 20;

interface Segment { type: number; offset: number; vaddr: number; filesz: number }

export function isElf(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
}

class Fields {
  private readonly view: DataView;
  constructor(bytes: Uint8Array, private readonly le: boolean, private readonly path: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u16(at: number): number { return this.view.getUint16(at, this.le); }
  u32(at: number): number { return this.view.getUint32(at, this.le); }
  /** a 64-bit field as a safe integer (offsets and sizes beyond 2^53 are malformed here) */
  u64(at: number, what: string): number {
    const v = this.view.getBigUint64(at, this.le);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed(this.path, `${what} 0x${v.toString(16)} is out of range`);
    return Number(v);
  }
  word(at: number, bits: 32 | 64, what: string): number {
    return bits === 64 ? this.u64(at, what) : this.u32(at);
  }
}

function malformed(path: string, what: string): JailctlError {
  return new JailctlError('ELF_MALFORMED', `${path}: malformed ELF: ${what}`, { path, hint: 'the file may be truncated or corrupt; reinstall it, or pass --no-auto-libs and bind its libraries with --ro' });
}

function readExactly(read: ByteReader, path: string, offset: number, length: number, what: string, fileSize?: number): Uint8Array {
  const bytes = read(offset, length);
  if (bytes === undefined) throw new JailctlError('PATH_MISSING', `${path}: cannot read the file`, { path });
  if (bytes.length < length) {
    throw malformed(path, `${what} (offset 0x${offset.toString(16)}, ${length} bytes) extends past end of file${fileSize === undefined ? '' : ` (${fileSize} bytes)`}`);
  }
  return bytes;
}

/** Parses the headers and dynamic section of the ELF file behind `read`. */
export function parseElf(read: ByteReader, path: string): ElfInfo {
  const ident = read(0, 64);
  if (ident === undefined) throw new JailctlError('PATH_MISSING', `${path}: cannot read the file`, { path });
  if (!isElf(ident)) throw malformed(path, 'no ELF magic number');
  if (ident.length < 52) throw malformed(path, `file header truncated (${ident.length} bytes)`);
  const bits = ident[4] === 1 ? 32 : ident[4] === 2 ? 64 : undefined;
  const endian = ident[5] === 1 ? 'le' : ident[5] === 2 ? 'be' : undefined;
  if (bits === undefined) throw malformed(path, `unknown class ${ident[4]}`);
  if (endian === undefined) throw malformed(path, `unknown data encoding ${ident[5]}`);
  if (bits === 64 && ident.length < 64) throw malformed(path, `file header truncated (${ident.length} bytes)`);
  const h = new Fields(ident, endian === 'le', path);
  const type = h.u16(16);
  const machine = h.u16(18);
  const phoff = h.word(bits === 64 ? 32 : 28, bits, 'program header offset');
  const phentsize = h.u16(bits === 64 ? 54 : 42);
  const phnum = h.u16(bits === 64 ? 56 : 44);
  const segments = readSegments(read, path, bits, endian, phoff, phentsize, phnum);
  const info: ElfInfo = { bits, endian, machine, type, interpreter: undefined, needed: [], rpath: [], runpath: [], soname: undefined };
  const interp = segments.find((s) => s.type === PT_INTERP);
  if (interp !== undefined) info.interpreter = readInterpreter(read, path, interp);
  const dynamic = segments.find((s) => s.type === PT_DYNAMIC);
  if (dynamic !== undefined) readDynamic(read, path, bits, endian, dynamic, segments, info);
  return info;
}

function readSegments(read: ByteReader, path: string, bits: 32 | 64, endian: 'le' | 'be', phoff: number, phentsize: number, phnum: number): Segment[] {
  if (phnum === 0) return [];
  const minEntry = bits === 64 ? 56 : 32;
  if (phentsize < minEntry) throw malformed(path, `program header entry size ${phentsize} is below ${minEntry}`);
  if (phnum > MAX_PHDRS) throw malformed(path, `${phnum} program headers`);
  const table = readExactly(read, path, phoff, phentsize * phnum, `program header table (${phentsize} × ${phnum} entries)`);
  const f = new Fields(table, endian === 'le', path);
  const out: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = i * phentsize;
    out.push(bits === 64
      ? { type: f.u32(at), offset: f.u64(at + 8, 'segment offset'), vaddr: f.u64(at + 16, 'segment address'), filesz: f.u64(at + 32, 'segment size') }
      : { type: f.u32(at), offset: f.u32(at + 4), vaddr: f.u32(at + 8), filesz: f.u32(at + 16) });
  }
  return out;
}

function readInterpreter(read: ByteReader, path: string, seg: Segment): string {
  if (seg.filesz === 0 || seg.filesz > 4096) throw malformed(path, `PT_INTERP of ${seg.filesz} bytes`);
  const bytes = readExactly(read, path, seg.offset, seg.filesz, 'PT_INTERP');
  const nul = bytes.indexOf(0);
  if (nul <= 0) throw malformed(path, 'PT_INTERP is not a NUL-terminated path');
  return new TextDecoder().decode(bytes.subarray(0, nul));
}

function readDynamic(read: ByteReader, path: string, bits: 32 | 64, endian: 'le' | 'be', seg: Segment, segments: Segment[], info: ElfInfo): void {
  if (seg.filesz > MAX_TABLE) throw malformed(path, `dynamic section of ${seg.filesz} bytes`);
  const bytes = readExactly(read, path, seg.offset, seg.filesz, 'dynamic section');
  const f = new Fields(bytes, endian === 'le', path);
  const size = bits === 64 ? 16 : 8;
  const entries: [number, number][] = [];
  for (let at = 0; at + size <= bytes.length; at += size) {
    const tag = bits === 64 ? Number(BigInt.asIntN(64, new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(at, endian === 'le'))) : f.u32(at);
    if (tag === DT.NULL) break;
    if (tag === DT.NEEDED || tag === DT.STRTAB || tag === DT.STRSZ || tag === DT.SONAME || tag === DT.RPATH || tag === DT.RUNPATH) {
      entries.push([tag, f.word(at + size / 2, bits, 'dynamic entry value')]);
    }
  }
  const strtab = entries.find(([t]) => t === DT.STRTAB)?.[1];
  const strsz = entries.find(([t]) => t === DT.STRSZ)?.[1];
  const wanted = entries.filter(([t]) => t === DT.NEEDED || t === DT.SONAME || t === DT.RPATH || t === DT.RUNPATH);
  if (wanted.length === 0) return;
  if (strtab === undefined || strsz === undefined) throw malformed(path, 'dynamic section has no string table (DT_STRTAB/DT_STRSZ)');
  if (strsz > MAX_TABLE) throw malformed(path, `string table of ${strsz} bytes`);
  const load = segments.find((s) => s.type === PT_LOAD && strtab >= s.vaddr && strtab < s.vaddr + s.filesz);
  if (load === undefined) throw malformed(path, `DT_STRTAB 0x${strtab.toString(16)} is not inside any PT_LOAD segment`);
  const table = readExactly(read, path, load.offset + (strtab - load.vaddr), strsz, 'dynamic string table');
  const str = (offset: number): string => {
    const end = offset < table.length ? table.indexOf(0, offset) : -1;
    if (end < 0) throw malformed(path, `dynamic string offset ${offset} is outside the string table (${table.length} bytes)`);
    return new TextDecoder().decode(table.subarray(offset, end));
  };
  for (const [tag, value] of wanted) {
    if (tag === DT.NEEDED) info.needed.push(str(value));
    else if (tag === DT.SONAME) info.soname = str(value);
    else if (tag === DT.RPATH) info.rpath.push(...str(value).split(':').filter(Boolean));
    else info.runpath.push(...str(value).split(':').filter(Boolean));
  }
}

export interface Shebang {
  interpreter: string;
  argument: string | undefined;
}

/** `#!` line as the kernel reads it: up to the first newline, at most 256 bytes. */
export function parseShebang(head: Uint8Array, path: string): Shebang | undefined {
  if (head.length < 2 || head[0] !== 0x23 || head[1] !== 0x21) return undefined;
  let end = head.indexOf(0x0a);
  if (end < 0) end = Math.min(head.length, 256);
  const line = new TextDecoder().decode(head.subarray(2, Math.min(end, 256))).trim();
  const match = /^(\S+)(?:[ \t]+(.*?))?$/.exec(line);
  if (match === null) throw new JailctlError('ELF_MALFORMED', `${path}: "#!" line names no interpreter`, { path });
  return { interpreter: match[1]!, argument: match[2] === undefined || match[2] === '' ? undefined : match[2] };
}
