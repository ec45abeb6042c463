// Builds tiny ELF files for tests: a file header, one PT_LOAD covering the whole file, optional
// PT_INTERP and PT_DYNAMIC (DT_NEEDED/RPATH/RUNPATH/SONAME/FLAGS_1/STRTAB/STRSZ), 32 or 64 bits,
// either byte order. The layout is returned too, so tests can corrupt precise fields.

export interface ElfSpec {
  bits?: 32 | 64;
  endian?: 'le' | 'be';
  machine?: number;
  /** e_type, default ET_DYN (3) */
  type?: number;
  /** e_flags */
  flags?: number;
  interpreter?: string;
  needed?: string[];
  rpath?: string;
  runpath?: string;
  soname?: string;
  flags1?: number;
  /** no PT_DYNAMIC at all (a classic static executable) */
  static?: boolean;
}

export interface ElfLayout {
  bytes: Uint8Array;
  phoff: number;
  phentsize: number;
  /** index of each program header */
  phdr: { load: number; interp?: number; dynamic?: number };
  interpOff: number;
  strOff: number;
  dynOff: number;
  /** offsets of each dynamic entry, by tag, in order */
  dyn: { tag: number; offset: number }[];
  vaddr: number;
}

export const EM_386 = 3;
export const EM_MIPS = 8;
export const EM_ARM = 40;
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;
export const DT = { NEEDED: 1, STRTAB: 5, STRSZ: 10, SONAME: 14, RPATH: 15, RUNPATH: 29, FLAGS_1: 0x6ffffffb } as const;
const BASE = 0x400000;

export function buildElf(spec: ElfSpec = {}): Uint8Array {
  return buildElfLayout(spec).bytes;
}

function stringTable(spec: ElfSpec): { table: Uint8Array; dyn: [number, number][] } {
  let text = '\0';
  const at = (s: string): number => {
    const offset = text.length;
    text += `${s}\0`;
    return offset;
  };
  const dyn: [number, number][] = [];
  for (const n of spec.needed ?? []) dyn.push([DT.NEEDED, at(n)]);
  if (spec.rpath !== undefined) dyn.push([DT.RPATH, at(spec.rpath)]);
  if (spec.runpath !== undefined) dyn.push([DT.RUNPATH, at(spec.runpath)]);
  if (spec.soname !== undefined) dyn.push([DT.SONAME, at(spec.soname)]);
  if (spec.flags1 !== undefined) dyn.push([DT.FLAGS_1, spec.flags1]);
  return { table: new TextEncoder().encode(text), dyn };
}

export function buildElfLayout(spec: ElfSpec = {}): ElfLayout {
  const bits = spec.bits ?? 64;
  const le = (spec.endian ?? 'le') === 'le';
  const [ehsize, phentsize, dynSize] = bits === 64 ? [64, 56, 16] : [52, 32, 8];
  const { table, dyn } = stringTable(spec);
  const interp = spec.interpreter === undefined ? undefined : new TextEncoder().encode(`${spec.interpreter}\0`);
  const hasDyn = spec.static !== true;
  const phdr: ElfLayout['phdr'] = { load: 0 };
  let phnum = 1;
  if (interp) phdr.interp = phnum++;
  if (hasDyn) phdr.dynamic = phnum++;
  const interpOff = ehsize + phnum * phentsize;
  const strOff = interpOff + (interp?.length ?? 0);
  const dynOff = (strOff + table.length + 7) & ~7;
  const entries: [number, number][] = hasDyn ? [...dyn, [DT.STRTAB, BASE + strOff], [DT.STRSZ, table.length], [0, 0]] : [];
  const total = dynOff + entries.length * dynSize;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  const word = (at: number, value: number) => (bits === 64 ? v.setBigUint64(at, BigInt(value), le) : v.setUint32(at, value, le));
  out.set([0x7f, 0x45, 0x4c, 0x46, bits === 64 ? 2 : 1, le ? 1 : 2, 1]);
  v.setUint16(16, spec.type ?? 3, le);
  v.setUint16(18, spec.machine ?? (bits === 64 ? EM_X86_64 : EM_386), le);
  v.setUint32(20, 1, le);
  word(bits === 64 ? 32 : 28, ehsize);
  v.setUint32(bits === 64 ? 48 : 36, spec.flags ?? 0, le);
  v.setUint16(bits === 64 ? 52 : 40, ehsize, le);
  v.setUint16(bits === 64 ? 54 : 42, phentsize, le);
  v.setUint16(bits === 64 ? 56 : 44, phnum, le);
  const setPhdr = (index: number, type: number, offset: number, size: number) => {
    const at = ehsize + index * phentsize;
    v.setUint32(at, type, le);
    const [o, a, s, m] = bits === 64 ? [8, 16, 32, 40] : [4, 8, 16, 20];
    word(at + o, offset);
    word(at + a, BASE + offset);
    word(at + s, size);
    word(at + m, size);
  };
  setPhdr(phdr.load, 1, 0, total);
  if (interp) setPhdr(phdr.interp!, 3, interpOff, interp.length);
  if (hasDyn) setPhdr(phdr.dynamic!, 2, dynOff, entries.length * dynSize);
  if (interp) out.set(interp, interpOff);
  out.set(table, strOff);
  const layoutDyn = entries.map(([tag, value], i) => {
    const at = dynOff + i * dynSize;
    word(at, tag);
    word(at + dynSize / 2, value);
    return { tag, offset: at };
  });
  return { bytes: out, phoff: ehsize, phentsize, phdr, interpOff, strOff, dynOff, dyn: layoutDyn, vaddr: BASE };
}

/** A ByteReader over bytes in memory. */
export function readerOf(bytes: Uint8Array): (offset: number, length: number) => Uint8Array {
  return (offset, length) => bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + length, bytes.length));
}
