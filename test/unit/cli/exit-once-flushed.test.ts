// src/cli/program.ts exitOnceFlushed (how `jailctl trace` ends): the process ends as soon as the
// command is done, keeping its exit code, yet never before what it wrote to a pipe has been
// written, however slowly the reader reads.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const program = fileURLToPath(new URL('../../../src/cli/program.js', import.meta.url));

/** A CLI with one command `out N CODE` that prints N bytes and sets exit code CODE, with a timer
 * that would keep Node alive for a minute; the reader starts reading after `readAfterMs`. */
function run(bytes: number, code: number, readAfterMs: number): Promise<{ status: number | null; got: number; ms: number }> {
  const script = `
    const { runCli, exitOnceFlushed } = await import(${JSON.stringify(program)});
    setTimeout(() => {}, 60_000);
    const out = (p) => p.command('out').argument('<n>').argument('<code>').action((n, code) => {
      process.stdout.write('x'.repeat(Number(n)));
      process.exitCode = Number(code);
    });
    await runCli([process.argv[0], 'jailctl', 'out', '${bytes}', '${code}'], { out });
    exitOnceFlushed();`;
  const started = Date.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.pause();
  let got = 0;
  setTimeout(() => {
    child.stdout.on('data', (chunk: Buffer) => (got += chunk.length));
    child.stdout.resume();
  }, readAfterMs);
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, got, ms: Date.now() - started })));
}

t.test('nothing pending: it exits at once, with the exit code the command set', async (t) => {
  const r = await run(10, 3, 0);
  t.equal(r.status, 3);
  t.equal(r.got, 10);
  t.ok(r.ms < 30_000, `ended without waiting for the minute-long timer (${r.ms} ms)`);
});

t.test('output a pipe could not take yet is all written before it exits', async (t) => {
  const bytes = 3_000_000; // far more than a pipe holds
  const r = await run(bytes, 0, 500);
  t.equal(r.got, bytes, 'every byte reached the reader');
  t.equal(r.status, 0);
});
