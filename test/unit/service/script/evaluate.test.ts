// evaluateInitScript(): real init scripts through the shipped rc.common + procd shim, with the
// host's /bin/sh (no root needed: nothing is started).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { JailctlError } from '../../../../src/errors.js';
import { evaluateInitScript, stripScript } from '../../../../src/service/script/evaluate.js';
import { evaluationView } from '../../../../src/service/script/view.js';
import { chooseShell } from '../../../../src/service/script/shell.js';
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
  writeFileSync(script, '#!/bin/sh /etc/rc.common\nUSE_PROCD=1\n. /nonexistent/lib/helpers.sh\nstart_service() { :; }\n');
  try {
    evaluateInitScript({ script, name: 'includes', configDir: '/nonexistent', action: 'dump' });
    t.fail('expected an error');
  } catch (err) {
    t.match((err as Error).message, /^init script \S+includes: start_service did not finish: .*"line 3: .*\/nonexistent\/lib\/helpers\.sh/);
    t.match((err as JailctlError).hint, /includes a file this host does not have/);
  }
  const { warnings } = evaluate(t, 'shell-features', 'config demo\n\toption x "open\n');
  t.match(warnings.join('\n'), /config \S+jctest: line 2: EOF with unterminated "; uci skips the line/);
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
  t.equal(stripScript('/s', '/opt/jailctl/src/service/shim/rc.common: line 45: fw3: not found'), 'line 45: fw3: not found', "errors in the script's functions");
});

const IDIOMS = `config daemon
	option name 'first daemon'
	option verbose 'yes'
	option port '9000'
	list peer 'a'
	list peer 'b c'
config daemon 'second'
	option enabled 'off'
config daemon 'bad'
	option port 'http'
config daemon
	option listen '10.0.0.1'
	option workers '0x4'
`;

/** Where the evaluation finds OpenWrt's libraries on this host (the namespace needs root or user namespaces). */
const librarySource = evaluationView({ shimDir: join(REPO, 'src', 'service', 'shim'), uciCache: '/nonexistent', configDir: '/nonexistent' }).source;

const noAsh = !chooseShell().ash && 'no ash on this host (install busybox)';

t.test('OpenWrt idioms: ash, libraries by absolute path, validation, anonymous names, jshn, network.sh', { skip: noAsh || (librarySource === 'shim-folder' && 'no mount namespace can be made here') }, async (t) => {
  const config = t.testdir({ idioms: IDIOMS });
  const { service, warnings } = evaluateInitScript({ script: join(FIXTURES, 'openwrt-idioms'), name: 'openwrt-idioms', configDir: config, action: 'dump' });
  t.same(Object.keys(service.instances), ['cfg016d39', 'cfg046d39', 'facts'], 'disabled and invalid sections open no instance; anonymous ones have uci names');
  t.same(service.instances['cfg016d39']!.command, ['/usr/bin/idiomd', '-p', '9000', '-l', 'any', '-w', '2', '--initial', 'f', '--name', 'first_daemon', '-v', '--peer', 'a', 'weight=1', '--peer', 'b c', 'weight=1', '--pidfile', '/var/run/idioms.cfg016d39.pid']);
  t.equal(service.instances['cfg016d39']!.reload_signal, 1, 'kill -l names signals');
  t.same(service.instances['cfg046d39']!.command, ['/usr/bin/idiomd', '-p', '8080', '-l', '10.0.0.1', '-w', '0x4', '--initial', '', '--name', '', '--pidfile', '/var/run/idioms.cfg046d39.pid'], 'defaults; a valid value is passed as written');
  t.same(service.instances['facts']!.command, ['/bin/echo', '{ "device": "lo", "names": [ "first daemon" ] }', '00:11:22:aa:bb:cc', 'none', '0']);
  t.ok(warnings.includes('section bad: validation failed'), "the script's refusal is reported");
  t.ok(warnings.some((w) => /idioms\.bad\.port=http validates as port with false/.test(w)), 'with the failed check');
});

