// Key material never becomes a string: `option key` values are masked in the bytes before the
// text exists, written back byte for byte, and every Buffer holding them can be zeroed for real.
import t from 'tap';
import { KEY_PLACEHOLDER, decodeHexBytes, encodeHexBytes, isHexDigits, parseMaskedUci, secretBytes, serializeMaskedUci, wipeSecrets } from '../../../src/failsafe/secret-uci.js';
import { findUciSection } from '../../../src/failsafe/uci.js';
import { KEY_HEX, OTHER_KEY_HEX } from '../../helpers/failsafe.js';

const FILE = '/etc/config/system';
const parse = (text: string) => parseMaskedUci(Buffer.from(text, 'utf8'), FILE);

t.test('every 64-hex `option key` value is masked, quoted or bare, with blanks, comments and CRLF', async (t) => {
  for (const line of [`option key '${KEY_HEX}'`, `\toption key "${KEY_HEX}"`, `  option\tkey ${KEY_HEX}`, `\toption key '${KEY_HEX}'  # the device key`, `\toption key '${KEY_HEX}'\r`]) {
    const masked = parse(`config failsafe 'failsafe'\n${line}\n`);
    const option = findUciSection(masked.doc, 'failsafe', 'failsafe')!.options.get('key')!;
    t.equal(option.value, KEY_PLACEHOLDER, JSON.stringify(line));
    t.notMatch(JSON.stringify(masked.doc), KEY_HEX.slice(0, 16), 'no part of the key in the document');
    t.same([...masked.secrets.values()], [Buffer.from(KEY_HEX, 'latin1')]);
    t.equal(masked.secrets.get(masked.doc.lines[1]!)?.toString('latin1'), KEY_HEX, 'found by its line');
  }
});

t.test('what is not a 64-hex key value stays text (it cannot be a key anyway)', async (t) => {
  for (const line of ["option key 'abcd'", `option key '${KEY_HEX}0'`, `option key '${KEY_HEX}'x`, `option keys '${KEY_HEX}'`, `list key '${KEY_HEX}'`]) {
    t.equal(parse(`config failsafe 'failsafe'\n${line}\n`).secrets.size, 0, line);
  }
});

t.test('the bytes given are masked in place, so the caller can zero them', async (t) => {
  const bytes = Buffer.from(`config failsafe 'failsafe'\n\toption key '${KEY_HEX}'\n`);
  parseMaskedUci(bytes, FILE);
  t.equal(bytes.indexOf(KEY_HEX), -1);
  t.not(bytes.indexOf(KEY_PLACEHOLDER), -1);
});

t.test('serializing puts every masked value back: other sections, other keys, byte for byte', async (t) => {
  const text = `# router\r\nconfig wifi-iface 'w'\r\n\toption key "${OTHER_KEY_HEX}"\r\n\r\nconfig failsafe 'failsafe'\r\n\toption key ${KEY_HEX} # k\r\n\toption udp_port '4919'`;
  const masked = parse(text);
  t.equal(masked.secrets.size, 2);
  t.equal(serializeMaskedUci(masked.doc, masked.secrets).toString('utf8'), text);
  t.equal(serializeMaskedUci(masked.doc, new Map()).toString('utf8').split(KEY_PLACEHOLDER).length, 3, 'without secrets, placeholders');
  wipeSecrets(masked);
  t.ok([...masked.secrets.values()].every((hex) => hex.every((b) => b === 0)), 'wipeSecrets zeroes every copy');
});

t.test('hex digits <-> bytes without strings', async (t) => {
  const key = decodeHexBytes(Buffer.from(KEY_HEX.toUpperCase(), 'latin1'));
  t.same(key, Buffer.from(KEY_HEX, 'hex'));
  t.equal(encodeHexBytes(key!).toString('latin1'), KEY_HEX);
  t.equal(decodeHexBytes(Buffer.from('0g', 'latin1')), undefined);
  t.equal(decodeHexBytes(Buffer.from('abc', 'latin1')), undefined);
  t.ok(isHexDigits(Buffer.from('09afAF', 'latin1')));
  t.notOk(isHexDigits(Buffer.from('x', 'latin1')));
});

t.test('secretBytes(): zeroed, its own store outside the moving heap', async (t) => {
  const a = secretBytes(32);
  t.same(a, Buffer.alloc(32));
  t.equal(a.byteOffset, 0);
  t.equal(a.buffer.byteLength, 32, 'not a slice of the shared pool');
  t.not(a.buffer, secretBytes(32).buffer);
});
