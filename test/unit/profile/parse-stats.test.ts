// parseStats(): the stats file shared with `jailctl trace --stats`; missing optional parts are
// fine, bad parts are listed one per line.
import t from 'tap';
import { JailctlError } from '../../../src/errors.js';
import { parseStats, statsFor } from '../../../src/profile/stats.js';

function problemsOf(text: string): string[] {
  try {
    parseStats(text, 's.json');
  } catch (err) {
    if (err instanceof JailctlError) return err.message.split('\n');
    throw err;
  }
  return [];
}

t.test('a minimal file: arch and counts; files, sockets and countsByArch default to empty', async (t) => {
  const stats = parseStats('{"arch": "x86_64", "counts": {"read": 120, "write": 3}}', 's.json');
  t.same(stats, { arch: 'x86_64', counts: { read: 120, write: 3 }, countsByArch: {}, files: [], sockets: [] });
});

t.test('the full shape, arch names in any accepted spelling', async (t) => {
  const stats = parseStats(JSON.stringify({
    arch: 'SCMP_ARCH_X86_64', counts: { read: 1 }, countsByArch: { i386: { socketcall: 4 }, SCMP_ARCH_X32: { read: 2 } },
    files: [{ path: '/etc/hosts', mode: 'r' }], sockets: ['unix:/dev/log'],
  }), 's.json');
  t.equal(stats.arch, 'x86_64');
  t.same(stats.countsByArch, { i386: { socketcall: 4 }, x32: { read: 2 } });
  t.same(stats.files, [{ path: '/etc/hosts', mode: 'r' }]);
  t.same(stats.sockets, ['unix:/dev/log']);
  t.same(statsFor(stats, 'i386'), { socketcall: 4 });
  t.same(statsFor(stats, 'x86_64'), { read: 1 });
  t.same(statsFor(stats, 'aarch64'), { read: 1 }, 'another arch: the traced counts, names mostly agree');
});

t.test('problems: each on its own line with the path and what is accepted', async (t) => {
  t.same(problemsOf('{'), ['s.json: invalid JSON at line 1, column 2: the text ends before the JSON value does']);
  t.same(problemsOf('[1]'), ['s.json: (top level): a stats file is a JSON object with "arch" and "counts"']);
  const lines = problemsOf(JSON.stringify({ arch: 'sparc', counts: { read: -1, write: 'x' }, countsByArch: { vax: {} }, files: {}, extra: 1 }));
  t.equal(lines.length, 6, lines.join('\n'));
  t.match(lines.join('\n'), /s\.json: \(top level\): unknown key "extra" \(accepted: arch, counts, countsByArch, files, sockets\)/);
  t.match(lines.join('\n'), /s\.json: \/arch: "sparc" is not an architecture \(accepted: x86_64, /);
  t.match(lines.join('\n'), /s\.json: \/counts\/read: -1 is not a call count \(a whole number, 0 or more\)/);
  t.match(lines.join('\n'), /s\.json: \/counts\/write: "x" is not a call count/);
  t.match(lines.join('\n'), /s\.json: \/countsByArch\/vax: "vax" is not an architecture/);
  t.match(lines.join('\n'), /s\.json: \/files: must be an array/);
  t.same(problemsOf('{"counts": {}}'), ['s.json: /arch: must be an arch name (x86_64, i386, x32, aarch64, arm, mips, mipsel, mips64, mips64el, mips64n32, mipsel64n32, riscv64, powerpc, ppc64, ppc64le)']);
});
