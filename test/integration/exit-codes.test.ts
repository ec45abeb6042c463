// The same bad command gets the same exit status from `run` and `trace`, and the status a shell
// gives it outside a jail: 127 when execve (or the loader) finds nothing to run, 126 when it
// cannot execute what it found.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { isRoot, jailctl } from '../helpers/jailctl.js';

if (!isRoot) t.plan(0, 'needs root');

const dir = mkdtempSync(join(tmpdir(), 'jailctl-exit-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const program = (name: string, content: string | Uint8Array): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  chmodSync(path, 0o755);
  return path;
};

/** an x86_64 ELF header claiming e_machine 183 (aarch64) on an x86_64 host, or x86_64 elsewhere */
function foreignElf(): Uint8Array {
  const elf = new Uint8Array(readFileSync('/bin/true'));
  const view = new DataView(elf.buffer);
  view.setUint16(18, process.arch === 'x64' ? 183 : 62, true);
  return elf;
}

const cases: { name: string; path: () => string; code: number; message: RegExp }[] = [
  { name: 'a missing "#!" interpreter', path: () => program('noint.sh', '#!/nonexistent/interp\necho hi\n'), code: 127, message: /nonexistent\/interp|ENOENT/ },
  { name: 'a "#!" line with Windows line endings', path: () => program('crlf.sh', '#!/bin/sh\r\necho hi\r\n'), code: 127, message: /carriage return|ENOENT/ },
  { name: 'a "#!" loop', path: () => (program('loop2', `#!${join(dir, 'loop1')}\n`), program('loop1', `#!${join(dir, 'loop2')}\n`)), code: 126, message: /ELOOP/ },
  { name: 'a truncated ELF file', path: () => program('trunc', readFileSync('/bin/true').subarray(0, 100)), code: 126, message: /ENOEXEC|malformed ELF/ },
  { name: "another machine's program", path: () => program('foreign', foreignElf()), code: 126, message: /ENOEXEC/ },
];

for (const c of cases) {
  t.test(`${c.name}: run and trace both exit ${c.code}`, async (t) => {
    const path = c.path();
    const run = jailctl(['run', '--', path]);
    t.equal(run.code, c.code, `run: ${run.stderr}`);
    t.match(run.stderr, c.message);
    t.notMatch(run.stderr, /\n\s+at /);
    const trace = jailctl(['trace', '-o', join(dir, 'p.json'), '--', path]);
    t.equal(trace.code, c.code, `trace: ${trace.stderr}`);
    t.match(trace.stderr, c.message);
  });
}

t.test('the CRLF script is named as such by run, not as a missing /bin/sh', async (t) => {
  const r = jailctl(['run', '--', program('crlf2.sh', '#!/bin/sh\r\n')]);
  t.match(r.stderr, /Windows line endings/);
});

t.test("another machine's program is named as such by run, not as a missing loader", async (t) => {
  const r = jailctl(['run', '--', program('foreign2', foreignElf())]);
  t.match(r.stderr, /a program for (aarch64|x86_64); this host runs/);
});
