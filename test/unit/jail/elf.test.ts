import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import t from 'tap';
import { parseElf, parseShebang } from '../../../src/jail/elf.js';
import { buildElf, buildElfLayout, DT, EM_MIPS, readerOf } from '../../helpers/elf-builder.js';

const enc = (s: string) => new TextEncoder().encode(s);

t.test('parseElf() reads every field, in both classes and byte orders', async (t) => {
  for (const [bits, endian] of [[64, 'le'], [64, 'be'], [32, 'le'], [32, 'be']] as const) {
    const bytes = buildElf({
      bits, endian, machine: EM_MIPS, type: 2, flags: 0x70001007, interpreter: '/lib/ld-musl-mips-sf.so.1', needed: ['libc.so', 'libz.so.1'],
      rpath: '/opt/a:/opt/b', runpath: '$ORIGIN/../lib::/x', soname: 'libx.so.2', flags1: 0x08000001,
    });
    t.same(parseElf(readerOf(bytes), 'x'), {
      class: bits, endian, type: 2, machine: EM_MIPS, flags: 0x70001007, interpreter: '/lib/ld-musl-mips-sf.so.1', needed: ['libc.so', 'libz.so.1'],
      rpath: ['/opt/a', '/opt/b'], runpath: ['$ORIGIN/../lib', '/x'], soname: 'libx.so.2', flags1: 0x08000001, isStatic: false,
    }, `${bits}-bit ${endian}`);
  }
});

t.test('parseElf() marks static and static-PIE files', async (t) => {
  t.match(parseElf(readerOf(buildElf({ static: true, type: 2 })), 's'), { interpreter: undefined, needed: [], isStatic: true, type: 2 });
  t.match(parseElf(readerOf(buildElf({ type: 3, flags1: 0x08000000 })), 'pie'), { isStatic: true, type: 3, flags1: 0x08000000 }, 'static-PIE: PT_DYNAMIC but nothing to load');
  t.match(parseElf(readerOf(buildElf({ interpreter: '/lib/ld.so' })), 'd'), { isStatic: false });
  t.match(parseElf(readerOf(buildElf({ needed: ['libc.so.6'] })), 'l'), { isStatic: false, interpreter: undefined });
});

/** What readelf says about a real file. */
function readelf(path: string): { interpreter: string | undefined; needed: string[]; runpath: string[]; rpath: string[]; soname: string | undefined } {
  const program = execFileSync('readelf', ['-lW', path], { encoding: 'utf8' });
  const dynamic = execFileSync('readelf', ['-dW', path], { encoding: 'utf8' });
  const all = (re: RegExp) => [...dynamic.matchAll(re)].map((m) => m[1]!);
  return {
    interpreter: /Requesting program interpreter: (.*)\]/.exec(program)?.[1],
    needed: all(/\(NEEDED\)\s+Shared library: \[(.*)\]/g),
    runpath: all(/\(RUNPATH\)\s+Library runpath: \[(.*)\]/g).flatMap((p) => p.split(':')).filter(Boolean),
    rpath: all(/\(RPATH\)\s+Library rpath: \[(.*)\]/g).flatMap((p) => p.split(':')).filter(Boolean),
    soname: /\(SONAME\)\s+Library soname: \[(.*)\]/.exec(dynamic)?.[1],
  };
}

t.test('parseElf() agrees with readelf on real files', { skip: existsSync('/usr/bin/readelf') ? false : 'readelf is not installed' }, async (t) => {
  const files = ['/bin/ls', '/bin/sh', '/usr/bin/python3.11', process.execPath, '/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2', '/usr/lib/x86_64-linux-gnu/libstdc++.so.6']
    .filter((p) => existsSync(p)).map((p) => realpathSync(p));
  t.ok(files.length >= 2, `found ${files.length} real ELF files`);
  for (const path of files) {
    const bytes = readFileSync(path);
    const { interpreter, needed, runpath, rpath, soname } = parseElf(readerOf(bytes), path);
    t.same({ interpreter, needed, runpath, rpath, soname }, readelf(path), path);
  }
});

t.test('parseElf() reads only small pieces of the file', { skip: existsSync('/bin/ls') ? false : 'no /bin/ls' }, async (t) => {
  const bytes = readFileSync('/bin/ls');
  let read = 0;
  parseElf((offset, length) => {
    read += length;
    return readerOf(bytes)(offset, length);
  }, '/bin/ls');
  t.ok(read < 16384, `read ${read} of ${bytes.length} bytes`);
});

