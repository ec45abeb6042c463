// ELF file header, program headers and dynamic section, read through a callback so a 100 MB
// binary costs a few small reads; and the kernel's reading of a `#!` line. Pure: no fs. Every
// malformation is a JailctlError (ELF_MALFORMED) naming the file, never a RangeError.
import { JailctlError } from '../errors.js';

/** Bytes [offset, offset+length) of the file; shorter at end of file; undefined if unreadable. */
export type ByteReader = (offset: number, length: number) => Uint8Array | undefined;

/** What the loaders compare before accepting a library (glibc's open_verify). */
export interface ElfHeader {
  class: 32 | 64;
  endian: 'le' | 'be';
  /** e_type: ET_EXEC = 2, ET_DYN = 3 */
  type: number;
  /** e_machine: EM_386 = 3, EM_MIPS = 8, EM_ARM = 40, EM_X86_64 = 62, EM_AARCH64 = 183 ... */
  machine: number;
  /** e_flags (the MIPS ABI: o32 vs n32 lives here) */
  flags: number;
}

export interface ElfInfo extends ElfHeader {
  /** PT_INTERP, e.g. /lib64/ld-linux-x86-64.so.2 */
  interpreter: string | undefined;
  /** DT_NEEDED, in order */
  needed: string[];
  /** DT_RPATH and DT_RUNPATH split on ':' (empty elements dropped), tokens such as $ORIGIN kept */
  rpath: string[];
  runpath: string[];
  soname: string | undefined;
  /** DT_FLAGS_1 (DF_1_NODEFLIB = 0x800, DF_1_PIE = 0x08000000), 0 if absent */
  flags1: number;
  /** no PT_INTERP and no DT_NEEDED: static or static-PIE, nothing else to load */
  isStatic: boolean;
}

export interface Shebang {
  interpreter: string;
  argument: string | undefined;
}

const PT = { LOAD: 1, DYNAMIC: 2, INTERP: 3 } as const;
const DT = { NULL: 0, NEEDED: 1, STRTAB: 5, STRSZ: 10, SONAME: 14, RPATH: 15, RUNPATH: 29, FLAGS_1: 0x6ffffffb } as const;
const DT_STRING_TAGS: Record<number, string> = { [DT.NEEDED]: 'DT_NEEDED', [DT.SONAME]: 'DT_SONAME', [DT.RPATH]: 'DT_RPATH', [DT.RUNPATH]: 'DT_RUNPATH' };
/** the kernel refuses program header tables above 64 KiB (fs/binfmt_elf.c load_elf_phdrs) */
const MAX_PHDR_BYTES = 65536;
/** PT_INTERP is at most PATH_MAX and at least one character plus its NUL */
const PATH_MAX = 4096;
const MAX_DYNAMIC_BYTES = 1 << 20;
const MAX_NEEDED = 1024;
const MAX_STRING = 65536;
/** the kernel reads this much of a file to recognise it (BINPRM_BUF_SIZE) */
export const BINPRM_BUF_SIZE = 256;

interface Segment { type: number; offset: number; vaddr: number; filesz: number }
interface DynEntry { tag: number; value: number }

const hex = (n: number): string => `0x${n.toString(16)}`;

function malformed(path: string, what: string): JailctlError {
  return new JailctlError('ELF_MALFORMED', `${path}: malformed ELF: ${what}`, {
    path,
    hint: 'the file is truncated or corrupt: reinstall it, or pass --no-auto-libs and bind what the program needs with --ro',
  });
}

export function isElf(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
}

/** Reads and decodes fields of one file; every short read becomes a precise ELF_MALFORMED. */
class FileView {
  constructor(private readonly read: ByteReader, readonly path: string, readonly le: boolean) {}

  /** up to `length` bytes: fewer at end of file */
  peek(offset: number, length: number): Uint8Array {
    const got = this.read(offset, length);
    if (got === undefined) throw new JailctlError('PATH_MISSING', `${this.path}: cannot read the file`, { path: this.path, hint: 'check that it exists and is readable' });
    return got.subarray(0, length);
  }

  /** exactly `length` bytes, or ELF_MALFORMED naming `what` and the file size */
  bytes(offset: number, length: number, what: string): Uint8Array {
    const got = this.peek(offset, length);
    if (got.length >= length) return got;
    throw malformed(this.path, `${what} extends past end of file (${this.sizeBelow(offset + got.length, got.length > 0)} bytes)`);
  }

