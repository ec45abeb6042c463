// readInputFile(): regular files only, symlinks followed unless told not to, sizes capped, and
// every failure one JailctlError naming the option and the path. (FIFOs are tried through the
// CLI in test/unit/cli/input-files.test.ts, where a regression cannot block this process.)
import { spawnSync } from 'node:child_process';
import { symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { readInputFile, readInputFileIfExists, readInputText } from '../../../src/io/input-file.js';
import { INPUT_LIMITS, formatSize } from '../../../src/io/input-limits.js';
import { decodeRaw } from '../../../src/io/raw-bytes.js';

const SMALL = { maxBytes: 16, noun: 'a test file' };

t.test('a regular file, directly or through a symlink', async (t) => {
  const dir = t.testdir({ 'p.json': '{"a": 1}\n' });
  symlinkSync('p.json', `${dir}/link.json`);
  t.equal(readInputText(`${dir}/p.json`, '--x', SMALL), '{"a": 1}\n');
  t.equal(readInputText(`${dir}/link.json`, '--x', SMALL), '{"a": 1}\n', 'a symlink to a config file is fine');
  t.same(readInputFile(`${dir}/p.json`, '--x', SMALL, { secret: true }), Buffer.from('{"a": 1}\n'), 'secret buffers hold the same bytes');
  t.throws(() => readInputFile(`${dir}/link.json`, '--state', SMALL, { noFollow: true }), {
    code: 'INPUT_NOT_REGULAR', message: `--state ${dir}/link.json: not a regular file (a symbolic link)`,
  });
});

t.test('exactly the limit is read; one byte more is refused before reading', async (t) => {
  const dir = t.testdir({ 'exact': 'x'.repeat(16), 'over': 'x'.repeat(17) });
  t.equal(readInputText(`${dir}/exact`, '', SMALL).length, 16);
  t.throws(() => readInputFile(`${dir}/over`, '--spec', SMALL), {
    code: 'INPUT_TOO_LARGE', message: `--spec ${dir}/over: too large (17 bytes; a test file may be at most 16 bytes)`,
  });
  writeFileSync(`${dir}/sparse`, '');
  truncateSync(`${dir}/sparse`, INPUT_LIMITS.profile.maxBytes + 1);
  t.throws(() => readInputFile(`${dir}/sparse`, '', INPUT_LIMITS.profile), { code: 'INPUT_TOO_LARGE', message: /a seccomp profile may be at most 16 MiB\)$/ });
});

t.test('files whose size says nothing (/proc) are read to their end, within the limit', async (t) => {
  t.match(readInputText('/proc/self/status', '', INPUT_LIMITS.host), /^Name:/);
  t.throws(() => readInputFile('/proc/self/status', '', SMALL), { code: 'INPUT_TOO_LARGE', message: /too large \(more than 16 bytes; a test file may be at most 16 bytes\)$/ });
});

t.test('directories and devices are refused by kind, without reading', async (t) => {
  const dir = t.testdir({ sub: {} });
  t.throws(() => readInputFile(`${dir}/sub`, '--caps', SMALL), { code: 'INPUT_NOT_REGULAR', message: `--caps ${dir}/sub: not a regular file (a directory)` });
  t.throws(() => readInputFile('/dev/zero', '', SMALL), { code: 'INPUT_NOT_REGULAR', message: '/dev/zero: not a regular file (a character device)' });
  t.throws(() => readInputFile('/dev/null', '--key-file', SMALL), { message: /^--key-file \/dev\/null: not a regular file \(a character device\)$/ });
});

t.test('missing files: an error naming errno, or undefined when allowed', async (t) => {
  const dir = t.testdir({ file: 'x' });
  t.throws(() => readInputFile(`${dir}/gone`, '--seccomp', SMALL), {
    code: 'INPUT_UNREADABLE', errno: 'ENOENT', message: `--seccomp ${dir}/gone: cannot read the file (ENOENT)`,
  });
  t.equal(readInputFileIfExists(`${dir}/gone`, '', SMALL), undefined);
  t.equal(readInputFileIfExists(`${dir}/file/below`, '', SMALL), undefined, 'ENOTDIR is absent too');
  symlinkSync('loop', `${dir}/loop`);
  t.throws(() => readInputFileIfExists(`${dir}/loop`, '', SMALL), { code: 'INPUT_UNREADABLE', errno: 'ELOOP' });
});

t.test('a path that is not UTF-8 reaches the file system as its bytes', async (t) => {
  const dir = t.testdir({});
  const raw = Buffer.concat([Buffer.from(`${dir}/caf`), Buffer.from([0xe9])]);
  writeFileSync(raw, 'latin-1 name');
  t.equal(readInputText(decodeRaw(raw), '', SMALL), 'latin-1 name');
});

t.test('formatSize()', async (t) => {
  t.equal(formatSize(16 * 1024 * 1024), '16 MiB');
  t.equal(formatSize(4096), '4 KiB');
  t.equal(formatSize(4097), '4097 bytes');
});

t.test('without /proc, the file is opened again and must be the one checked', { skip: process.geteuid?.() === 0 ? false : 'needs root for a mount namespace' }, async (t) => {
  const dir = t.testdir({ 'p.json': 'content' });
  const reader = new URL('../../../src/io/input-file.js', import.meta.url).href;
  const script = `const m = await import(${JSON.stringify(reader)});
    console.log(m.readInputText(${JSON.stringify(`${dir}/p.json`)}, '', { maxBytes: 10, noun: 'x' }));
    try { m.readInputText('/dev/zero', '', { maxBytes: 10, noun: 'x' }); } catch (e) { console.log(e.message); }`;
  const r = spawnSync('unshare', ['-m', 'sh', '-c', `umount -l /proc && exec "${process.execPath}" --input-type=module -e "$0"`, script], { encoding: 'utf8', timeout: 20_000 });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, 'content\n/dev/zero: not a regular file (a character device)\n');
});
