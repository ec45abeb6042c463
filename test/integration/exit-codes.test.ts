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

t.test('arguments, --env values and paths that are not UTF-8 reach the jail byte for byte', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const { mkdirSync, writeFileSync: write } = await import('node:fs');
  const { CLI } = await import('../helpers/jailctl.js');
  const name = Buffer.concat([Buffer.from(`${dir}/d`), Buffer.from([0xe9])]);
  mkdirSync(name);
  write(Buffer.concat([name, Buffer.from('/f')]), 'inside\n');
  // the shell makes the raw bytes (Node's spawn would encode strings as UTF-8)
  const script = `d=$(printf '%s/d\\351' "$1"); x=$(printf '\\377'); exec "$0" "$2" run --ro "$d" --env "X=$x" -- /bin/sh -c 'read l < "$0"/f; printf "%s|%s|%s" "$X" "$l" "$0"' "$d"`;
  const r = spawnSync('/bin/sh', ['-c', script, process.execPath, dir, CLI], { encoding: 'buffer' });
  t.equal(r.status, 0, r.stderr.toString());
  t.same(r.stdout, Buffer.concat([Buffer.from([0xff]), Buffer.from('|inside|'), name]), 'the variable, the file under the non-UTF-8 path, the argument');
});

t.test('arguments that are not UTF-8 reach a traced program byte for byte (trace has its own entry)', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const { CLI } = await import('../helpers/jailctl.js');
  const script = `a=$(printf 'a\\351'); exec "$0" "$1" trace -o "$2" -- /bin/sh -c 'printf "%s" "$0"' "$a"`;
  const r = spawnSync('/bin/sh', ['-c', script, process.execPath, CLI, join(dir, 'raw-trace.json')], { encoding: 'buffer' });
  t.equal(r.status, 0, r.stderr.toString());
  t.same(r.stdout, Buffer.from([0x61, 0xe9]));
});

t.test('a NUL byte in a spec string is named with its field', async (t) => {
  const spec = join(dir, 'nul.json');
  writeFileSync(spec, JSON.stringify({ command: ['/bin/true'], ro: ['/etc/a\u0000b'] }));
  const r = jailctl(['run', '--spec', spec]);
  t.equal(r.code, 125);
  t.match(r.stderr, /^jailctl: ro\[0\]: contains a NUL byte/);
});

t.test('--no-auto-libs: the ELF interpreter left out of the jail is named, not only "no such file"', async (t) => {
  const ls = '/usr/bin/ls';
  const r = jailctl(['run', '--no-auto-libs', '--ro', ls, '--', ls, '/']);
  t.equal(r.code, 127, r.stderr);
  t.match(r.stderr, /^jailctl: ls: execute \/usr\/bin\/ls \(its ELF interpreter \/\S+ld-linux\S* must be in the jail: --no-auto-libs binds nothing for it\): execve\(2\): ENOENT/m);
  const bound = jailctl(['run', '--no-auto-libs', '--ro', '/usr', '--ro', '/lib', '--ro', '/lib64', '--', ls, '/']);
  t.equal(bound.code, 0, `with the loader bound it runs: ${bound.stderr}`);
});
