// The uci command over a temporary config folder and save folder: what OpenWrt's prints and
// the exit statuses scripts test.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { runUciCli } from '../../../../src/openwrt/uci/cli.js';

const DROPBEAR = "config dropbear\n\toption PasswordAuth 'off'\n\toption Port '22'\n\nconfig foo 'named'\n\tlist l 'a b'\n\tlist l c\n\toption x \"it's\"\n";

function setup(t: Test, files: Record<string, string> = { dropbear: DROPBEAR }) {
  const dir = t.testdir({ config: files, save: {}, state: {} });
  const uci = (args: string[], input = '') => {
    let out = '';
    let err = '';
    const status = runUciCli(['-c', join(dir, 'config'), '-t', join(dir, 'save'), ...args], { out: (s) => (out += s), err: (s) => (err += s), input: () => input });
    return { status, out, err };
  };
  return { dir, uci, config: (name: string) => readFileSync(join(dir, 'config', name), 'utf8'), saved: (name: string) => readFileSync(join(dir, 'save', name), 'utf8') };
}

t.test('get: values, lists, types, extended references; missing entries', async (t) => {
  const { uci } = setup(t);
  t.same(uci(['get', 'dropbear.@dropbear[0].Port']), { status: 0, out: '22\n', err: '' });
  t.same(uci(['get', 'dropbear.cfg014dd4.PasswordAuth']).out, 'off\n');
  t.same(uci(['get', 'dropbear.named.l']).out, "'a b' c\n", 'list items with blanks are quoted');
  t.same(uci(['get', 'dropbear.@foo[-1]']).out, 'foo\n');
  t.same(uci(['get', 'dropbear.named.missing']), { status: 1, out: '', err: 'uci: Entry not found\n' });
  t.same(uci(['-q', 'get', 'dropbear.named.missing']), { status: 1, out: '', err: '' });
  t.same(uci(['get', 'nosuchpackage.x']), { status: 1, out: '', err: 'uci: Entry not found\n' });
  t.same(uci(['get', 'dropbear.@foo[x]']), { status: 1, out: '', err: 'uci: Invalid argument\n' });
  t.equal(uci(['get', 'dropbear.named.x=1']).status, 1, 'a value where none belongs');
  t.equal(uci(['get']).status, 255, 'usage');
  t.equal(uci(['-d', ',', 'get', 'dropbear.named.l']).out, "'a b',c\n");
});

t.test('show and export name anonymous sections as uci does', async (t) => {
  const { uci } = setup(t);
  t.equal(uci(['show', 'dropbear']).out, "dropbear.@dropbear[0]=dropbear\ndropbear.@dropbear[0].PasswordAuth='off'\ndropbear.@dropbear[0].Port='22'\ndropbear.named=foo\ndropbear.named.l='a b' 'c'\ndropbear.named.x='it'\\''s'\n");
  t.equal(uci(['-X', 'show', 'dropbear.@dropbear[0].Port']).out, "dropbear.cfg014dd4.Port='22'\n");
  t.equal(uci(['show', 'dropbear.named']).out, "dropbear.named=foo\ndropbear.named.l='a b' 'c'\ndropbear.named.x='it'\\''s'\n");
  t.equal(uci(['export', 'dropbear']).out, "package dropbear\n\nconfig dropbear\n\toption PasswordAuth 'off'\n\toption Port '22'\n\nconfig foo 'named'\n\tlist l 'a b'\n\tlist l 'c'\n\toption x 'it'\\''s'\n\n");
  t.match(uci(['-n', 'export', 'dropbear']).out, /config dropbear 'cfg014dd4'/);
  t.equal(uci(['show']).out, uci(['show', 'dropbear']).out, 'every package');
});

t.test('set, add, add_list, del_list, rename, reorder, delete are saved, then committed', async (t) => {
  const { uci, saved, config } = setup(t);
  t.same(uci(['add', 'dropbear', 'dropbear']), { status: 0, out: 'cfg034dd4\n', err: '' });
  t.equal(uci(['set', 'dropbear.named.x=new']).status, 0);
  t.equal(uci(['set', 'dropbear.named.x=new']).status, 0, 'the same value is no change');
  t.equal(uci(['set', 'dropbear.@dropbear[1].Port=2222']).status, 0);
  t.equal(uci(['add_list', 'dropbear.named.l=d']).status, 0);
  t.equal(uci(['del_list', 'dropbear.named.l=c']).status, 0);
  t.equal(uci(['set', 'dropbear.extra=thing']).status, 0);
  t.equal(uci(['rename', 'dropbear.extra=other']).status, 0);
  t.equal(uci(['reorder', 'dropbear.other=0']).status, 0);
  t.equal(uci(['delete', 'dropbear.@dropbear[0].PasswordAuth']).status, 0);
  t.equal(saved('dropbear'), "+dropbear.cfg034dd4='dropbear'\ndropbear.named.x='new'\ndropbear.cfg034dd4.Port='2222'\n|dropbear.named.l='d'\n~dropbear.named.l='c'\ndropbear.extra='thing'\n@dropbear.extra='other'\n^dropbear.other='0'\n-dropbear.cfg014dd4.PasswordAuth\n");
  t.equal(uci(['changes', 'dropbear']).out, "dropbear.cfg034dd4='dropbear'\ndropbear.named.x='new'\ndropbear.cfg034dd4.Port='2222'\ndropbear.named.l+='d'\ndropbear.named.l-='c'\ndropbear.extra='thing'\ndropbear.extra='other'\ndropbear.other='0'\n-dropbear.cfg014dd4.PasswordAuth\n");
  t.equal(config('dropbear'), DROPBEAR, 'nothing committed yet');
  t.equal(uci(['get', 'dropbear.named.x']).out, 'new\n', 'saved changes are read back');
  t.equal(uci(['commit', 'dropbear']).status, 0);
  t.equal(config('dropbear'), "\nconfig thing 'other'\n\nconfig dropbear\n\toption Port '22'\n\nconfig foo 'named'\n\tlist l 'a b'\n\tlist l 'd'\n\toption x 'new'\n\nconfig dropbear\n\toption Port '2222'\n\n");
  t.equal(saved('dropbear'), '', 'the save file is emptied');
  t.equal(uci(['changes']).out, '');
});

