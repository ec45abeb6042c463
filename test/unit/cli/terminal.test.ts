// src/cli/terminal.ts: fstat(2) rules out what cannot be a terminal (a file, a pipe, /dev/null and
// the other memory devices) without making process.stderr; a terminal is still one.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { deviceMajor } from '../../../src/cli/terminal.js';

const terminal = fileURLToPath(new URL('../../../src/cli/terminal.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'jailctl-terminal-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('device majors as Linux encodes them', async (t) => {
  t.equal(deviceMajor(statSync('/dev/null').rdev), 1, '/dev/null: mem');
  t.equal(deviceMajor(statSync('/dev/tty').rdev), 5, '/dev/tty');
  // major 259 (blkext) needs the high bits of the low word: makedev(259, 3)
  t.equal(deviceMajor((259 << 8) | 3), 259);
  // a major above 4095 lives in bits 44..63: makedev(4096, 0)
  t.equal(deviceMajor(2 ** 44), 4096);
});

/** What stderrIsTerminal() says in a child whose stderr is `shell`'s redirection, and whether
 * that child made process.stderr to find out. */
function askWith(redirect: string): { terminal: boolean; madeStream: boolean } {
  const script = `import(${JSON.stringify(terminal)}).then(({ stderrIsTerminal }) => {
    const terminal = stderrIsTerminal();
    const madeStream = process.moduleLoadList.includes('NativeModule internal/fs/sync_write_stream') || process.moduleLoadList.includes('NativeModule tty') || process.moduleLoadList.includes('NativeModule net');
    require('node:fs').writeSync(1, JSON.stringify({ terminal, madeStream }));
  })`;
  // NODE_OPTIONS emptied: the test runner adds a loader of its own (which makes both streams)
  const r = spawnSync('/bin/sh', ['-c', `NODE_OPTIONS= "$0" -e "$1" ${redirect}`, process.execPath, script], { encoding: 'utf8' });
  return JSON.parse(r.stdout) as { terminal: boolean; madeStream: boolean };
}

t.test('stderr on /dev/null, a file or a pipe: not a terminal, and process.stderr is never made', async (t) => {
  for (const redirect of ['2>/dev/null', `2>${join(dir, 'err')}`, '2>&1 | cat']) {
    t.same(askWith(redirect), { terminal: false, madeStream: false }, redirect);
  }
});

t.test('stderr on a terminal: a terminal', { skip: spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0 ? false : 'needs script(1) for a terminal' }, async (t) => {
  const script = `import(${JSON.stringify(terminal)}).then(({ stderrIsTerminal }) => require('node:fs').writeFileSync(${JSON.stringify(join(dir, 'answer'))}, String(stderrIsTerminal())))`;
  const r = spawnSync('script', ['-qec', `${process.execPath} -e '${script.replace(/'/g, "'\\''")}'`, '/dev/null'], { encoding: 'utf8', timeout: 30_000 });
  t.equal(r.status, 0, r.stdout);
  t.equal(spawnSync('cat', [join(dir, 'answer')], { encoding: 'utf8' }).stdout, 'true');
});
