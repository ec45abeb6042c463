// Bad input to `jailctl service`: one line naming what is wrong, exit 125, nothing started;
// and --dry-run prints the supervised plans without root.
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { jailctl, REPO } from '../../helpers/jailctl.js';
import { expectOneLineError } from '../../helpers/one-line-error.js';

const INITD = join(REPO, 'test', 'fixtures', 'initd');
const STATE = join(REPO, 'build-test', 'service-state-unused');

function expectError(t: Test, args: string[], pattern: RegExp): void {
  expectOneLineError(t, jailctl(['service', ...args, '--initd', INITD, '--state', STATE]), pattern);
}

t.test('no command', async (t) => expectError(t, ['pair'], /^jailctl: service pair: no command given; expected start, stop, restart, reload, boot, shutdown, status, trace, harden, unharden, logs, save-plan, enable, disable, enabled, running or one of the script's commands$/));
t.test('unknown command', async (t) => expectError(t, ['pair', 'frobnicate'], /^jailctl: service pair: unknown command "frobnicate"; the script knows /));
t.test('a name that is not a file name', async (t) => expectError(t, ['../etc/passwd', 'start', '--dry-run'], /service name "\.\.\/etc\/passwd"/));
t.test('a script that does not exist', async (t) => expectError(t, ['no-such-service', 'start', '--dry-run'], /^jailctl: init script \S+no-such-service: no such script$/));
t.test('syntax error', async (t) => expectError(t, ['syntax-error', 'start', '--dry-run'], /^jailctl: init script \S+syntax-error: line 11: /));
t.test('unknown parameter', async (t) => expectError(t, ['unknown-param', 'start', '--dry-run'], /procd_set_param: unknown parameter "respwan"/));
t.test('missing seccomp file', async (t) => expectError(t, ['missing-seccomp', 'start', '--dry-run'], /instance "instance1": procd_set_param seccomp \/nonexistent\/jailctl-test\/seccomp\.json: no such file$/));
t.test('logs of a service never started', async (t) => expectError(t, ['pair', 'logs'], /^jailctl: pair: no log in /));

t.test('status of a stopped service exits 3', async (t) => {
  const r = jailctl(['service', 'pair', 'status', '--initd', INITD, '--state', STATE]);
  t.equal(r.code, 3);
  t.equal(r.stdout, 'pair: stopped\n');
});

t.test('start --dry-run prints one supervised plan per instance', async (t) => {
  const r = jailctl(['service', 'pair', 'start', '--dry-run', '--initd', INITD, '--state', STATE]);
  t.equal(r.code, 0, r.stderr);
  const plans = JSON.parse(r.stdout) as { name: string; steps: { op: string; stateFile?: string; termTimeoutMs?: number }[] }[];
  t.equal(plans.length, 2);
  t.match(plans[0]!.steps[0], { op: 'supervise', stateFile: join(STATE, 'pair', 'alpha.state'), termTimeoutMs: 2000 });
  t.ok(plans.every((p) => p.steps.some((s) => s.op === 'execve')));
});
