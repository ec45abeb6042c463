import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import t from 'tap';
import { JailctlError } from '../../../src/errors.js';
import { parseElf, parseShebang } from '../../../src/jail/elf.js';
import { resolveElfDeps } from '../../../src/jail/elf-deps.js';
import { createHostFs } from '../../../src/jail/host-fs.js';
import { buildElf, EM_MIPS } from '../../helpers/elf-builder.js';

const reader = (bytes: Uint8Array) => (offset: number, length: number) => bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + length, bytes.length));

t.test('parseElf() reads interpreter, needed, rpath, runpath and soname, both byte orders and classes', async (t) => {
  for (const [bits, endian] of [[64, 'le'], [64, 'be'], [32, 'le'], [32, 'be']] as const) {
    const bytes = buildElf({ bits, endian, machine: EM_MIPS, interpreter: '/lib/ld.so.1', needed: ['libc.so', 'libz.so.1'], rpath: '/opt/a:/opt/b', runpath: '$ORIGIN/../lib', soname: 'libx.so.2' });
    const info = parseElf(reader(bytes), 'x');
    t.match(info, { bits, endian, machine: EM_MIPS, interpreter: '/lib/ld.so.1', needed: ['libc.so', 'libz.so.1'], rpath: ['/opt/a', '/opt/b'], runpath: ['$ORIGIN/../lib'], soname: 'libx.so.2' }, `${bits} ${endian}`);
  }
});

t.test('parseElf() of a static binary has no interpreter and no dependencies', async (t) => {
  t.match(parseElf(reader(buildElf({ static: true })), 's'), { interpreter: undefined, needed: [] });
});

t.test('parseElf() on real system binaries', async (t) => {
  for (const path of ['/bin/ls', '/bin/sh', process.execPath]) {
    if (!existsSync(path)) continue;
    const bytes = readFileSync(path);
    const info = parseElf(reader(bytes), path);
    t.ok(info.interpreter?.includes('ld-'), `${path} has a dynamic loader`);
    t.ok(info.needed.some((n) => n.startsWith('libc.')), `${path} needs libc`);
  }
});

t.test('malformed files give one clear ELF_MALFORMED error, never a raw exception', async (t) => {
  const good = buildElf({ interpreter: '/lib/ld.so', needed: ['libc.so.6'] });
  t.throws(() => parseElf(reader(new TextEncoder().encode('hello')), '/tmp/x'), { code: 'ELF_MALFORMED', message: '/tmp/x: malformed ELF: no ELF magic number' });
  t.throws(() => parseElf(reader(good.subarray(0, 30)), '/tmp/x'), { code: 'ELF_MALFORMED', message: /file header truncated/ });
  t.throws(() => parseElf(reader(good.subarray(0, 100)), '/tmp/x'), { code: 'ELF_MALFORMED', message: /program header table .* extends past end of file/ });
  const badStrtab = good.slice();
  const v = new DataView(badStrtab.buffer);
  // point DT_STRTAB (the entry after DT_NEEDED) outside every PT_LOAD
  const dynOff = Number(v.getBigUint64(64 + 2 * 56 + 8, true));
  v.setBigUint64(dynOff + 16 + 8, 0x900000n, true);
  t.throws(() => parseElf(reader(badStrtab), '/tmp/x'), { code: 'ELF_MALFORMED', message: /DT_STRTAB 0x900000 is not inside any PT_LOAD segment/ });
});

t.test('truncations and random corruption of real binaries never escape as another error', async (t) => {
  const bytes = readFileSync('/bin/ls');
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  let failures = 0;
  let accepted = 0;
  const cuts = [0, 3, 4, 16, 51, 52, 63, 64, 100, 500, 1000, 4096, 10000, 20000, bytes.length - 1];
  const cases: ((offset: number, length: number) => Uint8Array)[] = cuts.map((n) => reader(bytes.subarray(0, n)));
  for (let i = 0; i < 2000; i++) {
    // a few bytes of the headers changed, the rest of the file read through unchanged
    const patch = new Map<number, number>();
    for (let j = 0; j < 1 + Math.floor(random() * 4); j++) patch.set(Math.floor(random() * 1024), Math.floor(random() * 256));
    cases.push((offset, length) => {
      const out = bytes.slice(Math.min(offset, bytes.length), Math.min(offset + length, bytes.length));
      for (const [at, value] of patch) if (at >= offset && at < offset + out.length) out[at - offset] = value;
      return out;
    });
  }
  for (const c of cases) {
    try {
      parseElf(c, '/bin/ls');
      accepted++;
    } catch (err) {
      if (!(err instanceof JailctlError) || err.code !== 'ELF_MALFORMED') {
        failures++;
        t.fail(`unexpected ${String(err)}`);
      }
    }
  }
  t.equal(failures, 0);
  t.ok(accepted > 0, 'some corruptions are harmless');
});

t.test('parseShebang() follows the kernel: one interpreter, one optional argument', async (t) => {
  const enc = (s: string) => new TextEncoder().encode(s);
  t.same(parseShebang(enc('#!/bin/sh\necho'), 'x'), { interpreter: '/bin/sh', argument: undefined });
  t.same(parseShebang(enc('#! /usr/bin/env  python3 -u\n'), 'x'), { interpreter: '/usr/bin/env', argument: 'python3 -u' });
  t.equal(parseShebang(enc('\x7fELF'), 'x'), undefined);
  t.throws(() => parseShebang(enc('#!   \n'), 'x'), { message: /names no interpreter/ });
});

/** What ldd says a program loads, as real paths. */
function lddSet(path: string): Set<string> {
  const out = execFileSync('ldd', [path], { encoding: 'utf8' });
  const paths = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s+(\/\S+)\s+\(/.exec(line);
    if (m) paths.add(realpathSync(m[1]!));
  }
  return paths;
}

t.test('resolveElfDeps() finds what ldd finds for real programs', async (t) => {
  const host = createHostFs();
  for (const path of ['/bin/ls', '/bin/sh', '/usr/bin/python3.11', '/usr/bin/ssh', process.execPath]) {
    if (!existsSync(path)) continue;
    const ours = new Set(resolveElfDeps(host, path).files.map((f) => realpathSync(f.path)));
    t.same([...ours].sort(), [...lddSet(path)].sort(), path);
  }
});
