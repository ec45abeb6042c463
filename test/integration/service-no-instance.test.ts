// trace, harden and save-plan of a script whose start_service opens no instance (httpd-example on
// a host without its /www): one line saying there is nothing to do, below the script's own line,
// exit 125, and nothing written. Before, save-plan said nothing and exited 0, and harden claimed
// "the traced service made no syscall" after printing an empty supervisor pid list.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { isRoot, jailctl } from '../helpers/jailctl.js';

if (!isRoot) t.plan(0, 'needs root');

const dir = mkdtempSync(join(tmpdir(), 'jailctl-noinst-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const initd = join(dir, 'initd');
mkdirSync(initd);
writeFileSync(join(initd, 'empty'), [
  '#!/bin/sh /etc/rc.common', 'USE_PROCD=1', 'start_service() {',
  '\t[ -d /nonexistent-www ] || { echo "empty: /nonexistent-www is not a directory"; return 0; }',
  '\tprocd_open_instance', '\tprocd_set_param command /bin/true', '\tprocd_close_instance', '}', '',
].join('\n'));
chmodSync(join(initd, 'empty'), 0o755);
const common = ['--initd', initd, '--state', join(dir, 'state'), '--config', join(dir, 'config')];

for (const [command, args, what] of [
  ['save-plan', ['-o', join(dir, 'plans')], 'save'],
  ['harden', ['--for', '1', '--overlays', join(dir, 'overlays'), '--procd-dir', join(dir, 'procd')], 'harden'],
  ['trace', ['-o', join(dir, 'traced.json')], 'trace'],
] as const) {
  t.test(`${command}: nothing to ${what}`, async (t) => {
    mkdirSync(join(dir, 'plans'), { recursive: true });
    const r = jailctl(['service', 'empty', command, ...args, ...common]);
    t.equal(r.code, 125, r.stderr);
    t.match(r.stderr, /^empty: \/nonexistent-www is not a directory$/m, "the script's own line comes first");
    t.match(r.stderr, new RegExp(`^jailctl: empty: start_service opened no instance, so there is nothing to ${what}$`, 'm'));
    t.notMatch(r.stderr, /\n\s+at |made no syscall|supervisor pid \)/);
    t.same(readdirSync(join(dir, 'plans')), [], 'no plan written');
    for (const written of ['overlays', 'procd', 'traced.json']) t.notOk(readdirSync(dir).includes(written), `${written} not written`);
  });
}
