import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { createHostFs, kernelArch } from '../../../src/jail/host-fs.js';

t.test('createHostFs() reads a real tree', async (t) => {
  const dir = t.testdir({ 'data.bin': Buffer.from('0123456789'), 'notes.txt': 'hello\n', sub: { b: '', a: '', c: {} } });
  symlinkSync('data.bin', `${dir}/link`);
  symlinkSync('loop', `${dir}/loop`);
  chmodSync(`${dir}/data.bin`, 0o4751);
  const host = createHostFs();
  t.match(host.lstat(`${dir}/data.bin`), { kind: 'file', mode: 0o4751, size: 10 });
  t.match(host.lstat(`${dir}/link`), { kind: 'symlink', size: 8 });
  t.match(host.lstat(`${dir}/sub`), { kind: 'dir' });
  t.match(host.lstat('/dev/null'), { kind: 'char' });
  t.equal(host.lstat(`${dir}/missing`), undefined);
  t.equal(host.lstat(`${dir}/data.bin/x`), undefined, 'ENOTDIR is absent');
  t.equal(host.readlink(`${dir}/link`), 'data.bin');
  t.equal(host.readlink(`${dir}/data.bin`), undefined, 'EINVAL: not a symlink');
  t.equal(host.readlink(`${dir}/missing`), undefined);
  t.same(host.readRange(`${dir}/link`, 2, 3), new Uint8Array([0x32, 0x33, 0x34]), 'follows the link');
  t.same(host.readRange(`${dir}/data.bin`, 8, 100), new Uint8Array([0x38, 0x39]), 'short at end of file');
  t.same(host.readRange(`${dir}/data.bin`, 50, 4), new Uint8Array(), 'empty past the end');
  t.equal(host.readRange(`${dir}/sub`, 0, 4), undefined, 'a directory has no bytes');
  t.equal(host.readRange(`${dir}/missing`, 0, 4), undefined);
  t.equal(host.readText(`${dir}/notes.txt`), 'hello\n');
  t.equal(host.readText(`${dir}/missing`), undefined);
  t.same(host.readDir(`${dir}/sub`), ['a', 'b', 'c']);
  t.equal(host.readDir(`${dir}/notes.txt`), undefined);
  t.throws(() => host.readText(`${dir}/loop`), { code: 'IO_FAILED', path: `${dir}/loop`, syscall: 'open', errno: 'ELOOP', message: `cannot read ${dir}/loop: open(2): ELOOP` });
});

t.test('createHostFs().readDir(): names that are not UTF-8 keep their bytes, U+FFFD stays itself', async (t) => {
  const dir = t.testdir({ utf8: { b: '', 'é': '' }, mixed: { 'z': '', '\uFFFD': '' } });
  // a Latin-1 "café": Node's UTF-8 decoding would make its last byte U+FFFD
  writeFileSync(Buffer.concat([Buffer.from(`${dir}/mixed/caf`), Buffer.from([0xe9])]), '');
  const host = createHostFs();
  t.same(host.readDir(`${dir}/utf8`), ['b', 'é']);
  t.same(host.readDir(`${dir}/mixed`), ['caf\udce9', 'z', '\uFFFD'], 'the stray byte is escaped (U+DCE9), a real U+FFFD is kept');
});

t.test('createHostFs(): permission denied reads as absent', { skip: process.getuid?.() === 0 ? 'root reads everything' : false }, async (t) => {
  const dir = t.testdir({});
  mkdirSync(`${dir}/closed`);
  writeFileSync(`${dir}/closed/f`, 'x');
  chmodSync(`${dir}/closed`, 0);
  t.teardown(() => chmodSync(`${dir}/closed`, 0o755));
  t.equal(createHostFs().lstat(`${dir}/closed/f`), undefined);
});

t.test('kernelArch() maps Node arch names to the kernel\'s', async (t) => {
  const expected: Record<string, string> = {
    x64: 'x86_64', arm64: 'aarch64', ia32: 'i386', arm: 'arm', mips: 'mips', mipsel: 'mipsel', riscv64: 'riscv64',
    ppc: 'powerpc', s390x: 's390x', loong64: 'loongarch64', sparc: 'sparc',
  };
  for (const [node, kernel] of Object.entries(expected)) t.equal(kernelArch(node), kernel, node);
  t.match(kernelArch('ppc64'), /^ppc64(le)?$/);
  t.equal(createHostFs().arch, kernelArch(process.arch));
});
