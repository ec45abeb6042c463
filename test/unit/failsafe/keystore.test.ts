// The key in UCI: keygen writes atomically and never overwrites without --rotate; bad keys are one
// clear line that never shows key material.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { generateKey, keyFromConfig, parseKeyHex, readClientKey, readUciFile } from '../../../src/failsafe/keystore.js';
import { deriveKeys } from '../../../src/failsafe/protocol.js';
import { KEY_HEX, tempDir, writeConfig } from '../../helpers/failsafe.js';

t.test('keygen creates a 64-hex key and keeps the rest of the file', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'system');
  const before = '# keep me\nconfig system\n\toption hostname "r1"\n';
  writeFileSync(path, before, { mode: 0o640 });
  const { devId, replaced } = generateKey(path, false);
  t.notOk(replaced);
  const text = readFileSync(path, 'utf8');
  t.ok(text.startsWith(before), 'existing lines untouched');
  const m = /config failsafe 'failsafe'\n\toption key '([0-9a-f]{64})'\n$/.exec(text);
  t.ok(m, text);
  t.same(deriveKeys(Buffer.from(m![1]!, 'hex')).devId, devId);
  t.same(readdirSync(dir), ['system'], 'no temp file left');
});

t.test('keygen refuses to overwrite, even a malformed key; --rotate replaces in place', async (t) => {
  const dir = tempDir();
  const path = writeConfig(dir, "\toption udp_port '4919'\n");
  t.throws(() => generateKey(path, false), { code: 'FAILSAFE_KEY_EXISTS', message: /system:5: a failsafe key already exists; not overwriting it$/ });
  t.match(readFileSync(path, 'utf8'), KEY_HEX);
  const { replaced } = generateKey(path, true);
  t.ok(replaced);
  const text = readFileSync(path, 'utf8');
  t.notMatch(text, KEY_HEX);
  t.match(text, /option key '[0-9a-f]{64}'\n\toption udp_port '4919'\n$/, 'same line, same place');
  writeFileSync(path, "config failsafe 'failsafe'\n\toption key 'short'\n");
  t.throws(() => generateKey(path, false), { code: 'FAILSAFE_KEY_EXISTS' });
});

t.test('keygen into a new file; an unwritable directory leaves nothing behind', async (t) => {
  const dir = tempDir();
  generateKey(join(dir, 'new'), false);
  t.match(readFileSync(join(dir, 'new'), 'utf8'), /^config failsafe 'failsafe'\n\toption key '[0-9a-f]{64}'\n$/);
  t.throws(() => generateKey(join(dir, 'missing-dir', 'system'), false), { code: 'IO_FAILED', message: /cannot write .*missing-dir\/system \(ENOENT/ });
});

t.test('reading the key: missing, short, non-hex', async (t) => {
  const dir = tempDir();
  const read = (text: string) => {
    writeFileSync(join(dir, 's'), text);
    return keyFromConfig(readUciFile(join(dir, 's')), join(dir, 's'));
  };
  t.same(read(`config failsafe 'failsafe'\n\toption key '${KEY_HEX}'\n`), Buffer.from(KEY_HEX, 'hex'));
  t.throws(() => read('config system\n'), { code: 'FAILSAFE_KEY_MISSING', message: /s: no failsafe key \(config failsafe 'failsafe', option key\)$/ });
  t.throws(() => read("config failsafe 'failsafe'\n\toption key 'abcd'\n"), { code: 'FAILSAFE_KEY_INVALID', message: /s:2: option key: the key must be 64 hex characters; got 4$/ });
  const nonHex = `${'z'.repeat(64)}`;
  const err = t.throws(() => read(`config failsafe 'failsafe'\n\toption key '${nonHex}'\n`)) as Error;
  t.match(err.message, /holds characters that are not hex digits$/);
  t.notMatch(err.message, nonHex, 'the value is never echoed');
  t.throws(() => keyFromConfig(undefined, '/nope'), { code: 'FAILSAFE_KEY_MISSING' });
});

t.test("readClientKey(): exactly one of --key, --key-file, --config", async (t) => {
  const dir = tempDir();
  const config = writeConfig(dir);
  writeFileSync(join(dir, 'key'), `${KEY_HEX}\n`);
  const k = Buffer.from(KEY_HEX, 'hex');
  t.same(readClientKey({ key: KEY_HEX }), k);
  t.same(readClientKey({ keyFile: join(dir, 'key') }), k);
  t.same(readClientKey({ config }), k);
  t.throws(() => readClientKey({}), { code: 'USAGE' });
  t.throws(() => readClientKey({ key: KEY_HEX, config }), { code: 'USAGE' });
  t.throws(() => readClientKey({ keyFile: join(dir, 'nope') }), { message: /--key-file .*nope: cannot read the file \(ENOENT/ });
  t.throws(() => readClientKey({ config: join(dir, 'nope') }), { code: 'PATH_MISSING' });
  t.throws(() => parseKeyHex('', '--key'), { message: '--key: the key must be 64 hex characters; it is empty' });
});

t.test('keygen writes other sections, their `option key` values included, back byte for byte', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'system');
  const wifi = `config wifi-iface 'w'\n\toption key "${KEY_HEX}"  # psk\n`;
  writeFileSync(path, `${wifi}\nconfig failsafe 'failsafe'\n\toption key 'short'\n\toption udp_port '4919'\n`);
  generateKey(path, true);
  const text = readFileSync(path, 'utf8');
  t.ok(text.startsWith(`${wifi}\nconfig failsafe 'failsafe'\n\toption key '`), text);
  t.match(text, /\toption key '[0-9a-f]{64}'\n\toption udp_port '4919'\n$/);
  t.notMatch(text, /x{64}/, 'no placeholder written');
});

t.test('the key file may hold blanks and a line break around the digits; errors never show them', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'k'), `  ${KEY_HEX}\n`);
  t.same(readClientKey({ keyFile: join(dir, 'k') }), Buffer.from(KEY_HEX, 'hex'));
  writeFileSync(join(dir, 'k'), `${KEY_HEX.slice(0, 60)}zzzz\n`);
  const err = t.throws(() => readClientKey({ keyFile: join(dir, 'k') })) as Error;
  t.match(err.message, /^--key-file .*k: the key must be 64 hex characters; it holds characters that are not hex digits$/);
  t.same(readClientKey({ config: writeConfig(dir) }), Buffer.from(KEY_HEX, 'hex'));
});
