// A program that finds its libraries through $ORIGIN runs in a jail without /proc: glibc reads
// /proc/self/exe to expand $ORIGIN, so the plan gives it LD_ORIGIN_PATH instead.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { isRoot, jailctl } from '../helpers/jailctl.js';

const cc = spawnSync('cc', ['--version']).status === 0;
if (!isRoot || !cc) t.plan(0, !isRoot ? 'needs root' : 'needs a C compiler (cc)');

const dir = mkdtempSync(join(tmpdir(), 'jailctl-origin-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('$ORIGIN RPATH programs run with and without --proc', async (t) => {
  mkdirSync(join(dir, 'lib'));
  writeFileSync(join(dir, 'greet.c'), 'const char *greet(void) { return "hello from $ORIGIN"; }\n');
  writeFileSync(join(dir, 'main.c'), '#include <stdio.h>\nconst char *greet(void);\nint main(void) { puts(greet()); return 0; }\n');
  const build = (args: string[]) => {
    const r = spawnSync('cc', args, { cwd: dir, encoding: 'utf8' });
    t.equal(r.status, 0, r.stderr);
  };
  build(['-shared', '-fPIC', '-o', 'lib/libgreet.so', 'greet.c']);
  build(['-o', 'app', 'main.c', '-Llib', '-lgreet', '-Wl,-rpath,$ORIGIN/lib']);
  for (const flags of [[], ['--proc']]) {
    const r = jailctl(['run', ...flags, '--', join(dir, 'app')]);
    t.equal(r.code, 0, `${flags.join(' ') || 'no --proc'}: ${r.stderr}`);
    t.equal(r.stdout, 'hello from $ORIGIN\n');
  }
  const plan = JSON.parse(jailctl(['run', '--dry-run', '--', join(dir, 'app')]).stdout) as { steps: { op: string; env?: string[] }[] };
  t.ok(plan.steps.find((s) => s.op === 'execve')?.env?.includes(`LD_ORIGIN_PATH=${dir}`), 'the plan says how');
  const withProc = JSON.parse(jailctl(['run', '--dry-run', '--proc', '--', join(dir, 'app')]).stdout) as { steps: { op: string; env?: string[] }[] };
  t.notOk(withProc.steps.find((s) => s.op === 'execve')?.env?.some((e) => e.startsWith('LD_ORIGIN_PATH=')), 'not needed with /proc');
});
