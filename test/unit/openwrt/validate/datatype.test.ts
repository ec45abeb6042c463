// validate_data's datatypes: what each accepts and the kind it gives (which decides the
// normalisation), including the C conversions' corner cases.
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { parseIPv6, parseMacMusl, strtol, strtoul, toCInt } from '../../../../src/openwrt/validate/cnum.js';
import { DatatypeSyntaxError, parseDatatype, validateValue } from '../../../../src/openwrt/validate/datatype.js';
import { parseUciFile } from '../../../../src/openwrt/uci/parse.js';

const kind = (type: string, value: string, uci?: Parameters<typeof validateValue>[2]) => validateValue(parseDatatype(type), value, uci);

function cases(t: Test, type: string, valid: string[], invalid: string[]): void {
  for (const v of valid) t.not(kind(type, v), 'invalid', `${type} accepts ${JSON.stringify(v)}`);
  for (const v of invalid) t.equal(kind(type, v), 'invalid', `${type} refuses ${JSON.stringify(v)}`);
}

t.test('bool: uci\'s words in any case, of kind bool', async (t) => {
  for (const v of ['0', 'off', 'false', 'no', 'disabled', '1', 'on', 'true', 'yes', 'enabled', 'On', 'YES']) t.equal(kind('bool', v), 'bool', v);
  cases(t, 'bool', [], ['2', 'enable', 'y', '']);
});

t.test('integers: C conversions with base prefixes, signs, whole-value rule', async (t) => {
  cases(t, 'integer', ['0', '-5', '0x1f', '010', '123'], ['08', '1.5', '+5', ' 5', 'abc', '0x', '5 ']);
  cases(t, 'uinteger', ['0', '42', '0x10', '0xff'], ['-1', '+1', 'x', '']);
  t.equal(kind('uinteger', '300'), 'number');
  cases(t, 'min(10)', ['10', '0x10', '99'], ['9', '-1', 'ten']);
  cases(t, 'max(10)', ['10', '-100'], ['11']);
  cases(t, 'range(1,65535)', ['1', '65535', '0x50'], ['0', '65536', '']);
  cases(t, 'float', ['1.5', '-0.5', '1e3', '0x1p4', 'inf', 'nan', ' 2'], ['1.5x', '.', 'e3']);
  cases(t, 'ufloat', ['0', '1.5', '-0.5'], ['-1', 'x']);
  t.equal(toCInt(strtoul('-1').value), -1, 'strtoul wraps a negative number, then int keeps the low bits');
  t.same(strtol('0x'), { value: 0n, length: 1 }, '0x without a digit is just 0');
});

t.test('ports: strtoul rules, as validate_data applies them', async (t) => {
  cases(t, 'port', ['0', '22', '65535', ' 80', '-1'], ['65536', '22a', 'ssh']);
  t.equal(kind('port', '22'), 'number');
  cases(t, 'portrange', ['22', '1000-2000', '5-5'], ['2000-1000', '1-70000', '1-', 'a-b']);
  t.equal(kind('portrange', '10-20'), 'string');
});

t.test('addresses', async (t) => {
  cases(t, 'ip4addr', ['192.168.1.1', '0.0.0.0', '255.255.255.255'], ['256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4/24', '::1']);
  cases(t, 'ip6addr', ['::', '::1', 'fe80::1', '2001:db8::1:2', '::ffff:1.2.3.4', '1:2:3:4:5:6:7:8', '1::2:3:4:5:6:7'], ['1:2:3:4:5:6:7:8:9', '1::2::3', ':1::', 'fe80::1%eth0', '12345::', '1.2.3.4']);
  cases(t, 'ipaddr', ['10.0.0.1', 'fd00::1'], ['host']);
  cases(t, 'cidr4', ['10.0.0.0/8', '10.0.0.1', '1.2.3.4/', '1.2.3.4/-1'], ['1.2.3.4/33', '1.2.3.4/x', '255.255.255.255/32x']);
  cases(t, 'cidr6', ['fd00::/64', '::/0'], ['fd00::/129']);
  cases(t, 'cidr', ['10.0.0.0/8', 'fd00::/8'], ['x/8']);
  cases(t, 'netmask4', ['255.255.255.0', '0.0.0.0', '255.255.255.255', '128.0.0.0'], ['255.0.255.0', '255.255.255.1']);
  cases(t, 'netmask6', ['ffff:ffff::', '::', 'ffff:ff00::'], ['ffff:0:ffff::', 'ffff:ff80::']);
  cases(t, 'ipmask4', ['10.0.0.1/255.0.0.0', '10.0.0.1'], ['10.0.0.1/255.0.255.0']);
  cases(t, 'macaddr', ['00:11:22:33:44:55', '0:1:2:3:4:5', 'AA:bb:CC:dd:EE:ff'], ['00:11:22:33:44', '00:11:22:33:44:55:66', '001122334455', 'g0:11:22:33:44:55', '100:1:2:3:4:5']);
  t.same(parseMacMusl('0:1:2:3:4:'), [0, 1, 2, 3, 4, 0], "musl's ether_aton reads an empty part as 0");
  t.same(parseIPv6('::ffff:1.2.3.4')?.slice(10), [0xff, 0xff, 1, 2, 3, 4]);
});

