// The cache the shell library reads instead of running uci: every answer in it is the uci
// command's own; packages a script names are cached, with the warnings they deserve.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { runUciCli } from '../../../../src/openwrt/uci/cli.js';
import { parseUciFile } from '../../../../src/openwrt/uci/parse.js';
import { defaultContext } from '../../../../src/openwrt/uci/store.js';
import { getTable, packageWords, writeUciCache } from '../../../../src/service/script/uci-cache.js';
import { overlayMounts, overlayPrelude } from '../../../../src/service/script/view.js';

const PKG = "config t 'a'\n\toption o 'x'\n\tlist l 'b c'\n\tlist l d\nconfig u\n\toption o 'y'\nconfig t\nconfig t 'z'\n";

t.test('the get table holds what `uci get` prints, for every name, @type[N] and @[N]', async (t) => {
  const dir = t.testdir({ config: { p: PKG } });
  const table = getTable(parseUciFile(PKG, 'p').pkg);
  t.equal(table.get('@t[-1]'), 't');
  t.equal(table.get('@t[1]'), 't');
  t.equal(table.get('@[1].o'), 'y');
  t.equal(table.get('a.l'), "'b c' d");
  for (const [key, value] of table) {
    let out = '';
    const status = runUciCli(['-c', join(dir, 'config'), '-t', join(dir, 'none'), 'get', `p.${key}`], { out: (s) => (out += s), err: () => undefined, input: () => '' });
    t.same([status, out], [0, `${value}\n`], key);
  }
});

t.test('writeUciCache: exports for config_load, the get table, warnings; only wanted packages', async (t) => {
  const dir = t.testdir({ config: { p: PKG, dup: "config t 'a'\n\toption o 1\n\toption o 2\n", broken: "config t 'a'\n\tbogus\n", other: "config x\n" }, cache: {} });
  const cache = join(dir, 'cache');
  const ctx = { ...defaultContext(), confdir: join(dir, 'config'), deltaPaths: [join(dir, 'save')], savedir: join(dir, 'save') };
  writeUciCache(ctx, cache, (name) => name !== 'other');
  t.equal(readFileSync(join(cache, 'export/plain/p'), 'utf8'), "package p\n\nconfig t 'a'\n\toption o 'x'\n\tlist l 'b c'\n\tlist l 'd'\n\nconfig u 'cfg02b61a'\n\toption o 'y'\n\nconfig t 'cfg03b619'\n\nconfig t 'z'\n\n");
  t.equal(readFileSync(join(cache, 'export/state/p'), 'utf8'), readFileSync(join(cache, 'export/plain/p'), 'utf8'), 'no /var/state changes for it');
  t.match(readFileSync(join(cache, 'warn/dup'), 'utf8'), /config \S+dup: option "o" of section "a" is set again on line 3/);
  t.match(readFileSync(join(cache, 'warn/broken'), 'utf8'), /config \S+broken: line 2: invalid command; uci skips the line/);
  t.notOk(existsSync(join(cache, 'get/broken')), 'strict uci fails on it: no table, the command says so');
  t.notOk(existsSync(join(cache, 'export/plain/other')), 'a package the script does not name');
  t.same([...packageWords('NAME=dropbear\nconfig_load "$NAME"\n')].sort(), ['NAME', 'config_load', 'dropbear', 'network', 'system']);
});

t.test('the overlay mounts lay each layer folder over its host folder', async (t) => {
  const mounts = overlayMounts('/opt/shim/openwrt');
  t.ok(mounts.length > 0);
  for (const m of mounts) t.equal(m.lowerdirs[m.lowerdirs.length - 1], m.target, 'the host folder is the lowest layer');
  t.ok(mounts.some((m) => m.lowerdirs.includes('/opt/shim/openwrt/lib')));
  const prelude = overlayPrelude(['/bin/mount'], '/opt/shim/openwrt');
  t.match(prelude, /'\/bin\/mount' -t overlay jailctl-openwrt -o 'ro,lowerdir=\/opt\/shim\/openwrt\/lib:/);
  t.match(prelude, /JAILCTL_LIBROOT='\/opt\/shim\/openwrt'/, 'a failed mount falls back to the folder');
});