t.test('malformed files give one precise ELF_MALFORMED error naming the file', async (t) => {
  const layout = buildElfLayout({ interpreter: '/lib/ld.so', needed: ['libc.so.6'], soname: 'libq.so' });
  const { bytes: good, phoff, phentsize } = layout;
  const patched = (edit: (v: DataView, b: Uint8Array) => void): Uint8Array => {
    const b = good.slice();
    edit(new DataView(b.buffer), b);
    return b;
  };
  const phdrField = (index: number, field: number) => phoff + index * phentsize + field;
  const dynValue = (tag: number) => layout.dyn.find((d) => d.tag === tag)!.offset + 8;
  const interpSize = 11;
  const cases: [string, Uint8Array, string][] = [
    ['text file', enc('hello'), 'no ELF magic number (\\x7fELF)'],
    ['empty file', new Uint8Array(), 'no ELF magic number (\\x7fELF)'],
    ['bad class', patched((_, b) => { b[4] = 3; }), 'unknown class 3 in e_ident (expected 1 or 2)'],
    ['bad data encoding', patched((_, b) => { b[5] = 0; }), 'unknown data encoding 0 in e_ident (expected 1 or 2)'],
    ['truncated header', good.subarray(0, 30), 'file header (64 bytes) extends past end of file (30 bytes)'],
    ['phdrs cut', good.subarray(0, 120), 'program header table (offset 0x40, 56 × 3 entries) extends past end of file (120 bytes)'],
    ['phdrs beyond the end', patched((v) => v.setBigUint64(32, 0x10000n, true)), `program header table (offset 0x10000, 56 × 3 entries) extends past end of file (${good.length} bytes)`],
    ['e_phoff beyond 2^53', patched((v) => v.setBigUint64(32, 0xffff000000000040n, true)), 'e_phoff 0xffff000000000040 is out of range'],
    ['wrong phentsize', patched((v) => v.setUint16(54, 40, true)), 'program header entry size 40 (ELFCLASS64 uses 56)'],
    ['absurd phnum', patched((v) => v.setUint16(56, 2000, true)), 'absurd count of 2000 program headers (at most 1170)'],
    ['interp not terminated', patched((_, b) => { b[layout.interpOff + interpSize - 1] = 0x41; }), `PT_INTERP (offset 0x${layout.interpOff.toString(16)}, 11 bytes) is not NUL-terminated`],
    ['interp empty', patched((_, b) => { b[layout.interpOff] = 0; }), `PT_INTERP (offset 0x${layout.interpOff.toString(16)}, 11 bytes) is an empty path`],
    ['interp too long', patched((v) => v.setBigUint64(phdrField(1, 32), 5000n, true)), `PT_INTERP (offset 0x${layout.interpOff.toString(16)}, 5000 bytes) is not between 2 and 4096 bytes`],
    ['interp outside', patched((v) => v.setBigUint64(phdrField(1, 8), 0x5000n, true)), `PT_INTERP (offset 0x5000, 11 bytes) extends past end of file (${good.length} bytes)`],
    ['dynamic absurd', patched((v) => v.setBigUint64(phdrField(2, 32), 1n << 30n, true)), 'absurd PT_DYNAMIC size of 1073741824 bytes'],
    ['strtab outside PT_LOAD', patched((v) => v.setBigUint64(dynValue(DT.STRTAB), 0x900000n, true)), 'DT_STRTAB 0x900000 is not inside any PT_LOAD segment'],
    ['no strtab', patched((v) => v.setBigUint64(dynValue(DT.STRTAB) - 8, 0x7fffffffn, true)), 'the dynamic section has DT_NEEDED but no DT_STRTAB'],
    ['string offset out of range', patched((v) => v.setBigUint64(dynValue(DT.NEEDED), 0x9999n, true)), 'DT_NEEDED string offset 0x9999 is outside the string table (19 bytes)'],
    ['string not terminated', patched((v) => v.setBigUint64(dynValue(DT.STRSZ), 18n, true)), 'DT_SONAME string at offset 0xb is not NUL-terminated within the string table'],
  ];
  for (const [name, bytes, what] of cases) {
    t.throws(() => parseElf(readerOf(bytes), '/tmp/x'), { code: 'ELF_MALFORMED', path: '/tmp/x', message: `/tmp/x: malformed ELF: ${what}` }, name);
  }
});

t.test('an unreadable file is reported as such, not as malformed', async (t) => {
  t.throws(() => parseElf(() => undefined, '/gone'), { code: 'PATH_MISSING', message: '/gone: cannot read the file' });
});

t.test('parseShebang() reads the #! line like fs/binfmt_script.c', async (t) => {
  const cases: [string, { interpreter: string; argument: string | undefined } | undefined][] = [
    ['#!/bin/sh\necho hi\n', { interpreter: '/bin/sh', argument: undefined }],
    ['#! /usr/bin/env  python3 -u\n', { interpreter: '/usr/bin/env', argument: 'python3 -u' }],
    ['#!\t/bin/bash\t-x  \t\n', { interpreter: '/bin/bash', argument: '-x' }],
    ['#!/bin/sh \n', { interpreter: '/bin/sh', argument: undefined }],
    ['#!/bin/sh\r\n', { interpreter: '/bin/sh\r', argument: undefined }],
    ['#!/bin/sh', { interpreter: '/bin/sh', argument: undefined }],
    ['#!/bin/sh -a\0b\n', { interpreter: '/bin/sh', argument: '-a' }],
    ['#!/bin/sh\0 -a\n', { interpreter: '/bin/sh', argument: undefined }],
    ['\x7fELF\x02\x01', undefined],
    ['#', undefined],
    ['', undefined],
  ];
  for (const [text, expected] of cases) t.same(parseShebang(enc(text), 'x'), expected, JSON.stringify(text));
});

t.test('parseShebang() keeps 256 bytes: arguments may be cut, the interpreter may not', async (t) => {
  const long = `#!/bin/sh ${'a'.repeat(300)}`;
  t.same(parseShebang(enc(long), 's'), { interpreter: '/bin/sh', argument: 'a'.repeat(245) });
  t.same(parseShebang(enc(`#!/bin/sh\n${'x'.repeat(500)}`), 's'), { interpreter: '/bin/sh', argument: undefined }, 'only the first line counts');
  t.throws(() => parseShebang(enc(`#!/${'x'.repeat(300)}`), '/etc/init.d/x'), {
    code: 'COMMAND_NOT_EXECUTABLE',
    message: '/etc/init.d/x: bad "#!" line: its interpreter path does not end within the first 256 bytes (execve would fail with ENOEXEC)',
  });
  t.throws(() => parseShebang(enc('#!   \nexit\n'), '/s'), { code: 'COMMAND_NOT_EXECUTABLE', message: /^\/s: bad "#!" line: it names no interpreter/ });
  t.throws(() => parseShebang(enc(`#!${' '.repeat(300)}`), '/s'), { code: 'COMMAND_NOT_EXECUTABLE' }, 'only blanks');
});
