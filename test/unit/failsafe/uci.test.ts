// The UCI reader/writer: untouched lines come back byte for byte; errors name file and line.
import t from 'tap';
import { findUciSection, listUciSections, parseUci, quoteUciValue, serializeUci, setUciOption, tokenizeUciLine } from '../../../src/failsafe/uci.js';

const SYSTEM = `# /etc/config/system, edited by hand
config system
\toption hostname 'OpenWrt'
\toption timezone "UTC"
\toption zonename UTC   # trailing comment

config timeserver 'ntp'
\tlist server '0.openwrt.pool.ntp.org'
\tlist server "1.openwrt.pool.ntp.org"
\toption enabled '1'

  # indented comment
config failsafe 'failsafe'
    option udp_port '4919'
    list ifname 'br-lan'
    list ifname 'eth1'
config led
\toption name 'it'\\''s "quoted"'
`;

t.test('parse + serialize is the identity', async (t) => {
  t.equal(serializeUci(parseUci(SYSTEM, 'system')), SYSTEM);
  const crlf = SYSTEM.replace(/\n/g, '\r\n');
  t.equal(serializeUci(parseUci(crlf, 'system')), crlf, 'CRLF kept');
  const noFinal = SYSTEM.trimEnd();
  t.equal(serializeUci(parseUci(noFinal, 'system')), noFinal, 'no final newline kept');
  t.equal(serializeUci(parseUci('', 'x')), '');
});

t.test('sections, options, lists and every quoting style', async (t) => {
  const doc = parseUci(SYSTEM, 'system');
  const sections = listUciSections(doc);
  t.same(sections.map((s) => [s.type, s.name]), [['system', undefined], ['timeserver', 'ntp'], ['failsafe', 'failsafe'], ['led', undefined]]);
  const system = sections[0]!;
  t.equal(system.options.get('timezone')?.value, 'UTC');
  t.equal(system.options.get('zonename')?.value, 'UTC');
  t.same(sections[1]!.lists.get('server'), ['0.openwrt.pool.ntp.org', '1.openwrt.pool.ntp.org']);
  t.same(findUciSection(doc, 'failsafe', 'failsafe')?.lists.get('ifname'), ['br-lan', 'eth1']);
  t.equal(sections[3]!.options.get('name')?.value, `it's "quoted"`);
  t.same(tokenizeUciLine(`option a "x\\"y"'z' # c`, 'f', 1), ['option', 'a', 'x"yz']);
  t.same(tokenizeUciLine('option a b\\ c', 'f', 1), ['option', 'a', 'b c']);
});

t.test('setUciOption() rewrites only the line it changes', async (t) => {
  const doc = parseUci(SYSTEM, 'system');
  const added = serializeUci(setUciOption(doc, 'failsafe', 'failsafe', 'key', 'ab'));
  t.equal(added, SYSTEM.replace("    list ifname 'eth1'\n", "    list ifname 'eth1'\n    option key 'ab'\n"), 'new option after the section, indentation copied');
  const changed = serializeUci(setUciOption(parseUci(added, 'system'), 'failsafe', 'failsafe', 'key', "c'd"));
  t.equal(changed, added.replace("option key 'ab'", "option key 'c'\\''d'"));
  t.equal(findUciSection(parseUci(changed, 'system'), 'failsafe', 'failsafe')?.options.get('key')?.value, "c'd", 'quoting round-trips');
  t.equal(setUciOption(doc, 'system', 'x', 'timezone', 'CET').lines[3]!.text, "\toption timezone 'CET'", 'anonymous section found by type');
});

t.test('setUciOption() appends a missing section at the end', async (t) => {
  const text = 'config system\n\toption hostname x\n';
  t.equal(serializeUci(setUciOption(parseUci(text, 'f'), 'failsafe', 'failsafe', 'key', 'k')), `${text}\nconfig failsafe 'failsafe'\n\toption key 'k'\n`);
  t.equal(serializeUci(setUciOption(parseUci('', 'f'), 'failsafe', 'failsafe', 'key', 'k')), "config failsafe 'failsafe'\n\toption key 'k'\n");
  t.throws(() => setUciOption(parseUci('', 'f'), 'failsafe', 'failsafe', 'key', 'a\nb'), { message: /may not span lines/ });
});

t.test('malformed input: one message naming file and line', async (t) => {
  const bad = (text: string, message: RegExp) => t.throws(() => parseUci(text, '/etc/config/system'), { message, code: 'FAILSAFE_CONFIG_INVALID' });
  bad("config system\n\toption hostname 'OpenWrt\n", /^\/etc\/config\/system:2: unterminated single quote/);
  bad('option key x\n', /^\/etc\/config\/system:1: option outside of a config section$/);
  bad('config system\n\tfoo bar baz\n', /:2: not a UCI statement: a line starts with package, config, option or list$/);
  bad('config system\n\topton hostname x\n', /:2: not a UCI statement: a line starts with package, config, option or list \(did you mean option\?\)$/);
  bad('config system\n\toption a b c\n', /:2: expected "option NAME 'VALUE'", got 3 arguments/);
  bad('config system\n\toption a\n', /:2: expected "option NAME 'VALUE'", got 1 argument$/);
  bad('config\n', /:1: expected "config TYPE \['NAME'\]"/);
  bad("config 'sys tem'\n", /:1: invalid section type \(letters, digits, _ and - only\)$/);
  bad("config system 'a b'\n", /:1: invalid section name \(letters, digits, _ and - only\)$/);
  bad("config system\n\toption 'a b' c\n", /:2: invalid option name \(letters, digits, _ and - only\)$/);
  bad('config a; config b\n', /:1: ';' between statements is not supported/);
  bad('config a\n\toption x y\\\n', /:2: backslash at the end of the line/);
});

t.test("quoteUciValue() quotes like uci export", async (t) => {
  t.equal(quoteUciValue("a'b"), "'a'\\''b'");
  t.same(tokenizeUciLine(`option x ${quoteUciValue("a'b c")}`, 'f', 1), ['option', 'x', "a'b c"]);
});