  /** The file size, known when a read came back short; otherwise found by bisection (error path only). */
  private sizeBelow(end: number, exact: boolean): number {
    if (exact) return end;
    let lo = 0;
    let hi = end;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if ((this.read(mid - 1, 1)?.length ?? 0) > 0) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  fields(bytes: Uint8Array): Fields {
    return new Fields(bytes, this.le, this.path);
  }
}

class Fields {
  private readonly view: DataView;
  constructor(bytes: Uint8Array, private readonly le: boolean, private readonly path: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u16(at: number): number { return this.view.getUint16(at, this.le); }
  u32(at: number): number { return this.view.getUint32(at, this.le); }
  /** high word of a 64-bit field */
  hi(at: number): number { return this.view.getUint32(this.le ? at + 4 : at, this.le); }
  /** a 32- or 64-bit field as a safe integer; values beyond 2^53 cannot be file offsets or addresses */
  word(at: number, bits: 32 | 64, what: string): number {
    if (bits === 32) return this.u32(at);
    const hi = this.hi(at);
    const lo = this.view.getUint32(this.le ? at : at + 4, this.le);
    if (hi > 0x1fffff) throw malformed(this.path, `${what} 0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')} is out of range`);
    return hi * 2 ** 32 + lo;
  }
}

/** The file header: class, byte order, type, machine, flags, and where the program headers are. */
function parseHeader(read: ByteReader, path: string): { header: ElfHeader; phoff: number; phentsize: number; phnum: number; view: FileView } {
  const ident = new FileView(read, path, true).peek(0, 16);
  if (!isElf(ident)) throw malformed(path, 'no ELF magic number (\\x7fELF)');
  const bits = ident[4] === 1 ? 32 : ident[4] === 2 ? 64 : undefined;
  const endian = ident[5] === 1 ? 'le' : ident[5] === 2 ? 'be' : undefined;
  if (bits === undefined) throw malformed(path, `unknown class ${ident[4] ?? '(none)'} in e_ident (expected 1 or 2)`);
  if (endian === undefined) throw malformed(path, `unknown data encoding ${ident[5] ?? '(none)'} in e_ident (expected 1 or 2)`);
  const view = new FileView(read, path, endian === 'le');
  const size = bits === 64 ? 64 : 52;
  const f = view.fields(view.bytes(0, size, `file header (${size} bytes)`));
  const header: ElfHeader = { class: bits, endian, type: f.u16(16), machine: f.u16(18), flags: f.u32(bits === 64 ? 48 : 36) };
  const phoff = f.word(bits === 64 ? 32 : 28, bits, 'e_phoff');
  return { header, phoff, phentsize: f.u16(bits === 64 ? 54 : 42), phnum: f.u16(bits === 64 ? 56 : 44), view };
}

/** Parses the headers and dynamic section of the ELF file behind `read`. */
export function parseElf(read: ByteReader, path: string): ElfInfo {
  const { header, phoff, phentsize, phnum, view } = parseHeader(read, path);
  const segments = readSegments(view, header.class, phoff, phentsize, phnum);
  const info: ElfInfo = { ...header, interpreter: undefined, needed: [], rpath: [], runpath: [], soname: undefined, flags1: 0, isStatic: false };
  const interp = segments.find((s) => s.type === PT.INTERP);
  if (interp !== undefined) info.interpreter = readInterpreter(view, interp);
  const dynamic = segments.find((s) => s.type === PT.DYNAMIC);
  if (dynamic !== undefined) readDynamic(view, header.class, dynamic, segments, info);
  info.isStatic = info.interpreter === undefined && info.needed.length === 0;
  return info;
}

function readSegments(view: FileView, bits: 32 | 64, phoff: number, phentsize: number, phnum: number): Segment[] {
  if (phnum === 0) return [];
  const expected = bits === 64 ? 56 : 32;
  if (phentsize !== expected) throw malformed(view.path, `program header entry size ${phentsize} (ELFCLASS${bits} uses ${expected})`);
  if (phnum * phentsize > MAX_PHDR_BYTES) throw malformed(view.path, `absurd count of ${phnum} program headers (at most ${Math.floor(MAX_PHDR_BYTES / phentsize)})`);
  const table = view.bytes(phoff, phnum * phentsize, `program header table (offset ${hex(phoff)}, ${phentsize} × ${phnum} entries)`);
  const f = view.fields(table);
  const out: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = i * phentsize;
    const type = f.u32(at);
    // only the segments used below are decoded, so odd values in others are not errors
    if (type !== PT.LOAD && type !== PT.DYNAMIC && type !== PT.INTERP) continue;
    const name = type === PT.LOAD ? 'PT_LOAD' : type === PT.DYNAMIC ? 'PT_DYNAMIC' : 'PT_INTERP';
    out.push(bits === 64
      ? { type, offset: f.word(at + 8, 64, `${name} p_offset`), vaddr: f.word(at + 16, 64, `${name} p_vaddr`), filesz: f.word(at + 32, 64, `${name} p_filesz`) }
      : { type, offset: f.u32(at + 4), vaddr: f.u32(at + 8), filesz: f.u32(at + 16) });
  }
  return out;
}

/** The kernel's rules (fs/binfmt_elf.c): 2..PATH_MAX bytes, the last one NUL. */
function readInterpreter(view: FileView, seg: Segment): string {
  const where = `PT_INTERP (offset ${hex(seg.offset)}, ${seg.filesz} bytes)`;
  if (seg.filesz < 2 || seg.filesz > PATH_MAX) throw malformed(view.path, `${where} is not between 2 and ${PATH_MAX} bytes`);
  const bytes = view.bytes(seg.offset, seg.filesz, where);
  if (bytes[bytes.length - 1] !== 0) throw malformed(view.path, `${where} is not NUL-terminated`);
  const nul = bytes.indexOf(0);
  if (nul === 0) throw malformed(view.path, `${where} is an empty path`);
  return new TextDecoder().decode(bytes.subarray(0, nul));
}

function readDynamic(view: FileView, bits: 32 | 64, seg: Segment, segments: Segment[], info: ElfInfo): void {
  if (seg.filesz > MAX_DYNAMIC_BYTES) throw malformed(view.path, `absurd PT_DYNAMIC size of ${seg.filesz} bytes`);
  const entries = readDynEntries(view, bits, seg);
  info.flags1 = entries.find((e) => e.tag === DT.FLAGS_1)?.value ?? 0;
  const strings = entries.filter((e) => DT_STRING_TAGS[e.tag] !== undefined);
  if (strings.length === 0) return;
  const needed = strings.filter((e) => e.tag === DT.NEEDED).length;
  if (needed > MAX_NEEDED) throw malformed(view.path, `absurd count of ${needed} DT_NEEDED entries`);
  const strtab = entries.find((e) => e.tag === DT.STRTAB)?.value;
  if (strtab === undefined) throw malformed(view.path, `the dynamic section has ${DT_STRING_TAGS[strings[0]!.tag]} but no DT_STRTAB`);
  const load = segments.find((s) => s.type === PT.LOAD && strtab >= s.vaddr && strtab < s.vaddr + s.filesz);
  if (load === undefined) throw malformed(view.path, `DT_STRTAB ${hex(strtab)} is not inside any PT_LOAD segment`);
  const strsz = entries.find((e) => e.tag === DT.STRSZ)?.value;
  const table = { offset: load.offset + (strtab - load.vaddr), size: Math.min(strsz ?? Infinity, load.vaddr + load.filesz - strtab) };
  for (const { tag, value } of strings) {
    const text = readString(view, table, value, DT_STRING_TAGS[tag]!);
    if (tag === DT.NEEDED) info.needed.push(text);
    else if (tag === DT.SONAME) info.soname = text;
    else (tag === DT.RPATH ? info.rpath : info.runpath).push(...text.split(':').filter(Boolean));
  }
}

/** Entries up to DT_NULL; values are decoded only for the tags used here. */
function readDynEntries(view: FileView, bits: 32 | 64, seg: Segment): DynEntry[] {
  const bytes = view.bytes(seg.offset, seg.filesz, `PT_DYNAMIC (offset ${hex(seg.offset)}, ${seg.filesz} bytes)`);
  const f = view.fields(bytes);
  const size = bits === 64 ? 16 : 8;
  const out: DynEntry[] = [];
  for (let at = 0; at + size <= bytes.length; at += size) {
    // d_tag is signed; every tag read here is below 2^31, so a non-zero high word is some other tag
    const tag = bits === 64 && f.hi(at) !== 0 ? -1 : f.u32(bits === 64 ? (view.le ? at : at + 4) : at);
    if (tag === DT.NULL) break;
    if (DT_STRING_TAGS[tag] !== undefined || tag === DT.STRTAB || tag === DT.STRSZ) {
      out.push({ tag, value: f.word(at + size / 2, bits, `dynamic entry ${tag} value`) });
    } else if (tag === DT.FLAGS_1) {
      out.push({ tag, value: f.u32(bits === 64 && !view.le ? at + 12 : at + size / 2) });
    }
  }
  return out;
}

/** A NUL-terminated string of the dynamic string table, read in small chunks. */
function readString(view: FileView, table: { offset: number; size: number }, offset: number, tag: string): string {
  if (offset >= table.size) {
    throw malformed(view.path, `${tag} string offset ${hex(offset)} is outside the string table (${table.size} bytes)`);
  }
  const end = table.offset + Math.min(table.size, offset + MAX_STRING);
  const parts: number[] = [];
  for (let at = table.offset + offset; at < end;) {
    const want = Math.min(256, end - at);
    const chunk = view.bytes(at, want, `${tag} string (offset ${hex(at)})`);
    const nul = chunk.indexOf(0);
    parts.push(...chunk.subarray(0, nul < 0 ? want : nul));
    if (nul >= 0) return new TextDecoder().decode(new Uint8Array(parts));
    at += want;
  }
  throw malformed(view.path, `${tag} string at offset ${hex(offset)} is not NUL-terminated within the string table`);
}

const isBlank = (c: number | undefined): boolean => c === 0x20 || c === 0x09;

/** First index in [from, last] that is not a blank (the kernel's next_non_spacetab), or -1. */
function nextNonBlank(buf: Uint8Array, from: number, last: number): number {
  for (let i = from; i <= last; i++) if (!isBlank(buf[i])) return i;
  return -1;
}

/** First index in [from, last] holding a blank or NUL (next_terminator), or -1. */
function nextTerminator(buf: Uint8Array, from: number, last: number): number {
  for (let i = from; i <= last; i++) if (isBlank(buf[i]) || buf[i] === 0) return i;
  return -1;
}

function cString(buf: Uint8Array, from: number, end: number): string {
  const nul = buf.subarray(from, end).indexOf(0);
  return new TextDecoder().decode(buf.subarray(from, nul < 0 ? end : from + nul));
}

/**
 * The `#!` line as fs/binfmt_script.c reads it: within the first 256 bytes, up to the first
 * newline; the interpreter, then everything after the next blanks as one optional argument.
 * Returns undefined if the file does not start with `#!`.
 */
export function parseShebang(head: Uint8Array, path = 'script'): Shebang | undefined {
  if (head.length < 2 || head[0] !== 0x23 || head[1] !== 0x21) return undefined;
  const buf = new Uint8Array(BINPRM_BUF_SIZE); // a short file reads as NUL padding, as in the kernel
  buf.set(head.subarray(0, BINPRM_BUF_SIZE));
  const last = BINPRM_BUF_SIZE - 1;
  let end = buf.indexOf(0x0a);
  if (end < 0) {
    // no newline: the arguments may be cut, but not the interpreter path
    const start = nextNonBlank(buf, 2, last);
    if (start < 0 || nextTerminator(buf, start, last) < 0) throw noInterpreter(path, `its interpreter path does not end within the first ${BINPRM_BUF_SIZE} bytes`);
    end = last;
  }
  while (isBlank(buf[end - 1])) end--;
  const name = nextNonBlank(buf, 2, end);
  if (name < 0 || name === end || buf[name] === 0) throw noInterpreter(path, 'it names no interpreter');
  const sep = nextTerminator(buf, name, end);
  const arg = sep >= 0 && buf[sep] !== 0 ? nextNonBlank(buf, sep, end) : -1;
  return {
    interpreter: cString(buf, name, arg >= 0 ? sep : end),
    argument: arg >= 0 ? cString(buf, arg, end) : undefined,
  };
}

function noInterpreter(path: string, why: string): JailctlError {
  return new JailctlError('COMMAND_NOT_EXECUTABLE', `${path}: bad "#!" line: ${why} (execve would fail with ENOEXEC)`, {
    path,
    hint: 'start the script with "#!" and the absolute path of its interpreter',
  });
}
