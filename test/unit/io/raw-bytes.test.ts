// Non-UTF-8 bytes survive the trip through JavaScript strings (surrogate escapes).
import t from 'tap';
import { decodeRaw, encodeRaw, fsPath, hasRawBytes, restoreRawArgv } from '../../../src/io/raw-bytes.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

t.test('valid UTF-8 decodes as text and carries no escapes', async (t) => {
  const text = 'héllo wörld ✓ 😀';
  const decoded = decodeRaw(Buffer.from(text, 'utf8'));
  t.equal(decoded, text);
  t.notOk(hasRawBytes(decoded));
  t.same(Buffer.from(encodeRaw(decoded)), Buffer.from(text, 'utf8'));
});

t.test('every invalid byte round-trips', async (t) => {
  const cases: Uint8Array[] = [
    bytes(0x2f, 0x74, 0x6d, 0x70, 0x2f, 0xe9), // Latin-1 "é" at the end
    bytes(0xff, 0xfe, 0x41),
    bytes(0xc0, 0xaf), // overlong "/"
    bytes(0xed, 0xa0, 0x80), // an encoded surrogate
    bytes(0xf4, 0x90, 0x80, 0x80), // above U+10FFFF
    bytes(0xe2, 0x82), // truncated sequence
    bytes(0xc3, 0xa9, 0xe9, 0xc3, 0xa9), // valid, invalid, valid
  ];
  for (const raw of cases) {
    const text = decodeRaw(raw);
    t.ok(hasRawBytes(text), `${Buffer.from(raw).toString('hex')} is marked`);
    t.same(Buffer.from(encodeRaw(text)), Buffer.from(raw), `${Buffer.from(raw).toString('hex')} round-trips`);
  }
  // all 256 byte values on their own
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  t.same(Buffer.from(encodeRaw(decodeRaw(all))), Buffer.from(all));
});

t.test('fsPath gives node:fs the bytes only when it must', async (t) => {
  t.equal(fsPath('/etc/passwd'), '/etc/passwd');
  const path = fsPath(decodeRaw(bytes(0x2f, 0x78, 0xe9)));
  t.ok(Buffer.isBuffer(path));
  t.same(path, Buffer.from([0x2f, 0x78, 0xe9]));
});

t.test('argv is left alone when Node decoded it without loss', async (t) => {
  const argv = ['node', 'jailctl', 'run', '--', '/bin/true'];
  restoreRawArgv(argv);
  t.same(argv, ['node', 'jailctl', 'run', '--', '/bin/true']);
});
