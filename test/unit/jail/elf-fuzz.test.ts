// Truncated and corrupted ELF files: parseElf either succeeds or throws a one-line ELF_MALFORMED
// naming the file, never a RangeError or anything else.
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import t from 'tap';
import { JailctlError } from '../../../src/errors.js';
import { parseElf, type ByteReader } from '../../../src/jail/elf.js';
import { buildElf, EM_MIPS, readerOf } from '../../helpers/elf-builder.js';

/** mulberry32: a small seeded PRNG, so a failure can be replayed */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let x = Math.imul(seed ^ (seed >>> 15), seed | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
}

interface Outcome { accepted: number; rejected: number; wrong: string[] }

function check(read: ByteReader, path: string, outcome: Outcome, label: string): void {
  try {
    parseElf(read, path);
    outcome.accepted++;
  } catch (err) {
    const ok = err instanceof JailctlError && err.code === 'ELF_MALFORMED' && err.message.startsWith(`${path}: malformed ELF: `) && !err.message.includes('\n');
    if (ok) outcome.rejected++;
    else outcome.wrong.push(`${label}: ${String(err)}`);
  }
}

/** A reader over `bytes` with a few bytes replaced, as a file with flipped bits would read. */
function patchedReader(bytes: Uint8Array, patch: Map<number, number>): ByteReader {
  return (offset, length) => {
    const out = bytes.slice(Math.min(offset, bytes.length), Math.min(offset + length, bytes.length));
    for (const [at, value] of patch) if (at >= offset && at < offset + out.length) out[at - offset] = value;
    return out;
  };
}

/** Offsets worth corrupting: the headers, and the bytes of the dynamic section and PT_INTERP. */
function hotSpots(bytes: Uint8Array): number[] {
  const spots = Array.from({ length: Math.min(bytes.length, 1024) }, (_, i) => i);
  const info = (() => {
    try {
      return parseElf(readerOf(bytes), 'x');
    } catch {
      return undefined; // a sample that does not parse has only its headers to corrupt
    }
  })();
  if (info === undefined) return spots;
  const text = Buffer.from(bytes).toString('latin1');
  for (const name of [...info.needed, info.interpreter ?? '']) {
    const at = text.indexOf(`${name}\0`);
    for (let i = at; at >= 0 && i <= at + name.length; i++) spots.push(i);
  }
  return spots;
}

const samples = (): [string, Uint8Array][] => {
  // real programs small enough to read whole (a huge one such as node keeps its dynamic section far out)
  const real = ['/bin/ls', '/bin/sh', '/usr/bin/python3.11', process.execPath].filter(existsSync).map((p) => realpathSync(p)).filter((p) => statSync(p).size < 16 << 20);
  const built: [string, Uint8Array][] = [
    ['built-64le', buildElf({ interpreter: '/lib64/ld-linux-x86-64.so.2', needed: ['libc.so.6', 'libm.so.6'], runpath: '$ORIGIN', soname: 'a.so' })],
    ['built-32be', buildElf({ bits: 32, endian: 'be', machine: EM_MIPS, interpreter: '/lib/ld-musl-mips-sf.so.1', needed: ['libc.so'], rpath: '/x:/y' })],
  ];
  return [...real.map((p): [string, Uint8Array] => [p, new Uint8Array(readFileSync(p))]), ...built];
};

t.test('truncation at every offset of the headers and many beyond', async (t) => {
  for (const [path, bytes] of samples()) {
    const outcome: Outcome = { accepted: 0, rejected: 0, wrong: [] };
    const cuts = new Set<number>();
    for (let n = 0; n <= Math.min(bytes.length, 2048); n++) cuts.add(n);
    for (let n = 2048; n < bytes.length; n += Math.max(997, Math.floor(bytes.length / 3000))) cuts.add(n);
    let firstAccepted = Infinity;
    for (const n of cuts) {
      const before = outcome.accepted;
      check(readerOf(bytes.subarray(0, n)), path, outcome, `cut at ${n}`);
      if (outcome.accepted > before) firstAccepted = Math.min(firstAccepted, n);
    }
    t.same(outcome.wrong, [], `${path}: ${outcome.accepted} accepted, ${outcome.rejected} rejected`);
    t.ok(firstAccepted > 64 && firstAccepted < Infinity, `${path}: shortest accepted prefix ${firstAccepted} bytes: past the headers`);
  }
});

t.test('2000 seeded random corruptions per sample', async (t) => {
  for (const [path, bytes] of samples()) {
    const random = prng(0x5eed);
    const spots = hotSpots(bytes);
    const outcome: Outcome = { accepted: 0, rejected: 0, wrong: [] };
    for (let i = 0; i < 2000; i++) {
      const patch = new Map<number, number>();
      const count = 1 + Math.floor(random() * 4);
      for (let j = 0; j < count; j++) patch.set(spots[Math.floor(random() * spots.length)]!, Math.floor(random() * 256));
      check(patchedReader(bytes, patch), path, outcome, `iteration ${i} ${JSON.stringify([...patch])}`);
    }
    t.same(outcome.wrong.slice(0, 5), [], `${path}: ${outcome.accepted} accepted, ${outcome.rejected} rejected`);
    t.ok(outcome.accepted > 0 && outcome.rejected > 0, `${path}: both outcomes happen`);
  }
});

t.test('a reader that returns more bytes than asked is held to the request', async (t) => {
  const bytes = buildElf({ needed: ['libc.so.6'] });
  const info = parseElf((offset) => bytes.subarray(offset), 'x');
  t.same(info.needed, ['libc.so.6']);
});