t.test('names and strings', async (t) => {
  cases(t, 'hostname', ['openwrt', 'a.b-c_d.example', 'x'.repeat(63)], ['a..b', '.a', 'a b', 'x'.repeat(64) + '.com']);
  cases(t, 'host', ['router.lan', '10.0.0.1', 'fd00::1'], ['a b']);
  cases(t, 'uciname', ['lan', 'cfg014dd4', 'a_b'], ['a-b', 'a.b']);
  cases(t, 'network', ['lan', 'example.org', '10.0.0.1'], ['a b']);
  cases(t, 'string', ['anything at all'], []);
  t.equal(kind('string', 'x'), 'string');
  cases(t, 'string(2,4)', ['ab', 'abcd'], ['a', 'abcde']);
  cases(t, 'minlength(3)', ['abc'], ['ab']);
  cases(t, 'maxlength(3)', ['abc'], ['abcd']);
  cases(t, 'rangelength(1,2)', ['a', 'ab'], ['abc']);
  cases(t, 'hexstring', ['00ff', 'AB'], ['0', 'xx']);
  cases(t, 'wpakey', ['12345678', 'a'.repeat(63), 'f'.repeat(64)], ['1234567', 'g'.repeat(64)]);
  cases(t, 'wepkey', ['12345', '1234567890123', 's:12345', '0123456789'], ['1234', 'g123456789']);
  cases(t, 'phonedigit', ['123*#!.'], ['12a']);
  cases(t, "regex('[0-9]+[[:alpha:]]')", ['123a'], ['a123', '123']);
});

t.test('combinators: or, and, not, neg, list, literals; the kind comes from what matched last', async (t) => {
  cases(t, "or(uinteger, 'auto')", ['5', 'auto'], ['manual']);
  t.equal(kind("or(uinteger, 'auto')", 'auto'), 'string');
  t.equal(kind("or(uinteger, 'auto')", '5'), 'number');
  cases(t, 'and(uinteger, min(5))', ['5', '100'], ['4']);
  cases(t, 'list(port)', ['22', '22 2222', '1\t2'], ['22 x']);
  t.equal(kind('list(port)', '22 80'), 'number');
  cases(t, "neg(hostname)", ['!router', '! router', 'router'], ['!a b']);
  t.equal(kind("not(bool)", 'maybe'), 'invalid', 'not() sets no kind, so it alone validates nothing');
  t.equal(kind("and(string, not('x'))", 'y'), 'string');
  t.equal(kind("and(string, not('x'))", 'x'), 'invalid');
  cases(t, "'a\\,b', 42", ['a,b', '42', '42.0'], ['a\\,b']);
  t.equal(kind('42', '42'), 'number');
  t.throws(() => parseDatatype('nosuchtype'), DatatypeSyntaxError);
  t.throws(() => parseDatatype("or(port, 'x"), DatatypeSyntaxError);
  t.throws(() => parseDatatype('range(1,2'), DatatypeSyntaxError);
});

t.test('paths: file, directory, device; and values from UCI', async (t) => {
  const dir = t.testdir({ f: 'x', d: {} });
  cases(t, 'file', [join(dir, 'f')], [join(dir, 'd'), join(dir, 'none')]);
  cases(t, 'directory', [join(dir, 'd')], [join(dir, 'f')]);
  cases(t, 'device', ['/dev/null'], [join(dir, 'f')]);
  const pkg = parseUciFile("config interface 'lan'\n\toption proto 'static'\nconfig interface 'wan'\n\tlist dns '1.1.1.1'\n\tlist dns '8.8.8.8'\n", 'network').pkg;
  const uci = { uci: (name: string) => (name === 'network' ? pkg : undefined) };
  t.equal(kind("uci('network', '@interface')", 'wan', uci), 'string', 'a section of that type');
  t.equal(kind("uci('network', '@interface')", 'dmz', uci), 'invalid');
  t.equal(kind("uci('network', 'wan', 'dns')", '8.8.8.8', uci), 'string', 'an item of the list');
  t.equal(kind("uci('network', '@interface', 'proto')", 'static', uci), 'string');
  t.equal(kind("uci('other', '@x')", 'a', uci), 'invalid');
});
