// Builds tiny ELF files for tests: one PT_LOAD covering the file, optional PT_INTERP and a
// PT_DYNAMIC with DT_NEEDED/RPATH/RUNPATH/SONAME entries, 32 or 64 bits, either byte order.

export interface ElfSpec {
  bits?: 32 | 64;
  endian?: 'le' | 'be';
  machine?: number;
  interpreter?: string;
  needed?: string[];
  rpath?: string;
  runpath?: string;
  soname?: string;
  /** omit the PT_DYNAMIC segment entirely (a static executable) */
  static?: boolean;
}

export const EM_X86_64 = 62;
export const EM_386 = 3;
export const EM_MIPS = 8;

export function buildElf(spec: ElfSpec = {}): Uint8Array {
  const bits = spec.bits ?? 64;
  const le = (spec.endian ?? 'le') === 'le';
  const ehsize = bits === 64 ? 64 : 52;
  const phentsize = bits === 64 ? 56 : 32;
  const strings: string[] = [''];
  const strOffset = (s: string): number => {
    const at = strings.join('\0').length + 1;
    strings.push(s);
    return at;
  };
  const dyn: [number, number][] = [];
  for (const n of spec.needed ?? []) dyn.push([1, strOffset(n)]);
  if (spec.rpath !== undefined) dyn.push([15, strOffset(spec.rpath)]);
  if (spec.runpath !== undefined) dyn.push([29, strOffset(spec.runpath)]);
  if (spec.soname !== undefined) dyn.push([14, strOffset(spec.soname)]);
  const strtab = new TextEncoder().encode(strings.join('\0') + '\0');
  const interp = spec.interpreter === undefined ? undefined : new TextEncoder().encode(spec.interpreter + '\0');
  const hasDyn = spec.static !== true;
  const phnum = 1 + (interp ? 1 : 0) + (hasDyn ? 1 : 0);
  const phoff = ehsize;
  let cursor = phoff + phnum * phentsize;
  const interpOff = cursor;
  cursor += interp?.length ?? 0;
  const strOff = cursor;
  cursor += strtab.length;
  cursor = (cursor + 7) & ~7;
  const dynSize = bits === 64 ? 16 : 8;
  const dynEntries = [...dyn, [5, 0x400000 + strOff], [10, strtab.length], [0, 0]] as [number, number][];
  const dynOff = cursor;
  const total = dynOff + (hasDyn ? dynEntries.length * dynSize : 0);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, bits === 64 ? 2 : 1, le ? 1 : 2, 1]);
  const w = (at: number, value: number, size: 2 | 4 | 8) => {
    if (size === 2) v.setUint16(at, value, le);
    else if (size === 4) v.setUint32(at, value, le);
    else v.setBigUint64(at, BigInt(value), le);
  };
  const word = bits === 64 ? 8 : 4;
  w(16, 3, 2);
  w(18, spec.machine ?? (bits === 64 ? EM_X86_64 : EM_386), 2);
  w(20, 1, 4);
  w(bits === 64 ? 32 : 28, phoff, word as 4 | 8);
  w(bits === 64 ? 52 : 40, ehsize, 2);
  w(bits === 64 ? 54 : 42, phentsize, 2);
  w(bits === 64 ? 56 : 44, phnum, 2);
  let ph = phoff;
  const phdr = (type: number, offset: number, vaddr: number, size: number) => {
    w(ph, type, 4);
    if (bits === 64) {
      w(ph + 8, offset, 8); w(ph + 16, vaddr, 8); w(ph + 32, size, 8); w(ph + 40, size, 8);
    } else {
      w(ph + 4, offset, 4); w(ph + 8, vaddr, 4); w(ph + 16, size, 4); w(ph + 20, size, 4);
    }
    ph += phentsize;
  };
  phdr(1, 0, 0x400000, total);
  if (interp) phdr(3, interpOff, 0x400000 + interpOff, interp.length);
  if (hasDyn) phdr(2, dynOff, 0x400000 + dynOff, dynEntries.length * dynSize);
  if (interp) out.set(interp, interpOff);
  out.set(strtab, strOff);
  if (hasDyn) {
    dynEntries.forEach(([tag, value], i) => {
      w(dynOff + i * dynSize, tag, word as 4 | 8);
      w(dynOff + i * dynSize + word, value, word as 4 | 8);
    });
  }
  return out;
}
