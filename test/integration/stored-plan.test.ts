// As root: `jailctl run --save-plan FILE` then `jailctl-launch --plan FILE` runs the jail without
// Node; a change to anything the plan was made from (the program, a library it loads, a bound
// path) makes the launcher refuse with one line and 125, as does a corrupt file.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { findOnPath } from '../../src/io/find-on-path.js';
import { isRoot, jailctl } from '../helpers/jailctl.js';
import { expectOneLineError } from '../helpers/one-line-error.js';

if (!isRoot) t.plan(0, 'needs root');

const LAUNCHER = fileURLToPath(new URL('../../../build/Release/jailctl-launch', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'jailctl-stored-'));
chmodSync(dir, 0o700);
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const env = { ...process.env, JAILCTL_PLAN_CACHE: 'off' };
const settle = () => new Promise((resolve) => setTimeout(resolve, 1100)); // past the racy second

function launch(file: string, args: string[] = []) {
  const r = spawnSync(LAUNCHER, ['--plan', file, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function save(file: string, args: string[]) {
  const r = jailctl(['run', '--save-plan', file, ...args], { env });
  return r;
}

t.test('a saved plan runs without Node, and is refused once the program changes', async (t) => {
  const program = join(dir, 'program');
  const data = join(dir, 'data');
  mkdirSync(data);
  writeFileSync(join(data, 'greeting'), 'hello from the bound directory\n');
  writeFileSync(program, '#!/bin/sh\nread -r line < /data/greeting\necho "$line"\necho "args: $*"\n', { mode: 0o755 });
  await settle();
  const file = join(dir, 'program.plan');
  const saved = save(file, ['--ro', `${data}:/data`, '--', program, 'one', 'two']);
  t.equal(saved.code, 0, saved.stderr);
  t.equal(saved.stdout, '', 'nothing started');
  t.equal(statSync(file).mode & 0o777, 0o600, 'root\'s alone');

  const r = launch(file);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'hello from the bound directory\nargs: one two\n');

  // what a service does to its bound directory does not make the plan stale
  writeFileSync(join(data, 'greeting'), 'changed bytes inside the bound directory\n');
  t.equal(launch(file).code, 0, 'a bind source\'s contents are not what the plan was made from');

  writeFileSync(program, '#!/bin/bash\necho other\n');
  const stale = launch(file);
  expectOneLineError(t, stale, new RegExp(`^jailctl: ${file}: stale: ${program} changed since the plan was saved \\((size|mtime|ctime)\\); run jailctl run --save-plan again$`));
});

t.test('a bound path replaced by another is refused', async (t) => {
  const data = join(dir, 'bound');
  mkdirSync(data);
  await settle();
  const file = join(dir, 'bound.plan');
  t.equal(save(file, ['--ro', data, '--', '/bin/true']).code, 0);
  t.equal(launch(file).code, 0);
  renameSync(data, `${data}.old`);
  mkdirSync(data);
  expectOneLineError(t, launch(file), new RegExp(`stale: ${data} changed since the plan was saved \\(inode\\)`));
  rmSync(data, { recursive: true });
  expectOneLineError(t, launch(file), new RegExp(`stale: ${data} changed since the plan was saved \\(it is gone\\)`));
});

const gcc = findOnPath('gcc') ?? findOnPath('cc');
t.test('a library the program loads changing makes the plan stale', { skip: gcc === undefined ? 'no C compiler to build a program with its own library' : false }, async (t) => {
  const lib = join(dir, 'lib');
  mkdirSync(lib);
  writeFileSync(join(dir, 'greet.c'), 'const char *greet(void) { return "from libgreet"; }\n');
  writeFileSync(join(dir, 'main.c'), '#include <stdio.h>\nconst char *greet(void);\nint main(void) { puts(greet()); return 0; }\n');
  const cc = (args: string[]) => t.equal(spawnSync(gcc!, args, { encoding: 'utf8' }).status, 0, args.join(' '));
  cc(['-shared', '-fPIC', '-o', join(lib, 'libgreet.so'), join(dir, 'greet.c')]);
  cc(['-o', join(dir, 'greeter'), join(dir, 'main.c'), `-L${lib}`, '-lgreet', `-Wl,-rpath,${lib}`]);
  await settle();
  const file = join(dir, 'greeter.plan');
  const saved = save(file, ['--', join(dir, 'greeter')]);
  t.equal(saved.code, 0, saved.stderr);
  const r = launch(file);
  t.equal(r.stdout, 'from libgreet\n', r.stderr);
  const now = Date.now() / 1000;
  utimesSync(join(lib, 'libgreet.so'), now, now);
  expectOneLineError(t, launch(file), new RegExp(`stale: ${lib}/libgreet.so changed since the plan was saved \\(mtime\\)`));
});

t.test('corrupt, truncated, foreign and untrusted plan files: one line, 125, nothing runs', async (t) => {
  await settle();
  const good = join(dir, 'good.plan');
  t.equal(save(good, ['--', '/bin/echo', 'ran']).code, 0);
  t.equal(launch(good).stdout, 'ran\n');
  const bytes = readFileSync(good);
  const cases: [string, Uint8Array, RegExp][] = [
    ['truncated', bytes.subarray(0, bytes.length - 10), /truncated|malformed|launch plan/],
    ['cut in the header', bytes.subarray(0, 20), /truncated header/],
    ['empty', new Uint8Array(), /not a stored plan/],
    ['a JSON file', new TextEncoder().encode('{"plan": 1}\n'), /not a stored plan/],
  ];
  for (const [name, content, pattern] of cases) {
    const file = join(dir, `${name.replace(/ /g, '-')}.plan`);
    writeFileSync(file, content, { mode: 0o600 });
    const r = launch(file);
    expectOneLineError(t, r, new RegExp(`^jailctl: ${file}: (${pattern.source})`));
  }
  chmodSync(good, 0o622);
  expectOneLineError(t, launch(good), /writable by others \(mode 0622\)/);
  chmodSync(good, 0o600);
  const open = join(dir, 'open');
  mkdirSync(open, { mode: 0o777 });
  chmodSync(open, 0o777);
  writeFileSync(join(open, 'p.plan'), bytes, { mode: 0o600 });
  expectOneLineError(t, launch(join(open, 'p.plan')), /its directory .* is writable by others/);
  expectOneLineError(t, launch(join(dir, 'missing.plan')), /cannot open the stored plan: ENOENT/);
  t.equal(launch(good, ['--check']).code, 0, '--check: fresh');
  t.equal(launch(good, ['--check']).stdout, '', '--check starts nothing');
});

t.test('--save-plan refuses what a stored plan cannot hold, and bad combinations', async (t) => {
  const file = join(dir, 'refused.plan');
  expectOneLineError(t, jailctl(['run', '--save-plan', file, '--pids', '20', '--', '/bin/true'], { env }), /cgroup limits/);
  expectOneLineError(t, jailctl(['run', '--save-plan', file, '--dry-run', '--', '/bin/true'], { env }), /--save-plan cannot be combined with --dry-run/);
  expectOneLineError(t, jailctl(['run', '--arch', 'mips', '--', '/bin/true'], { env }), /need --save-plan FILE or --dry-run/);
  t.throws(() => statSync(file), 'nothing written');
});
