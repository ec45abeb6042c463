// src/profile/actions.ts with a fake ProfileIo: what the CLI cannot easily show (a terminal on
// stdout) and that actions reach files only through the interface.
import t from 'tap';
import { JailctlError } from '../../../src/errors.js';
import { checkProfileFiles, compileProfileFile, mergeProfileFiles, type ProfileIo } from '../../../src/profile/actions.js';

function fakeIo(files: Record<string, string>, stdoutIsTty = false) {
  const written: Record<string, string | Uint8Array> = {};
  const io: ProfileIo = {
    hostArch: () => 'mips',
    stdoutIsTty,
    readText: (path) => {
      const text = files[path];
      if (text === undefined) throw new JailctlError('PROFILE_UNREADABLE', `${path}: cannot read the file (ENOENT)`);
      return text;
    },
    readBytes: (path, what, limit) => new TextEncoder().encode(io.readText(path, what, limit)),
    writeAtomic: (path, data) => {
      written[path] = data;
    },
  };
  return { io, written };
}

const GOOD = JSON.stringify({ whitelist: ['read', 'execve', 'exit'] });

t.test('raw BPF is not written to a terminal; -o or another format is', async (t) => {
  const { io, written } = fakeIo({ 'p.json': GOOD }, true);
  t.throws(() => compileProfileFile({ file: 'p.json', format: 'raw' }, io), { code: 'USAGE', message: 'profile compile: not writing raw BPF to a terminal' });
  t.match(compileProfileFile({ file: 'p.json', format: 'hex' }, io).stdout, /^[0-9a-f]{16}\n/);
  t.match(compileProfileFile({ file: 'p.json', format: 'raw', out: 'p.bpf' }, io).stdout, /^wrote p\.bpf: \d+ BPF instructions for mips \(raw\)\n$/);
  t.ok(written['p.bpf'] instanceof Uint8Array);
});

t.test('the host arch is the default target', async (t) => {
  const { io } = fakeIo({ 'p.json': GOOD });
  t.match(checkProfileFiles(['p.json'], undefined, io).ok, [/^p\.json: OK \(procd legacy, 3 syscalls, \d+ BPF instructions for mips\)$/]);
});

t.test('check reports unreadable files apart from profile problems', async (t) => {
  const { io } = fakeIo({ 'bad.json': '{"whitelist": ["read"]}' });
  const report = checkProfileFiles(['bad.json', 'gone.json'], 'arm', io);
  t.equal(report.unreadable, 1);
  t.same(report.ok, []);
  t.match(report.problems, [/^bad\.json: \/whitelist: execve is not allowed/, /^gone\.json: cannot read the file \(ENOENT\)$/]);
});

t.test('merge writes once, through the interface', async (t) => {
  const { io, written } = fakeIo({ 'a.json': GOOD, 'b.json': JSON.stringify({ whitelist: ['write'] }) });
  mergeProfileFiles(['a.json', 'b.json'], 'm.json', io);
  t.same(Object.keys(written), ['m.json']);
  t.match(written['m.json'], /"names": \["read", "execve", "exit", "write"\]/);
});
