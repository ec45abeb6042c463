// writeFileAtomic(): the target is either the old file or the whole new one, never a part;
// no temporary file is left behind, also when the write fails; devices and links are kept.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { writeFileAtomic } from '../../../src/io/write-atomic.js';

t.test('writes text and bytes, replacing an existing file', async (t) => {
  const dir = t.testdir({ 'old.json': 'old' });
  writeFileAtomic(join(dir, 'old.json'), '{"new": true}\n');
  t.equal(readFileSync(join(dir, 'old.json'), 'utf8'), '{"new": true}\n');
  writeFileAtomic(join(dir, 'f.bpf'), new Uint8Array([6, 0, 0, 0, 0, 0, 0xff, 0x7f]));
  t.same([...readFileSync(join(dir, 'f.bpf'))], [6, 0, 0, 0, 0, 0, 0xff, 0x7f]);
  t.same(readdirSync(dir).sort(), ['f.bpf', 'old.json'], 'no temporary files left');
});

t.test('a missing directory: IO_FAILED naming the path, nothing written', async (t) => {
  const dir = t.testdir({});
  const target = join(dir, 'no', 'such', 'out.json');
  t.throws(() => writeFileAtomic(target, 'x'), { code: 'IO_FAILED', message: `cannot write ${target} (ENOENT)` });
  t.notOk(existsSync(target));
});

t.test('a target that cannot be replaced keeps its old content and leaves no temporary file', async (t) => {
  const dir = t.testdir({ 'out.json': 'old', sub: {} });
  writeFileSync(join(dir, 'sub', 'keep'), 'x');
  // renaming a file over a non-empty directory fails (EISDIR)
  t.throws(() => writeFileAtomic(join(dir, 'sub'), 'new'), { code: 'IO_FAILED' });
  t.same(readdirSync(dir).sort(), ['out.json', 'sub']);
  if (process.geteuid?.() !== 0) {
    chmodSync(dir, 0o500);
    t.throws(() => writeFileAtomic(join(dir, 'out.json'), 'new'), { code: 'IO_FAILED' });
    chmodSync(dir, 0o700);
    t.equal(readFileSync(join(dir, 'out.json'), 'utf8'), 'old');
  }
});

t.test('through a symlink the file it leads to is replaced; the link stays', async (t) => {
  const dir = t.testdir({ 'real.json': 'old', link: t.fixture('symlink', 'real.json') });
  writeFileAtomic(join(dir, 'link'), 'new');
  t.ok(lstatSync(join(dir, 'link')).isSymbolicLink(), 'still a link');
  t.equal(readFileSync(join(dir, 'real.json'), 'utf8'), 'new');
  t.same(readdirSync(dir).sort(), ['link', 'real.json'], 'no temporary files left');
});

t.test('a device is written to, never replaced by a regular file (-o /dev/null as root)', { skip: process.geteuid?.() === 0 ? false : 'mknod needs root' }, async (t) => {
  const dir = t.testdir({});
  const device = join(dir, 'null');
  // a /dev/null of our own: a regression must not replace the real one
  t.equal(spawnSync('mknod', ['-m', '666', device, 'c', '1', '3']).status, 0, 'mknod');
  writeFileAtomic(device, '{"profile": true}\n');
  t.ok(statSync(device).isCharacterDevice(), 'still the device');
  t.same(readdirSync(dir), ['null'], 'no temporary files left');
});
