// The validate_data command: shell assignments, normalisation, defaults, lists, failures.
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { defaultContext } from '../../../../src/openwrt/uci/store.js';
import { parseSpec, runValidateData } from '../../../../src/openwrt/validate/validate-data.js';

const DROPBEAR = "config dropbear\n\toption PasswordAuth 'off'\n\toption RootPasswordAuth 'off'\n\toption RootLogin 'no'\n\toption Port '22'\n\toption enable 'On'\n\tlist keyfile '/nonexistent/a'\n\tlist keyfile ''\n\tlist keyfile '/etc/passwd'\n";

function run(t: Test, args: string[], config = DROPBEAR) {
  const dir = t.testdir({ dropbear: config });
  let out = '';
  let err = '';
  const status = runValidateData(args, { out: (s) => (out += s), err: (s) => (err += s) }, { ctx: { ...defaultContext(), confdir: dir, deltaPaths: [join(dir, 'none')], savedir: join(dir, 'none') } });
  return { status, out, err };
}

t.test("dropbear's options: bool words normalised to 0/1, numbers, defaults for unset options", async (t) => {
  const r = run(t, ['dropbear', 'dropbear', 'cfg014dd4', 'PasswordAuth:bool:1', 'RootPasswordAuth:bool:1', 'RootLogin:bool:1', 'Port:port:22', 'SSHKeepAlive:uinteger:300', 'Interface:string', 'GatewayPorts:bool:0']);
  t.equal(r.status, 0);
  t.equal(r.out, "PasswordAuth='0'; RootPasswordAuth='0'; RootLogin='0'; Port='22'; SSHKeepAlive='300'; unset -v Interface; GatewayPorts='0'; ");
  t.match(r.err, /dropbear\.cfg014dd4\.PasswordAuth=off validates as bool with true/);
  t.match(r.err, /dropbear\.cfg014dd4\.SSHKeepAlive is unset and defaults to uinteger 300/);
});

t.test('an invalid value is unset and the status is 255', async (t) => {
  const r = run(t, ['dropbear', 'dropbear', 'cfg014dd4', 'Port:range(1024,65535):2222', 'PasswordAuth:bool:1'], DROPBEAR);
  t.equal(r.status, 255);
  t.equal(r.out, "unset -v Port; PasswordAuth='0'; ");
  t.match(r.err, /dropbear\.cfg014dd4\.Port=22 validates as range\(1024,65535\) with false/);
});

t.test("validate_data's own quirks: 'On' validates as a bool but normalises to ''; list items", async (t) => {
  const r = run(t, ['dropbear', 'dropbear', 'cfg014dd4', 'enable:bool:1', 'keyfile:list(file)']);
  t.equal(r.out, "enable=''; keyfile=\\ '/etc/passwd'; ", 'an invalid item leaves only its separator; empty items are skipped');
  t.equal(r.status, 0, 'a list validates by its last item');
  t.match(r.err, /keyfile\[0\]=\/nonexistent\/a validates as list\(file\) with false/);
  t.match(r.err, /keyfile\[1\]=\/etc\/passwd validates as list\(file\) with true/);
});

t.test('a value with a quote is quoted for the shell; a default is normalised too', async (t) => {
  const r = run(t, ['dropbear', 'dropbear', 'cfg014dd4', 'Banner:string:it\'s', 'x:bool:yes', 'y:uinteger:notanumber']);
  t.equal(r.out, `Banner='it'"'"'s'; x='1'; y='notanumber'; `);
});

t.test('a missing section or package, a malformed spec, the two-argument form, usage', async (t) => {
  t.equal(run(t, ['dropbear', 'dropbear', 'nosuchsection', 'a:bool:1']).out, "a='1'; ", 'defaults');
  t.equal(run(t, ['nosuchpackage', 't', 's', 'a:bool']).status, 255);
  const bad = run(t, ['dropbear', 'dropbear', 'cfg014dd4', 'nocolon']);
  t.equal(bad.status, 255);
  t.match(bad.err, /nocolon is not a valid option/);
  t.same(run(t, ['port', '22']), { status: 0, out: '', err: 'port - 22 = true\n' });
  t.same(run(t, ['port', 'x']), { status: 1, out: '', err: 'port - x = false\n' });
  t.equal(run(t, ['a', 'b', 'c']).status, 255);
  const syntax = run(t, ['dropbear', 'dropbear', 'cfg014dd4', 'Port:nosuchtype:1']);
  t.equal(syntax.status, 255);
  t.match(syntax.err, /datatype "nosuchtype": unknown datatype/);
});

t.test('an empty section name describes the options for procd', async (t) => {
  t.equal(run(t, ['dropbear', 'dropbear', '', 'Port:port:22', 'x:bool']).out,
    'json_add_object; json_add_string "package" "dropbear"; json_add_string "type" "dropbear"; json_add_object "data"; json_add_string "Port" "port"; json_add_string "x" "bool"; json_close_object; json_close_object; ');
});

t.test('specs split at colons a backslash does not escape', async (t) => {
  t.same(parseSpec('listen:string:[\\:\\:]\\:80'), { option: 'listen', expression: 'string', fallback: '[\\:\\:]\\:80' });
  t.same(parseSpec('a:b'), { option: 'a', expression: 'b', fallback: undefined });
  t.same(parseSpec('a:b:c:d'), { option: 'a', expression: 'b', fallback: 'c' });
  t.equal(parseSpec('a'), undefined);
});
