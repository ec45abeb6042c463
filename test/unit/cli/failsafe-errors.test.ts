// Bad input to `jailctl failsafe ...`: one line naming what is wrong, non-zero exit, nothing
// half-written, never a stack trace, never key material.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { KEY_HEX, tempDir, writeConfig } from '../../helpers/failsafe.js';
import { REPO, jailctl } from '../../helpers/jailctl.js';

const dir = tempDir('jailctl-failsafe-cli-');
const config = writeConfig(dir);

function expectOneLineError(t: Test, args: string[], pattern: RegExp, code = 125) {
  const r = jailctl(args);
  t.equal(r.code, code, `exit ${code}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('hint:') && !l.startsWith('(run with'));
  t.equal(lines.length, 1, `one line: ${r.stderr}`);
  t.match(lines[0], pattern);
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  t.notMatch(r.stderr + r.stdout, KEY_HEX, 'no key material');
  return r;
}

t.test('malformed UCI names file and line', async (t) => {
  const bad = join(dir, 'bad');
  writeFileSync(bad, "config failsafe 'failsafe'\n\toption key 'abc\n");
  expectOneLineError(t, ['failsafe', 'listen', '--config', bad, '--udp', '127.0.0.1:1'], /^jailctl: .*bad:2: unterminated single quote/);
  expectOneLineError(t, ['failsafe', 'keygen', '--config', bad], /bad:2: unterminated single quote/);
  t.equal(readFileSync(bad, 'utf8'), "config failsafe 'failsafe'\n\toption key 'abc\n", 'keygen left it alone');
});

t.test('short, non-hex and missing keys', async (t) => {
  expectOneLineError(t, ['failsafe', 'trigger', '127.0.0.1', '--key', 'abcd'], /^jailctl: --key: the key must be 64 hex characters; got 4$/);
  expectOneLineError(t, ['failsafe', 'trigger', '127.0.0.1', '--key', 'x'.repeat(64)], /not hex digits$/);
  expectOneLineError(t, ['failsafe', 'trigger', '127.0.0.1'], /exactly one of --key HEX, --key-file FILE or --config FILE/);
  const short = join(dir, 'short');
  writeFileSync(short, "config failsafe 'failsafe'\n\toption key '0011'\n");
  expectOneLineError(t, ['failsafe', 'listen', '--config', short, '--udp', '127.0.0.1:1', '--flag', join(dir, 'flag')], /short:2: option key: the key must be 64 hex characters; got 4$/);
  expectOneLineError(t, ['failsafe', 'trigger', '127.0.0.1', '--config', join(dir, 'nope')], /--config .*nope: no such file/);
});

t.test('keygen never overwrites without --rotate', async (t) => {
  expectOneLineError(t, ['failsafe', 'keygen', '--config', config], /system:5: a failsafe key already exists; not overwriting it$/);
  t.match(readFileSync(config, 'utf8'), KEY_HEX);
});

const addonBuilt = existsSync(join(REPO, 'build/Release/jailctl_native.node')) || existsSync(join(REPO, 'build/Debug/jailctl_native.node'));

t.test('an interface that does not exist', { skip: addonBuilt ? false : 'the native addon is not built (npm run build:native)' }, async (t) => {
  const r = expectOneLineError(t, ['failsafe', 'listen', '--config', config, '--udp', '0', '--iface', 'nosuch0', '--flag', join(dir, 'flag')], /^jailctl: raw frames on nosuch0: no such interface \(ENODEV\)$/);
  t.equal(r.stdout, '', 'nothing on stdout: the listener never started');
});

t.test('an unwritable flag is refused at start', async (t) => {
  expectOneLineError(t, ['failsafe', 'listen', '--config', config, '--udp', '127.0.0.1:1', '--flag', join(dir, 'no-dir', 'flag')], /failsafe flag .*no-dir\/flag: cannot open it for writing \(ENOENT/);
});

t.test('bad --udp, --window, --action', async (t) => {
  expectOneLineError(t, ['failsafe', 'listen', '--config', config, '--udp', 'everywhere'], /--udp "everywhere": expected \[ADDR:\]PORT/);
  expectOneLineError(t, ['failsafe', 'listen', '--config', config, '--udp', '4919'], /without an address, and no LAN interface is configured/);
  expectOneLineError(t, ['failsafe', 'listen', '--config', config, '--udp', '127.0.0.1:1', '--window', 'soon'], /--window expects a whole number/);
  expectOneLineError(t, ['failsafe', 'trigger', 'h', '--key', KEY_HEX, '--action', 'explode'], /argument 'explode' is invalid/);
  expectOneLineError(t, ['failsafe', 'trigger', 'aa:bb', '--key', KEY_HEX, '--iface', 'lo'], /with --iface, HOST is the device's MAC address/);
});

t.test('consume-flag fails closed with exit 1', async (t) => {
  const r = jailctl(['failsafe', 'consume-flag', '--flag', join(dir, 'absent')]);
  t.equal(r.code, 1);
  t.match(r.stdout, /does not exist; normal boot/);
});

t.test('a missing config file is an error, not a new file', async (t) => {
  expectOneLineError(t, ['failsafe', 'listen', '--config', join(dir, 'typo'), '--udp', '127.0.0.1:1'], /--config .*typo: no such file$/);
  t.throws(() => readFileSync(join(dir, 'typo')), { code: 'ENOENT' });
});

t.test('listen --dry-run prints the daemon command and writes nothing, not even a missing key', async (t) => {
  const bare = join(dir, 'bare');
  writeFileSync(bare, "config system\n\toption hostname 'r1'\n");
  const r = jailctl(['failsafe', 'listen', '--config', bare, '--udp', '127.0.0.1:4919', '--flag', join(dir, 'flag'), '--window', '500', '--dry-run']);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, `${join(REPO, 'build', 'Release', 'jailctl-failsafe')} --config ${bare} --udp 127.0.0.1:4919 --flag ${join(dir, 'flag')} --reboot-cmd reboot --window 500\n`);
  t.equal(readFileSync(bare, 'utf8'), "config system\n\toption hostname 'r1'\n", 'no key made');
});

t.test('rescue-run (started by the daemon) refuses what the daemon would never send', async (t) => {
  expectOneLineError(t, ['failsafe', 'rescue-run', '--rescue-cmd', 'sleep 1', '999.1.1.1', '22', '5'], /^jailctl: rescue-run: "999\.1\.1\.1" is not an IPv4 address$/);
  expectOneLineError(t, ['failsafe', 'rescue-run', '--rescue-cmd', 'sleep 1', '10.0.0.1', '70000', '5'], /^jailctl: rescue-run: port "70000" is not 0-65535$/);
});
