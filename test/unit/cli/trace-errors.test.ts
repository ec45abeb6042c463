// Bad input to `jailctl trace` and `run --learn`: one line, the exit status of env(1) for a
// command that cannot run, 125 otherwise; and --dry-run plans that start nothing.
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { jailctl } from '../../helpers/jailctl.js';
import { expectOneLineError } from '../../helpers/one-line-error.js';

const dir = mkdtempSync(join(tmpdir(), 'jailctl-trace-cli-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string, mode = 0o644) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
};
const PROFILE = file('p.json', JSON.stringify({ defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [{ names: ['execve', 'exit_group', 'brk'], action: 'SCMP_ACT_ALLOW' }] }));

t.test('a missing command exits 127 like env(1)', async (t) => expectOneLineError(t, jailctl(['trace', '--', '/no/such/cmd']), /^jailctl: command not found: \/no\/such\/cmd$/, 127));
t.test('a bare name not on PATH exits 127', async (t) => expectOneLineError(t, jailctl(['trace', '--', 'no-such-cmd-xyz']), /^jailctl: command not found: no-such-cmd-xyz \(searched /, 127));
t.test('a file that is not executable exits 126', async (t) => expectOneLineError(t, jailctl(['trace', '--', file('plain.txt', 'x')]), /plain\.txt: not an executable file$/, 126));
t.test('no command', async (t) => expectOneLineError(t, jailctl(['trace', '-o', join(dir, 'x.json')]), /^jailctl: no command given$/));
t.test('run options without --jail', async (t) => expectOneLineError(t, jailctl(['trace', '--ro', '/etc', '--proc', '--', '/bin/true']), /^jailctl: --proc, --ro: run options need --jail$/));
t.test('an unknown default action', async (t) => expectOneLineError(t, jailctl(['trace', '--default-action', 'kil', '--', '/bin/true']), /^jailctl: --default-action kil: unknown action$/));
t.test('--learn without --seccomp', async (t) => expectOneLineError(t, jailctl(['run', '--learn', join(dir, 'l.json'), '--', '/bin/true']), /^jailctl: --learn needs --seccomp PROFILE/));
t.test('an output that cannot be written fails before the program runs, not after it', async (t) => {
  const marker = join(dir, 'ran-with-bad-output');
  const cases: [string[], RegExp][] = [
    [['-o', join(dir, 'no-such-dir', 'p.json')], /^jailctl: cannot write \S+no-such-dir\/p\.json \(ENOENT\)$/],
    [['--stats', dir], /^jailctl: cannot write \S+ \(EISDIR\)$/],
    [['-o', join(dir, 'p2.json'), '--mounts', join(PROFILE, 'below-a-file.json')], /^jailctl: cannot write \S+p\.json\/below-a-file\.json \(ENOTDIR\)$/],
  ];
  for (const [outputs, message] of cases) {
    expectOneLineError(t, jailctl(['trace', ...outputs, '--', '/bin/touch', marker]), message);
    t.notOk(existsSync(marker), `${outputs.join(' ')}: nothing ran`);
  }
  t.notOk(existsSync(join(dir, 'p2.json')), 'and nothing was written');
});

t.test('--merge into a profile that is not one fails before the program runs', async (t) => {
  const bad = file('bad.json', '{"defaultAction": 3}');
  const marker = join(dir, 'ran');
  expectOneLineError(t, jailctl(['trace', '--merge', '-o', bad, '--', '/bin/touch', marker]), /bad\.json: \/defaultAction: 3 is not one of /);
  t.notOk(existsSync(marker), 'nothing ran');
});

t.test('--dry-run prints the traced plan and runs nothing', async (t) => {
  const r = jailctl(['trace', '--dry-run', '--', '/bin/true']);
  t.equal(r.code, 0, r.stderr);
  const plan = JSON.parse(r.stdout) as { namespaces: string[]; steps: { op: string }[] };
  t.same(plan.namespaces, []);
  const root = process.geteuid?.() === 0;
  // the in-kernel counter: tried as root (where the tracer sees the kernel's thread ids)
  t.same(plan.steps.map((s) => s.op).filter((op) => op !== 'trace-counter'), ['trace', 'clone', 'forward-signals', 'fork-service', 'close-fds', ...(root ? [] : ['no-new-privs']), 'trace-me', 'seccomp', 'execve']);
  if (!root) t.notOk(plan.steps.some((s) => s.op === 'trace-counter'), 'no counter without root');
});

t.test('--dry-run: the program gets the environment of `jailctl run` (PATH and --env), not the caller\'s', async (t) => {
  process.env['JAILCTL_TEST_CALLER_VAR'] = 'caller';
  t.teardown(() => delete process.env['JAILCTL_TEST_CALLER_VAR']);
  const r = jailctl(['trace', '--dry-run', '--env', 'LANG=C.UTF-8', '--', '/bin/true']);
  t.equal(r.code, 0, r.stderr);
  const plan = JSON.parse(r.stdout) as { steps: { op: string; env?: string[] }[] };
  t.same(plan.steps.find((s) => s.op === 'execve')?.env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8']);
});

t.test('--jail --dry-run: the jail of `run`, its seccomp profile left out with a warning', async (t) => {
  const r = jailctl(['trace', '--jail', '--dry-run', '--proc', '--seccomp', PROFILE, '--', '/bin/true']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /^jailctl: warning: the seccomp profile .*p\.json is left out while tracing/);
  const plan = JSON.parse(r.stdout) as { namespaces: string[]; summary: { seccomp: unknown }; steps: { op: string; profile?: string }[] };
  t.match(plan.namespaces, ['mount', 'pid']);
  t.equal(plan.summary.seccomp, null);
  t.same(plan.steps.filter((s) => s.op === 'seccomp').map((s) => s.profile), ['(trace: every syscall stops)']);
  t.ok(plan.steps.some((s) => s.op === 'pivot-root'), 'the same jail');
});

t.test('run --learn --dry-run: the profile with its default traced, and the tracer', async (t) => {
  const r = jailctl(['run', '--dry-run', '--seccomp', PROFILE, '--learn', join(dir, 'l.json'), '--', '/bin/true']);
  t.equal(r.code, 0, r.stderr);
  const plan = JSON.parse(r.stdout) as { steps: { op: string; phase: string; profile?: string }[] };
  t.equal(plan.steps[0]!.op, 'trace');
  t.same(plan.steps.filter((s) => s.phase === 'service').map((s) => s.op).slice(-3), ['trace-me', 'seccomp', 'execve']);
  t.match(plan.steps.find((s) => s.op === 'seccomp')!.profile, /p\.json \(learning\)$/);
  t.notOk(plan.steps.some((s) => s.op === 'denials'), 'learning allows, it does not kill');
});