t.test('[ -x /sbin/ujail ] holds in the evaluation, so a script takes its jailed path as under procd + ujail', { skip: librarySource !== 'namespace' && 'ujail is laid over /sbin only in the mount namespace' }, async (t) => {
  const dir = t.testdir({ jailable: '#!/bin/sh /etc/rc.common\nUSE_PROCD=1\nstart_service() {\n\tprocd_open_instance\n\tprocd_set_param command /bin/true\n\t[ -x /sbin/ujail ] && procd_add_jail jailable ronly\n\tprocd_close_instance\n}\n' });
  const { service } = evaluateInitScript({ script: join(dir, 'jailable'), name: 'jailable', configDir: '/nonexistent', action: 'dump' });
  t.match(service.instances['instance1'], { jail: { name: 'jailable', ronly: true } });
});

t.test("dropbear's semantics: PasswordAuth 'off', RootPasswordAuth 'off', RootLogin 'no' give -s -g -w", async (t) => {
  const config = t.testdir({ logind: "config logind\n\toption PasswordAuth 'off'\n\toption RootPasswordAuth 'off'\n\toption RootLogin 'no'\n\toption Port '22'\nconfig logind\n\toption PasswordAuth 'yes'\n\toption RootLogin 'maybe'\n" });
  const { service, warnings } = evaluateInitScript({ script: join(FIXTURES, 'login-flags'), name: 'login-flags', configDir: config, action: 'dump' });
  t.same(service.instances, { instance1: { command: ['/usr/sbin/logind', '-F', '-P', '/var/run/logind.cfg0110e2.pid', '-p', '22', '-s', '-g', '-w'] } });
  t.ok(warnings.some((w) => /logind\.cfg0210e2\.RootLogin=maybe validates as bool with false/.test(w)), 'the second section fails validation and starts nothing');
});

t.test('a script that commits a change reads it back; duplicates in UCI files are warned about', async (t) => {
  const config = t.testdir({ writer: "config writer 'main'\n\toption port '10'\n\toption port '41'\n" });
  const { service, warnings } = evaluateInitScript({ script: join(FIXTURES, 'uci-writer'), name: 'uci-writer', configDir: config, action: 'dump' });
  t.same(service.instances['instance1']!.command, ['/bin/true', '42', '42'], 'later option wins, and the commit is seen');
  t.match(warnings.join('\n'), /config \S+writer: option "port" of section "main" is set again on line 3 \(first on line 2\): uci keeps the later value/);
});

const dash = '/bin/dash';
t.test('without an ash, ash idioms fail and a warning says why', { skip: noAsh || (!existsSync(dash) && 'no /bin/dash to stand for a host without ash') }, async (t) => {
  const dir = t.testdir({ 'ash-only': '#!/bin/sh /etc/rc.common\nUSE_PROCD=1\nstart_service() {\n\tx=abc\n\tprocd_open_instance\n\tprocd_set_param command /bin/echo "${x:0:1}"\n\tprocd_close_instance\n}\n' });
  const saved = process.env['JAILCTL_SHELL'];
  process.env['JAILCTL_SHELL'] = dash;
  try {
    const chosen = chooseShell({ ...process.env, JAILCTL_SHELL: dash });
    t.match(chosen.warning, /is not an ash/);
    t.throws(() => evaluateInitScript({ script: join(dir, 'ash-only'), name: 'ash-only', configDir: '/nonexistent', action: 'dump' }), /Bad substitution/);
  } finally {
    if (saved === undefined) delete process.env['JAILCTL_SHELL'];
    else process.env['JAILCTL_SHELL'] = saved;
  }
  const { service } = evaluateInitScript({ script: join(dir, 'ash-only'), name: 'ash-only', configDir: '/nonexistent', action: 'dump' });
  t.same(service.instances['instance1']!.command, ['/bin/echo', 'a'], 'the default shell is an ash');
});
