// The jshn command: JSON to json_* calls (-r), shell variables to JSON (-w, -i), json-c's
// formats (spaced, %.17g doubles, "\/"), libubox's indented form (%lf doubles).
import t from 'tap';
import { formatFixed6, formatG17, parseJson, toIndented, toJsonC } from '../../../../src/openwrt/jshn/json.js';
import { jsonToShell, mungeKey, runJshn, shellToJson } from '../../../../src/openwrt/jshn/jshn.js';

t.test('-r: the json_* calls that rebuild an object', async (t) => {
  t.equal(jsonToShell('{"a":"it\'s","n":-5,"d":1.5,"b":true,"z":null,"o":{"x-y":[1,"two"]},"e":{}}'),
    "json_init;\njson_add_string 'a' 'it'\\''s';\njson_add_int 'n' -5;\njson_add_double 'd' 1.500000;\njson_add_boolean 'b' 1;\njson_add_null 'z';\n" +
    "json_add_object 'o';\njson_add_array 'x_y';\njson_add_int '0' 1;\njson_add_string '1' 'two';\njson_close_array;\njson_close_object;\njson_add_object 'e';\njson_close_object;\n");
  t.equal(jsonToShell('[1]'), undefined, 'only an object');
  t.equal(jsonToShell('{"a":'), undefined);
  t.equal(jsonToShell("{'single': 'quotes' /* json-c reads these */}"), "json_init;\njson_add_string 'single' 'quotes';\n");
  t.equal(jsonToShell('{"a":1,"a":2}'), "json_init;\njson_add_int 'a' 2;\n", 'a repeated key keeps its place and takes the later value');
  t.equal(mungeKey('a-b.c é'), 'a_b_c___', 'each byte that is not a letter or digit becomes _');
});

t.test('-w: the variables back to JSON, names restored from N_, json-c spacing', async (t) => {
  const env = {
    K_J_V: 'name obj arr f b n x_y',
    J_V_name: 'v/1', T_J_V_name: 'string',
    J_V_obj: 'J_T1', T_J_V_obj: 'object', K_J_T1: '',
    J_V_arr: 'J_A2', T_J_V_arr: 'array', K_J_A2: '1 2', J_A2_1: '7', T_J_A2_1: 'int', J_A2_2: 'x', T_J_A2_2: 'string',
    J_V_f: '0.1', T_J_V_f: 'double', J_V_b: 'yes', T_J_V_b: 'boolean', J_V_n: '', T_J_V_n: 'null',
    J_V_x_y: 'q', T_J_V_x_y: 'string', N_J_V_x_y: 'x-y',
  };
  const json = shellToJson(env);
  t.equal(toJsonC(json), '{ "name": "v\\/1", "obj": { }, "arr": [ 7, "x" ], "f": 0.10000000000000001, "b": false, "n": null, "x-y": "q" }');
  t.equal(toIndented(json), '{\n\t"name": "v/1",\n\t"obj": {\n\t\t\n\t},\n\t"arr": [\n\t\t7,\n\t\t"x"\n\t],\n\t"f": 0.100000,\n\t"b": false,\n\t"n": null,\n\t"x-y": "q"\n}');
  t.equal(toJsonC(shellToJson({ p_K_J_V: 'a', p_J_V_a: '1', p_T_J_V_a: 'int' }, 'p_')), '{ "a": 1 }', '-p PREFIX');
  t.equal(toJsonC(shellToJson({})), '{ }');
});

t.test('round trip: what -r prints, run by jshn.sh, dumps as the same document', async (t) => {
  const doc = parseJson('{"s":"a\\"b\\\\c\\n","i":9007199254740993,"d":2.5,"t":[true,false,null],"o":{"k":[{"x":1}]}}');
  t.equal(toJsonC(doc), '{ "s": "a\\"b\\\\c\\n", "i": 9007199254740993, "d": 2.5, "t": [ true, false, null ], "o": { "k": [ { "x": 1 } ] } }', 'int64 kept exactly');
});

t.test('number formats: %.17g with ".0" for json-c, %lf exactly rounded for libubox', async (t) => {
  t.equal(formatG17(0.1), '0.10000000000000001');
  t.equal(formatG17(100), '100');
  t.equal(toJsonC({ type: 'double', value: 100 }), '100.0');
  t.equal(formatG17(1e21), '1e+21');
  t.equal(formatG17(1.5e-7), '1.4999999999999999e-07');
  t.equal(formatG17(-2.5), '-2.5');
  t.equal(formatFixed6(1.5), '1.500000');
  t.equal(formatFixed6(1 / 128), '0.007812', 'a tie rounds to even, as printf does');
  t.equal(formatFixed6(-0.0000004), '-0.000000');
  t.equal(formatFixed6(1e22), '10000000000000000000000.000000');
});

t.test('the command line: -r, -w with -n and -i, bad usage', async (t) => {
  const run = (args: string[], env: Record<string, string> = {}) => {
    let out = '';
    let err = '';
    const status = runJshn(args, { out: (s) => (out += s), err: (s) => (err += s), env });
    return { status, out, err };
  };
  t.same(run(['-r', '{"a":1}']), { status: 0, out: "json_init;\njson_add_int 'a' 1;\n", err: '' });
  t.same(run(['-r', 'nope']), { status: 1, out: '', err: 'Failed to parse message data\n' });
  t.same(run(['-w'], { K_J_V: 'a', J_V_a: 'x', T_J_V_a: 'string' }), { status: 0, out: '{ "a": "x" }\n', err: '' });
  t.equal(run(['-n', '-w'], { K_J_V: '' }).out, '{ }');
  t.equal(run(['-i', '-w'], { K_J_V: 'a', J_V_a: '1', T_J_V_a: 'int' }).out, '{\n\t"a": 1\n}\n');
  t.equal(run(['-q']).status, 2);
  t.equal(run([]).status, 2);
});
