// parseUci() / buildUciShell(): the UCI reader behind the shim's config_load.
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { buildUciShell, parseUci, splitUciWords } from '../../../../src/service/script/uci.js';

t.test('words: quotes, escapes, comments', async (t) => {
  t.same(splitUciWords(`option name 'a b'"c\\"d"e\\ f # comment`, 'x:1'), ['option', 'name', 'a bc"de f']);
  t.same(splitUciWords('   # only a comment', 'x:1'), []);
  t.throws(() => splitUciWords("option x 'open", 'x:3'), /x:3: unterminated single quote/);
});

t.test('sections, options and lists; anonymous sections keep an empty name', async (t) => {
  const text = "package jctest\n\nconfig demo 'web'\n\toption port 8080\n\tlist arg 'a'\n\tlist arg b\nconfig demo\n\toption enabled '0'\n";
  t.same(parseUci(text, '/etc/config/jctest'), [
    { type: 'demo', name: 'web', entries: [{ kind: 'option', name: 'port', value: '8080' }, { kind: 'list', name: 'arg', value: 'a' }, { kind: 'list', name: 'arg', value: 'b' }] },
    { type: 'demo', name: '', entries: [{ kind: 'option', name: 'enabled', value: '0' }] },
  ]);
});

t.test('mistakes name the file and line', async (t) => {
  for (const [text, pattern] of [
    ['option x 1\n', /f:1: option before any config line/],
    ['config a\nbogus x\n', /f:2: not a UCI statement: a line starts with package, config, option or list$/],
    ['config a\nlsit x y\n', /f:2: not a UCI statement: .* \(did you mean list\?\)$/],
    ['config a\noption bad-name 1\n', /f:2: invalid option name: use letters, digits and "_"$/],
    ["config a 'b c'\n", /f:1: invalid section name: use letters, digits and "_"$/],
    ['config a\noption x 1 2\n', /f:2: option x: more than one value/],
  ] as const) {
    t.throws(() => parseUci(text, 'f'), { name: 'JailctlError', message: pattern }, String(pattern));
  }
});

t.test('the shell text reproduces every value byte for byte and evaluates nothing', async (t) => {
  const tricky = `it's $(touch /tmp/jailctl-pwned) \`x\` "q" \\ ;|&`;
  const shell = buildUciShell([{ type: 'demo', name: 'n', entries: [{ kind: 'option', name: 'v', value: tricky }] }]);
  const r = spawnSync('/bin/sh', ['-c', `config() { :; }; option() { printf '%s' "$2"; }; ${shell}`], { encoding: 'utf8' });
  t.equal(r.stdout, tricky);
  t.equal(buildUciShell([]), '');
});