t.test('delete: whole sections, options, list items by index; missing entries', async (t) => {
  const { uci } = setup(t);
  t.equal(uci(['delete', 'dropbear.named.l=1']).status, 0);
  t.equal(uci(['get', 'dropbear.named.l']).out, "'a b'\n");
  t.equal(uci(['delete', 'dropbear.named.l=x']).status, 1, 'an index must be a number');
  t.equal(uci(['delete', 'dropbear.named']).status, 0);
  t.equal(uci(['get', 'dropbear.named']).status, 1);
  t.same(uci(['delete', 'dropbear.named']), { status: 1, out: '', err: 'uci: Entry not found\n' });
  t.same(uci(['set', 'dropbear.nosection.opt=1']), { status: 1, out: '', err: 'uci: Invalid argument\n' });
});

t.test('revert drops saved changes of a package, a section or an option', async (t) => {
  const { uci, saved } = setup(t);
  uci(['set', 'dropbear.named.x=1']);
  uci(['set', 'dropbear.named.y=2']);
  uci(['set', 'dropbear.@dropbear[0].Port=3']);
  t.equal(uci(['revert', 'dropbear.named.x']).status, 0);
  t.equal(saved('dropbear'), "dropbear.named.y='2'\ndropbear.cfg014dd4.Port='3'\n");
  uci(['revert', 'dropbear.named']);
  t.equal(saved('dropbear'), "dropbear.cfg014dd4.Port='3'\n");
  uci(['revert', 'dropbear']);
  t.equal(saved('dropbear'), '');
});

t.test('-P keeps changes in a state folder and does not commit; -p reads another folder first', async (t) => {
  const { uci, dir, config } = setup(t);
  const state = join(dir, 'state');
  t.equal(uci(['-P', state, 'set', 'dropbear.named.up=1']).status, 0);
  t.equal(readFileSync(join(state, 'dropbear'), 'utf8'), "dropbear.named.up='1'\n");
  t.equal(uci(['get', 'dropbear.named.up']).status, 1, 'not seen without the state folder');
  t.equal(uci(['-P', state, 'get', 'dropbear.named.up']).out, '1\n');
  t.equal(uci(['-P', state, 'commit', 'dropbear']).status, 0);
  t.equal(config('dropbear'), DROPBEAR, '-P never commits');
  uci(['set', 'dropbear.named.x=saved']);
  writeFileSync(join(state, 'dropbear'), "dropbear.named.x='state'\n");
  t.equal(uci(['-p', state, 'get', 'dropbear.named.x']).out, 'saved\n', 'the save folder is applied last');
});

t.test('strict parsing: a broken file fails every command with uci\'s message; -S reads around it', async (t) => {
  const { uci } = setup(t, { broken: "config t 'a'\n\toption ok 1\n\tbogus line\n" });
  t.same(uci(['get', 'broken.a.ok']), { status: 1, out: '', err: 'uci: Parse error (invalid command) at line 3, byte 1\n' });
  t.same(uci(['-S', 'get', 'broken.a.ok']), { status: 0, out: '1\n', err: 'Parse error (invalid command) at line 3, byte 1\n' });
});

t.test('import and batch', async (t) => {
  const { uci, config } = setup(t);
  t.equal(uci(['import', 'fresh'], "config t 's'\n\toption o 'v'\n").status, 0);
  t.equal(config('fresh'), "\nconfig t 's'\n\toption o 'v'\n\n");
  const batch = uci(['batch'], "set fresh.s.o='w x'\nadd_list fresh.s.l=1\nbogus\ncommit fresh\nexit\nset fresh.s.o=never\n");
  t.equal(batch.status, 0);
  t.equal(batch.err, 'Unknown command\n');
  t.equal(config('fresh'), "\nconfig t 's'\n\toption o 'w x'\n\tlist l '1'\n\n");
});

t.test('options end at the command (musl getopt); unknown options print the usage', async (t) => {
  const { uci } = setup(t);
  t.equal(uci(['get', 'dropbear.named.x', '-q']).status, 255);
  const unknown = uci(['-Z', 'get', 'dropbear.named.x']);
  t.equal(unknown.status, 0);
  t.match(unknown.err, /^Usage: uci \[<options>\] <command>/);
});
