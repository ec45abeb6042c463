// Bad input to `jailctl run`: one line naming what is wrong, exit 125, nothing started.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { jailctl } from '../../helpers/jailctl.js';

const dir = mkdtempSync(join(tmpdir(), 'jailctl-cli-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

function expectOneLineError(t: Test, args: string[], pattern: RegExp, code = 125) {
  const r = jailctl(args);
  t.equal(r.code, code, `exit ${code}: ${r.stderr}`);
  t.equal(r.stdout, '', 'nothing on stdout');
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('hint:') && !l.startsWith('(run with'));
  t.equal(lines.length, 1, `one line: ${r.stderr}`);
  t.match(lines[0], pattern);
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

t.test('unknown option', async (t) => expectOneLineError(t, ['run', '--bogus', '--', '/bin/true'], /^jailctl: unknown option '--bogus'/));
t.test('missing bind source', async (t) => expectOneLineError(t, ['run', '--no-auto-libs', '--ro', '/does/not/exist', '--', '/bin/true'], /^jailctl: --ro \/does\/not\/exist: no such file or directory on the host$/));
t.test('unreadable spec', async (t) => expectOneLineError(t, ['run', '--spec', join(dir, 'missing.json'), '--', '/bin/true'], /^jailctl: --spec .*missing\.json: cannot read the file \(ENOENT\)$/));
t.test('invalid JSON spec', async (t) => expectOneLineError(t, ['run', '--spec', file('bad.json', '{"name": '), '--', '/bin/true'], /^jailctl: --spec .*bad\.json: invalid JSON at line 1, column 10: the text ends before the JSON value does$/));
t.test('spec that breaks the schema names the key', async (t) => expectOneLineError(t, ['run', '--spec', file('schema.json', '{"nmae": "x"}'), '--', '/bin/true'], /schema\.json: \(top level\): unknown key "nmae"$/));
t.test('spec with a wrong type names the path and the value', async (t) => expectOneLineError(t, ['run', '--spec', file('type.json', '{"ro": [3]}'), '--', '/bin/true'], /type\.json: \/ro\/0: must be string \(got 3\)$/));
t.test('unknown capability', async (t) => expectOneLineError(t, ['run', '--no-auto-libs', '--caps', file('caps.json', '{"bounding":["CAP_NOPE"]}'), '--', '/bin/true'], /caps\.json: bounding\[0\]: unknown capability "CAP_NOPE"/));
t.test('unknown user', async (t) => expectOneLineError(t, ['run', '--no-auto-libs', '--user', 'no-such-user-xyz', '--', '/bin/true'], /^jailctl: --user no-such-user-xyz: no such user in \/etc\/passwd$/));
t.test('bad rlimit', async (t) => expectOneLineError(t, ['run', '--rlimit', 'nofiles=10', '--', '/bin/true'], /unknown resource "nofiles"/));
t.test('bad --pids', async (t) => expectOneLineError(t, ['run', '--pids', 'lots', '--', '/bin/true'], /--pids expects a whole number, got "lots"/));
t.test('no command', async (t) => expectOneLineError(t, ['run', '--proc'], /^jailctl: no command given$/));
t.test('missing command exits 127 like env(1)', async (t) => expectOneLineError(t, ['run', '--', '/no/such/cmd'], /^jailctl: command not found: \/no\/such\/cmd$/, 127));
t.test('non-executable command exits 126', async (t) => expectOneLineError(t, ['run', '--', file('plain.txt', 'x')], /plain\.txt: not an executable file$/, 126));

t.test('commands whose names are not jail names still run (the default name is cleaned)', async (t) => {
  for (const command of [['[', '1', '=', '1'], ['/usr/bin/c++', '--version'], ['-hello']]) {
    const r = jailctl(['run', '--dry-run', '--no-auto-libs', '--', ...command]);
    t.notMatch(r.stderr, /--name/, `${command[0]}: no complaint about a name it was not given`);
  }
  const r = jailctl(['run', '--dry-run', '--', '[', '1', '=', '1']);
  t.equal(r.code, 0, r.stderr);
  t.match(JSON.parse(r.stdout), { name: 'jail' });
});

t.test('--dry-run prints the plan as JSON and starts nothing', async (t) => {
  const r = jailctl(['run', '--dry-run', '--hostname', 'box', '--proc', '--', '/bin/true']);
  t.equal(r.code, 0, r.stderr);
  const plan = JSON.parse(r.stdout) as { name: string; steps: { op: string; phase: string }[] };
  t.equal(plan.name, 'true');
  t.ok(plan.steps.some((s) => s.op === 'sethostname'));
  t.equal(plan.steps.at(-1)?.op, 'execve');
});

t.test('flags after the command name belong to the command', async (t) => {
  const r = jailctl(['run', '--dry-run', '/bin/echo', '--proc', '-n']);
  t.equal(r.code, 0, r.stderr);
  const plan = JSON.parse(r.stdout) as { steps: { op: string; argv?: string[] }[] };
  t.same(plan.steps.at(-1)?.argv, ['/bin/echo', '--proc', '-n']);
});
