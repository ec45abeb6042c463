// The flag as preinit's side sees it (the daemon sets it: test/integration/failsafe.test.ts):
// consume is fail-closed and single-use.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { FLAG_PATTERN, consumeFlag, findFlagMtd, resolveFlagPath } from '../../../src/failsafe/flag.js';
import { tempDir } from '../../helpers/failsafe.js';

t.test('the pattern is "FAILSAFE" x 512', async (t) => {
  t.equal(FLAG_PATTERN.length, 4096);
  t.equal(FLAG_PATTERN.toString('ascii'), 'FAILSAFE'.repeat(512));
});

t.test('set, then consumed exactly once', async (t) => {
  const path = join(tempDir(), 'flag');
  writeFileSync(path, Buffer.alloc(4096));
  t.equal(consumeFlag(path).outcome, 'not-set');
  writeFileSync(path, FLAG_PATTERN);
  t.match(consumeFlag(path), { outcome: 'set', message: /set; erased; entering failsafe$/ });
  t.same(readFileSync(path), Buffer.alloc(4096), 'erased');
  t.equal(consumeFlag(path).outcome, 'not-set', 'second boot is normal');
});

t.test('damaged patterns are erased but never enter failsafe', async (t) => {
  const path = join(tempDir(), 'flag');
  const damaged = Buffer.from(FLAG_PATTERN);
  damaged[4095] = 0x45 ^ 0x20;
  for (const [name, content] of [['one byte off', damaged], ['short', FLAG_PATTERN.subarray(0, 4000)], ['0xff flash', Buffer.alloc(4096, 0xff)]] as const) {
    writeFileSync(path, content);
    t.equal(consumeFlag(path).outcome, 'damaged', name);
    t.same(readFileSync(path), Buffer.alloc(4096), `${name}: erased`);
  }
  const longer = Buffer.concat([FLAG_PATTERN, Buffer.from('tail')]);
  writeFileSync(path, longer);
  t.equal(consumeFlag(path).outcome, 'set', 'only the first 4096 bytes are the flag');
});

t.test('missing flag: not set, nothing created', async (t) => {
  const path = join(tempDir(), 'none');
  t.equal(consumeFlag(path).outcome, 'not-set');
  t.notOk(existsSync(path));
});

t.test('the mtd partition named failsafe-flag', async (t) => {
  const procMtd = 'dev:    size   erasesize  name\nmtd0: 00040000 00010000 "u-boot"\nmtd7: 00001000 00001000 "failsafe-flag"\n';
  t.equal(findFlagMtd(procMtd), '/dev/mtd7');
  t.equal(findFlagMtd('mtd0: 00040000 00010000 "failsafe-flag2"\n'), undefined);
  const dir = tempDir();
  writeFileSync(join(dir, 'mtd'), procMtd);
  t.equal(resolveFlagPath(undefined, join(dir, 'mtd')), '/dev/mtd7');
  t.equal(resolveFlagPath('/x', join(dir, 'mtd')), '/x');
  t.throws(() => resolveFlagPath(undefined, join(dir, 'none')), { code: 'PATH_MISSING', message: /lists no mtd partition named "failsafe-flag"/ });
});
