// The addon's spawnLauncher/waitChild (native/launcher-spawn.c), with a stand-in launcher (a
// shell script): the whole plan is readable on fd 3 at once, whatever its size, fd 4 carries
// what it writes back to us until it exits, its stdout can be our stderr, and its exit code or
// killing signal is reported.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const binding = fileURLToPath(new URL('../../../src/native/binding.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'jailctl-launcher-spawn-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const fake = join(dir, 'fake-launch');
// argv[1] is the plan's fd; the plan goes back on fd 4; $1 of the plan's first line says how to end
writeFileSync(fake, `#!/bin/sh
cat <&"$1" >&4
echo "argv1=$1 out"
echo "err" >&2
read -r how <&"$1" || true
exec 4>&-
head -c 12 /proc/self/fd/3 2>/dev/null | grep -q kill-me && kill -TERM $$
exit 5
`);
chmodSync(fake, 0o755);

/** Runs spawnLauncher in a child Node (its stdio captured): what fd 4 carried, the status, the output. */
function spawnFake(plan: string, stdoutToStderr: boolean) {
  const script = `
    const { loadAddon } = await import(${JSON.stringify(binding)});
    const { readSync, closeSync, readFileSync } = await import('node:fs');
    const addon = loadAddon();
    const { pid, traceFd } = addon.spawnLauncher(${JSON.stringify(fake)}, readFileSync(process.env.PLAN_FILE), ${stdoutToStderr});
    const exit = addon.waitChild(pid);
    const chunks = [];
    const buf = Buffer.alloc(65536);
    for (let n; (n = readSync(traceFd, buf)) > 0;) chunks.push(Buffer.from(buf.subarray(0, n)));
    closeSync(traceFd);
    process.stdout.write(JSON.stringify({ back: Buffer.concat(chunks).toString(), status: await exit }) + '\\n');`;
  const planFile = join(dir, 'plan');
  writeFileSync(planFile, plan);
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, PLAN_FILE: planFile }, timeout: 20_000 });
  const lines = r.stdout.trim().split('\n');
  return { result: JSON.parse(lines.at(-1)!) as { back: string; status: { code: number | null; signal: number | null } }, stdout: lines.slice(0, -1).join('\n'), stderr: r.stderr };
}

t.test('a plan larger than any pipe is read whole from fd 3, and fd 4 carries it back', async (t) => {
  const plan = 'x'.repeat(300_000);
  const { result, stdout, stderr } = spawnFake(plan, false);
  t.equal(result.back.length, plan.length);
  t.equal(result.back, plan);
  t.same(result.status, { code: 5, signal: null }, 'its exit code');
  t.match(stdout, /argv1=3 out/, 'argv[1] names fd 3; its stdout is ours');
  t.match(stderr, /^err$/m);
});

t.test("with stdoutToStderr its standard output is our standard error", async (t) => {
  const { stdout, stderr } = spawnFake('plan', true);
  t.notMatch(stdout, /out/);
  t.match(stderr, /argv1=3 out/);
});

t.test('killed by a signal: the signal, no code', async (t) => {
  const { result } = spawnFake('kill-me', false);
  t.same(result.status, { code: null, signal: 15 });
});

t.test('a launcher that cannot be started: an error naming the errno', async (t) => {
  const { loadAddon } = await import(binding);
  t.throws(() => loadAddon().spawnLauncher(join(dir, 'missing'), new Uint8Array(1), false), { code: 'ENOENT' });
});
