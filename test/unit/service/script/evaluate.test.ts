// evaluateInitScript(): real init scripts through the shipped rc.common + procd shim, with the
// host's /bin/sh (no root needed: nothing is started).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { JailctlError } from '../../../../src/errors.js';
import { evaluateInitScript, stripScript } from '../../../../src/service/script/evaluate.js';
import { REPO } from '../../../helpers/jailctl.js';

const FIXTURES = join(REPO, 'test', 'fixtures', 'initd');
const UCI = "config demo 'web'\n\toption port 8080\n\tlist arg 'x y'\n\tlist arg \"it's\"\nconfig demo\n\toption enabled 0\nconfig other\nconfig demo 'last'\n\toption user 'www'\n";

function evaluate(t: Test, fixture: string, uci = UCI) {
  const config = t.testdir({ jctest: uci });
  return evaluateInitScript({ script: join(FIXTURES, fixture), name: fixture, configDir: config, action: 'dump' });
}

function oneLineError(t: Test, fixture: string, pattern: RegExp): JailctlError {
  try {
    evaluate(t, fixture);
  } catch (err) {
    t.ok(err instanceof JailctlError);
    t.match((err as Error).message, pattern);
    t.notMatch((err as Error).message, /\n/, 'one line');
    return err as JailctlError;
  }
  throw new Error(`${fixture} evaluated without an error`);
}

t.test('shell semantics: UCI sections and lists, functions, quoting, tables, jail', async (t) => {
  const { service, warnings } = evaluate(t, 'shell-features');
  t.same(warnings, []);
  t.equal(service.name, 'shell-features');
  t.same(Object.keys(service.instances), ['web', 'last', 'instance3'], 'the disabled section is skipped; procd numbers unnamed instances');
  const web = service.instances['web']!;
  t.same(web.command, ['/usr/sbin/demo', '-p', '8080', '--arg', 'x y', '--arg', "it's"]);
  t.same(web.env, { GREETING: 'hello "world"', TAB: 'a\tb', EMPTY: '' });
  t.same(web.limits, { nofile: '128 256' });
  t.same(web.respawn, ['3600', '5', '5'], "procd's respawn defaults");
  t.equal(web.stdout, true);
  t.equal(web.user, 'www', 'uci_get with @type[-1]');
  t.same(web.jail, { name: 'demo-web', procfs: true, log: true, ubus: true, mount: { '/etc/hosts': '0', '/tmp': '1' } });
  t.same(service.instances['last']!.command, ['/usr/sbin/demo', '-p', '80'], 'config_get default');
  t.same(service.instances['instance3'], { command: ['/bin/true', 'two words'] }, 'procd_add_instance');
});

t.test('respawn defaults come from UCI system.@service[0] like procd.sh', async (t) => {
  const config = t.testdir({ jctest: UCI, system: "config system\nconfig service\n\toption respawn_threshold 60\n\toption respawn_retry 9\n" });
  const { service } = evaluateInitScript({ script: join(FIXTURES, 'shell-features'), name: 'x', configDir: config, action: 'dump' });
  t.same(service.instances['web']!.respawn, ['60', '5', '9']);
});

t.test('a shell syntax error names the script and the line the shell reports', async (t) => {
  oneLineError(t, 'syntax-error', /^init script \S+\/syntax-error: line 11: [Ss]yntax error/);
});

t.test('an unknown procd_set_param key names the script and the key', async (t) => {
  const err = oneLineError(t, 'unknown-param', /^init script \S+\/unknown-param: procd_set_param: unknown parameter "respwan" \(known: command env/);
  t.match(err.hint, /spelling/);
});

t.test('a script that is not a procd script is refused', async (t) => {
  oneLineError(t, 'not-procd', /not a procd init script \(it does not set USE_PROCD=1\)/);
});

t.test('a missing script, a failing include, a broken UCI file', async (t) => {
  t.throws(() => evaluateInitScript({ script: join(FIXTURES, 'no-such-script'), name: 'x', configDir: '/nonexistent', action: 'dump' }), /init script \S+no-such-script: cannot read it \(ENOENT\)/);
  const dir = t.testdir({});
  const script = join(dir, 'includes');
  writeFileSync(script, '#!/bin/sh /etc/rc.common\nUSE_PROCD=1\n. /nonexistent/lib/functions.sh\nstart_service() { :; }\n');
  try {
    evaluateInitScript({ script, name: 'includes', configDir: '/nonexistent', action: 'dump' });
    t.fail('expected an error');
  } catch (err) {
    t.match((err as Error).message, /^init script \S+includes: .*\/nonexistent\/lib\/functions\.sh/);
    t.match((err as JailctlError).hint, /already provides config_load/);
  }
  const { warnings } = evaluate(t, 'shell-features', 'config demo\n\toption x "open\n');
  t.match(warnings.join('\n'), /unterminated double quote; package jctest not loaded/);
});

t.test('an instance left open, or defined twice, is an error', async (t) => {
  const dir = t.testdir({});
  const body = (fn: string) => `#!/bin/sh /etc/rc.common\nUSE_PROCD=1\nstart_service() {\n${fn}\n}\n`;
  const cases: [string, RegExp][] = [
    ['procd_open_instance\nprocd_set_param command /bin/true', /instance "instance1" still open/],
    ['procd_open_instance a\nprocd_close_instance\nprocd_open_instance a', /instance "a" is defined twice/],
    ['procd_set_param command /bin/true', /procd_set_param called outside procd_open_instance/],
    ['procd_open_instance\nprocd_add_jail x procs', /procd_add_jail: unknown flag "procs"/],
    ['procd_open_instance\nprocd_set_param term_timeout soon', /term_timeout: "soon" is not a whole number/],
  ];
  for (const [i, [fn, pattern]] of cases.entries()) {
    const script = join(dir, `case${i}`);
    writeFileSync(script, body(fn));
    t.throws(() => evaluateInitScript({ script, name: 'x', configDir: '/nonexistent', action: 'dump' }), pattern);
  }
});

t.test('stripScript() turns dash and ash diagnostics into "line N: ..."', async (t) => {
  t.equal(stripScript('/s', '/s: 11: Syntax error: "}" unexpected'), 'line 11: Syntax error: "}" unexpected');
  t.equal(stripScript('/s', '/s: line 11: syntax error: unexpected "}"'), 'line 11: syntax error: unexpected "}"');
});
