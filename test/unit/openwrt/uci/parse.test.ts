// Reading UCI files as libuci does: quoting, escapes, values spanning lines, comments, `;`,
// abbreviated keywords, strict and -S modes, anonymous section names, duplicates.
import t from 'tap';
import { anonymousSectionName, djbHash, type UciPackage } from '../../../../src/openwrt/uci/model.js';
import { parseUciFile, parseUciImport } from '../../../../src/openwrt/uci/parse.js';

const parse = (text: string, strict = true) => parseUciFile(text, 'pkg', { strict });
const values = (pkg: UciPackage) => pkg.sections.map((s) => ({ name: s.name, type: s.type, anonymous: s.anonymous, options: Object.fromEntries(s.options.map((o) => [o.name, o.value])) }));

t.test("anonymous sections are named cfgNNHHHH: the counter and 16 bits of djbhash(type)", async (t) => {
  // the names OpenWrt devices show for their first anonymous sections (pid files, uci show -X)
  t.equal(anonymousSectionName(1, 'dnsmasq'), 'cfg01411c');
  t.equal(anonymousSectionName(1, 'dropbear'), 'cfg014dd4');
  t.equal(anonymousSectionName(1, 'uhttpd'), 'cfg0122fe');
  t.equal(djbHash(undefined, ''), 5381, 'the seed');
  t.equal(djbHash(undefined, 'a'), (5381 * 33 + 97) & 0x7fffffff);
  t.equal(anonymousSectionName(0x123, 'x').slice(0, 6), 'cfg123', 'more than two hex digits when needed');
  const { pkg } = parse("config foo 'named'\nconfig dropbear\n\toption Port 22\nconfig dropbear\n");
  t.same(pkg.sections.map((s) => s.name), ['named', 'cfg024dd4', 'cfg034dd4'], 'the counter counts named sections too; options do not change the hash');
  t.equal(pkg.allocated, 3);
});

t.test('quoting: single quotes are literal, double quotes and bare words take backslash escapes', async (t) => {
  const { pkg, errors } = parse([
    "config t 's'",
    "\toption sq 'a \\n \"b\" #c'",
    '\toption dq "x \\"y\\" \\$z \'w\'"',
    '\toption bare a\\ b\\#c',
    "\toption glued 'a'\"b\"c",
    '\toption hash x#comment',
    "\toption empty ''",
  ].join('\n'));
  t.same(errors, []);
  t.same(values(pkg)[0]!.options, { sq: 'a \\n "b" #c', dq: "x \"y\" $z 'w'", bare: 'a b#c', glued: 'abc', hash: 'x' }, 'an empty option is no option');
});

t.test('values span lines inside quotes and after a backslash at the end of a line', async (t) => {
  const { pkg, errors } = parse("config t 's'\n\toption sq 'line 1\nline 2 \\\nline 3'\n\toption dq \"a\\\nb\nc\"\n\toption cont one\\\ntwo\n");
  t.same(errors, []);
  t.same(values(pkg)[0]!.options, { sq: 'line 1\nline 2 \\\nline 3', dq: 'ab\nc', cont: 'onetwo' });
});

t.test('keywords may be abbreviated; `package` is ignored in a config file; comments', async (t) => {
  const { pkg, errors } = parse("package other\n# a comment\nc t 'one'\n\to opt v\n\tl items a\n\tl items b\n  # indented comment\n");
  t.same(errors, []);
  t.equal(pkg.name, 'pkg');
  t.same(values(pkg), [{ name: 'one', type: 't', anonymous: false, options: { opt: 'v', items: ['a', 'b'] } }]);
});

t.test('`;` separates statements after a quoted word, but ends the line after a bare one (libuci rewrites its buffer in place)', async (t) => {
  t.same(values(parse("config t 's'; option a '1'; option b '2'").pkg)[0]!.options, { a: '1', b: '2' });
  t.same(values(parse("config t 's'\n\toption a 1;option b 2").pkg)[0]!.options, { a: '1' });
});

t.test('strict mode fails at the first error with its line and byte; -S skips the line', async (t) => {
  const text = "config t 'a'\n\toption ok 1\n\toption bad-name 2\n\tbogus x\nconfig 'bad type' b\n\toption after 3\n";
  const strict = parse(text);
  t.same(strict.errors, [{ reason: 'invalid character in name field', line: 3, byte: 17 }]);
  const loose = parse(text, false);
  t.same(loose.errors.map((e) => [e.line, e.reason]), [[3, 'invalid character in name field'], [4, 'invalid command'], [5, 'invalid character in type field']]);
  t.same(values(loose.pkg)[0]!.options, { ok: '1', after: '3' }, 'options after a broken config line go to the section before it');
  t.same(parse("option x 1\n").errors.map((e) => e.reason), ['option/list command found before the first section']);
  t.same(parse("config t 's'\n\toption x 'open\n").errors.map((e) => e.reason), ["EOF with unterminated '"]);
  t.same(parse("config t 's' extra\n").errors.map((e) => e.reason), ['too many arguments']);
  t.same(parse("config t 's' extra\n", false).errors, [], '-S ignores one extra word');
  t.same(parse('config\n').errors.map((e) => e.reason), ['invalid command'], 'the keyword ends at a blank, so "config\\n" is no keyword');
});

t.test('duplicates resolve as in uci, with a warning for each', async (t) => {
  const { pkg, warnings, errors } = parse("config t 'a'\n\toption port 1\n\toption port 2\n\toption x 1\n\tlist x 2\n\tlist y a\n\toption y b\nconfig t 'a'\n\toption z 3\n", false);
  t.same(errors, []);
  t.same(values(pkg), [{ name: 'a', type: 't', anonymous: false, options: { port: '2', x: ['1', '2'], y: 'b', z: '3' } }], 'later option wins, one section');
  t.equal(warnings.length, 4);
  t.match(warnings[0], /option "port" of section "a" is set again on line 3 \(first on line 2\): uci keeps the later value/);
  t.match(warnings[1], /list "x" of section "a" on line 5 follows an option of the same name: uci makes one list of both/);
  t.match(warnings[2], /option "y" of section "a" on line 7 replaces the list/);
  t.match(warnings[3], /section "a" is declared again on line 8 \(first on line 1\): uci merges the two/);
  const retyped = parse("config t 'a'\nconfig u 'a'\n", false);
  t.equal(retyped.pkg.sections[0]!.type, 'u', '-S: a later type wins');
  t.same(parse("config t 'a'\nconfig u 'a'\n").errors.map((e) => e.reason), ['section of different type overwrites prior section with same name']);
  const emptied = parse("config t 'a'\n\toption v 1\n\toption v ''\n\toption w ''\n", false);
  t.same(values(emptied.pkg)[0]!.options, { v: '1' }, 'an empty option in a file changes nothing');
  t.match(emptied.warnings[0], /option "v" of section "a" on line 3 is empty: uci ignores it and keeps the earlier value/);
  t.match(emptied.warnings[1], /option "w" of section "a" on line 4 is empty: uci ignores it \(an empty option is no option\)/);
});

t.test('import without a name reads the packages its `package` lines open', async (t) => {
  const r = parseUciImport("package one\nconfig t 'a'\npackage two\nconfig u\n", { strict: true });
  t.same(r.packages.map((p) => [p.name, p.sections.map((s) => s.name)]), [['one', ['a']], ['two', [anonymousSectionName(1, 'u')]]]);
  t.same(parseUciImport("config t 'a'\n", { strict: true }).errors.map((e) => e.reason), ['attempting to import a file without a package name']);
});
