// What `jailctl trace` loads to trace a short program (issue 14: its fixed cost is mostly start-up):
// the launcher is started by the addon, so neither node:child_process nor node:net is loaded, and
// a trace that prints nothing never makes the stdio streams (node:stream). The outputs are as
// complete as ever.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { CLI, jailctl, REPO } from '../helpers/jailctl.js';

const dir = mkdtempSync(join(tmpdir(), 'jailctl-trace-startup-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string): string => join(dir, name);

/** Node's built-ins loaded by a run of jailctl with `args`, and the run itself. */
function loadedBy(args: string[]): { modules: string[]; code: number | null; stderr: string } {
  const list = file('modules.txt');
  rmSync(list, { force: true });
  const preload = file('record-modules.cjs');
  // on 'exit': how the trace ends (process.exit once its outputs are written)
  writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));\n`);
  // through env(1): the test runner adds its own loader (which loads child_process) to the
  // NODE_OPTIONS of every child it sees started; env sets ours over it
  const r = spawnSync('/usr/bin/env', [`NODE_OPTIONS=--require ${preload}`, process.execPath, CLI, ...args], { cwd: REPO, input: '', encoding: 'utf8', timeout: 30_000 });
  return { modules: existsSync(list) ? readFileSync(list, 'utf8').split('\n') : [], code: r.status, stderr: r.stderr };
}

t.test('trace -o/--stats/--mounts of /bin/true: no child_process, net or stream; all three files written', async (t) => {
  const run = loadedBy(['trace', '-o', file('p.json'), '--stats', file('s.json'), '--mounts', file('m.json'), '--', '/bin/true']);
  t.equal(run.code, 0, run.stderr);
  t.ok(run.modules.length > 0, 'the module list was recorded');
  for (const name of ['child_process', 'net', 'stream']) t.notOk(run.modules.includes(`NativeModule ${name}`), `node:${name} is not loaded`);
  t.match(JSON.parse(readFileSync(file('p.json'), 'utf8')), { defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [{ names: Array, action: 'SCMP_ACT_ALLOW' }] });
  t.match(JSON.parse(readFileSync(file('s.json'), 'utf8')), { counts: Object, files: Array });
  t.match(JSON.parse(readFileSync(file('m.json'), 'utf8')), Object);
});

t.test('trace --json still prints its summary (the streams are made when used)', async (t) => {
  const r = jailctl(['trace', '--json', '-o', file('q.json'), '--', '/bin/sh', '-c', 'echo to-stderr; exit 4']);
  t.equal(r.code, 4, r.stderr);
  t.match(JSON.parse(r.stdout), { exitCode: 4, written: [/q\.json/] }, 'stdout holds the summary alone');
  t.match(r.stderr, /to-stderr/, "the program's own output went to stderr");
});
