// uci's saved changes: the line format, which lines libuci skips, and how they apply.
import t from 'tap';
import { applyDelta, formatDelta, parseDeltaFile, parseDeltaLine, parsePointer, readDeltaFile } from '../../../../src/openwrt/uci/delta.js';
import { findExtendedSection, reorderSection, type UciPackage } from '../../../../src/openwrt/uci/model.js';
import { parseUciFile } from '../../../../src/openwrt/uci/parse.js';

const load = (text: string) => parseUciFile(text, 'p').pkg;
const options = (pkg: UciPackage, name: string) => Object.fromEntries(pkg.sections.find((s) => s.name === name)!.options.map((o) => [o.name, o.value]));

t.test('each prefix is a command; values are quoted like config words', async (t) => {
  t.same(parseDeltaLine("+p.s='type'", 'p'), { command: 'add', section: 's', value: 'type' });
  t.same(parseDeltaLine('-p.s.o', 'p'), { command: 'remove', section: 's', option: 'o' });
  t.same(parseDeltaLine("-p.s.o='1'", 'p'), { command: 'remove', section: 's', option: 'o', value: '1' });
  t.same(parseDeltaLine("p.s.o='it'\\''s'", 'p'), { command: 'change', section: 's', option: 'o', value: "it's" });
  t.same(parseDeltaLine("@p.s='n'", 'p'), { command: 'rename', section: 's', value: 'n' });
  t.same(parseDeltaLine("^p.s='2'", 'p'), { command: 'reorder', section: 's', value: '2' });
  t.same(parseDeltaLine("|p.s.l='v'", 'p'), { command: 'list-add', section: 's', option: 'l', value: 'v' });
  t.same(parseDeltaLine("~p.s.l='v'", 'p'), { command: 'list-del', section: 's', option: 'l', value: 'v' });
});

t.test('lines libuci skips: trailing words, missing values, another package, extended names', async (t) => {
  for (const line of ['p.s bar', 'p.s.o v=w', '+p.s', 'p.s.o', "@p.s='not-a-name'", "^p.s.o='1'", "|p.s='v'", "q.s='t'", "p.@t[0].o='v'", "p.a.b.c='v'", '']) {
    t.equal(parseDeltaLine(line, 'p'), undefined, JSON.stringify(line));
  }
  t.same(readDeltaFile("p.s='t'\nbroken line\n\np.s.o='multi\nline'\n", 'p'), { deltas: [{ command: 'change', section: 's', value: 't' }, { command: 'change', section: 's', option: 'o', value: 'multi\nline' }], skipped: 2 });
});

t.test('formatDelta writes what parseDeltaLine reads', async (t) => {
  const deltas = [
    { command: 'add', section: 'cfg01abcd', value: 't' },
    { command: 'change', section: 's', option: 'o', value: "a 'b'\nc" },
    { command: 'remove', section: 's' },
    { command: 'remove', section: 's', option: 'l', value: '0' },
    { command: 'list-add', section: 's', option: 'l', value: '' },
  ] as const;
  t.equal(formatDelta('p', deltas[0]), "+p.cfg01abcd='t'\n");
  t.equal(formatDelta('p', deltas[2]), '-p.s\n');
  t.same(parseDeltaFile(deltas.map((d) => formatDelta('p', d)).join(''), 'p'), deltas);
});

t.test('applying changes: uci_set, uci_add_list, uci_delete, rename, reorder', async (t) => {
  const pkg = load("config t 'a'\n\toption o 1\n\tlist l x\n\tlist l y\nconfig t 'b'\n");
  for (const line of ["p.a.o='2'", "|p.a.l='z'", "~p.a.l='x'", "+p.c='u'", "p.c.v='1'", "@p.b='bee'", "^p.c='0'", "-p.a.l='0'"]) t.ok(applyDelta(pkg, parseDeltaLine(line, 'p')!), line);
  t.same(pkg.sections.map((s) => [s.name, s.type, s.anonymous]), [['c', 'u', true], ['a', 't', false], ['bee', 't', false]]);
  t.same(options(pkg, 'a'), { o: '2', l: ['z'] });
  t.notOk(applyDelta(pkg, parseDeltaLine("p.missing.o='1'", 'p')!), 'an option of a missing section does not apply');
  t.notOk(applyDelta(pkg, parseDeltaLine('-p.missing', 'p')!));
  t.ok(applyDelta(pkg, parseDeltaLine("p.a.o=''", 'p')!), 'an empty value deletes');
  t.same(options(pkg, 'a'), { l: ['z'] });
});

t.test('pointers and the extended section syntax', async (t) => {
  t.same(parsePointer('p.@t[-1].o=v'), { package: 'p', section: '@t[-1]', option: 'o', value: 'v', extended: true });
  t.equal(parsePointer('p.s.o-x'), undefined, 'option names are letters, digits and _');
  t.equal(parsePointer('p.s.o=\x01'), undefined, 'control characters are refused');
  const pkg = load("config t 'a'\nconfig u\nconfig t\n");
  t.equal(findExtendedSection(pkg, '@t[1]')?.name, pkg.sections[2]!.name);
  t.equal(findExtendedSection(pkg, '@t[-2]')?.name, 'a');
  t.equal(findExtendedSection(pkg, '@[1]')?.type, 'u');
  t.equal(findExtendedSection(pkg, '@t[5]'), undefined);
  t.throws(() => findExtendedSection(pkg, '@t[x]'));
  t.notOk(reorderSection(pkg, pkg.sections[0]!, 0), 'no change');
  t.ok(reorderSection(pkg, pkg.sections[0]!, 99));
  t.equal(pkg.sections[2]!.name, 'a', 'past the end means last');
});
