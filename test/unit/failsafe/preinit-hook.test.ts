// init.d/preinit/35_check_failsafe_flag under busybox sh: FAILSAFE=true only when the pattern
// matched and the erase verified. (Erase failure on a read-only mount: test/integration.)
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { FLAG_PATTERN } from '../../../src/failsafe/flag.js';
import { runHook, tempDir } from '../../helpers/failsafe.js';

const busybox = spawnSync('busybox', ['true']).status === 0;
if (!busybox) t.plan(0, 'busybox is not installed');

t.test('the hook registers itself in preinit_main', async (t) => {
  const r = runHook(join(tempDir(), 'none'));
  t.equal(r.registered, 'registered preinit_main check_failsafe_flag');
  t.equal(r.code, 0);
});

t.test('set flag: FAILSAFE=true and erased; the next boot is normal', async (t) => {
  const flag = join(tempDir(), 'flag');
  writeFileSync(flag, FLAG_PATTERN);
  const first = runHook(flag);
  t.equal(first.failsafe, 'true');
  t.match(first.stdout, /failsafe requested over the network/);
  t.same(readFileSync(flag), Buffer.alloc(4096));
  t.equal(runHook(flag).failsafe, '');
});

t.test('damaged, short, empty, zero or missing flags never set FAILSAFE', async (t) => {
  const dir = tempDir();
  const off = Buffer.from(FLAG_PATTERN);
  off[100] = 0;
  const newline = Buffer.from(FLAG_PATTERN);
  newline[4095] = 0x0a;
  const cases: [string, Buffer | undefined][] = [
    ['one NUL inside', off], ['last byte a newline', newline], ['short', FLAG_PATTERN.subarray(0, 4088)],
    ['empty', Buffer.alloc(0)], ['zeros', Buffer.alloc(4096)], ['0xff', Buffer.alloc(4096, 0xff)], ['missing', undefined],
  ];
  for (const [name, content] of cases) {
    const flag = join(dir, name.replace(/\W/g, '_'));
    if (content !== undefined) writeFileSync(flag, content);
    const r = runHook(flag);
    t.equal(r.failsafe, '', name);
    t.equal(r.code, 0, `${name}: preinit continues`);
    if (content !== undefined && content.length > 0) t.same(readFileSync(flag).subarray(0, 4096).every((b) => b === 0), true, `${name}: left erased`);
  }
});

t.test('a longer file: only the first 4096 bytes are the flag', async (t) => {
  const flag = join(tempDir(), 'flag');
  writeFileSync(flag, Buffer.concat([FLAG_PATTERN, Buffer.from('trailing bytes beyond the region')]));
  t.equal(runHook(flag).failsafe, 'true', 'only the first 4096 bytes count');
});
