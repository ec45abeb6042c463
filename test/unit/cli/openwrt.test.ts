// `jailctl uci|jshn|validate-data`: OpenWrt's commands by hand, with their own arguments and
// exit statuses.
import { join } from 'node:path';
import t from 'tap';
import { jailctl } from '../../helpers/jailctl.js';

t.test('jailctl uci reads and changes a UCI folder like uci', async (t) => {
  const dir = t.testdir({ config: { demo: "config demo\n\toption port '80'\n" }, save: {} });
  const uci = (...args: string[]) => jailctl(['uci', '-c', join(dir, 'config'), '-t', join(dir, 'save'), ...args]);
  t.same([uci('get', 'demo.@demo[0].port').stdout, uci('get', 'demo.@demo[0].port').code], ['80\n', 0]);
  t.same(uci('-n', 'export', 'demo').stdout, "package demo\n\nconfig demo 'cfg01a18a'\n\toption port '80'\n\n");
  t.equal(uci('set', 'demo.@demo[0].port=8080').code, 0);
  t.equal(uci('changes').stdout, "demo.cfg01a18a.port='8080'\n");
  const missing = uci('get', 'demo.nothing');
  t.same([missing.code, missing.stderr], [1, 'uci: Entry not found\n']);
  t.equal(uci('bogus').code, 255);
});

t.test('jailctl jshn and jailctl validate-data', async (t) => {
  t.same(jailctl(['jshn', '-r', '{"a":[true]}']).stdout, "json_init;\njson_add_array 'a';\njson_add_boolean '0' 1;\njson_close_array;\n");
  const good = jailctl(['validate-data', 'or(port,"auto")', 'auto']);
  t.same([good.code, good.stderr], [0, 'or(port,"auto") - auto = true\n']);
  t.equal(jailctl(['validate-data', 'port', '99999']).code, 1);
});
