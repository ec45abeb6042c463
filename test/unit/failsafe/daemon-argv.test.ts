// What `jailctl failsafe listen` hands the C daemon: every decision made here, as explicit
// options; and the shell words init.d/failsafe-listener evaluates.
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { resolveListenerConfig, type ListenFlags } from '../../../src/failsafe/config.js';
import { buildDaemonArgv, formatUdpBinding, quoteShellWords } from '../../../src/failsafe/daemon-argv.js';
import { findUciSection, parseUci } from '../../../src/failsafe/uci.js';

const FILE = '/etc/config/system';
const section = (body: string) => findUciSection(parseUci(`config failsafe 'failsafe'\n${body}`, FILE), 'failsafe', 'failsafe');
const flags = (more: Partial<ListenFlags> = {}): ListenFlags => ({ config: FILE, iface: [], rescueJail: [], ...more });
const lan = (table: Record<string, string[]>) => (ifaces: string[]) => ifaces.flatMap((i) => table[i] ?? []);
const SELF = ['/usr/bin/node', '/opt/jailctl/dist/jailctl.cjs'];

t.test('UDP on the LAN addresses, raw frames, the flag, the reboot command', async (t) => {
  const config = resolveListenerConfig(section("\tlist ifname 'br-lan'\n\toption reboot_cmd 'reboot -f'\n"), flags(), lan({ 'br-lan': ['192.168.1.1', '10.0.0.1'] }));
  t.same(buildDaemonArgv('/d', config, '/dev/mtd5', SELF), [
    '/d', '--config', FILE, '--udp', '192.168.1.1:4919', '--udp', '10.0.0.1:4919', '--iface', 'br-lan', '--flag', '/dev/mtd5', '--reboot-cmd', 'reboot -f',
  ]);
});

t.test('--reboot-fifo replaces the reboot command; both at once is refused', async (t) => {
  const config = resolveListenerConfig(undefined, flags({ udp: '[fd00::1]:99', rebootFifo: '/run/f', window: 500 }), () => []);
  t.same(buildDaemonArgv('/d', config, '/f', SELF), ['/d', '--config', FILE, '--udp', '[fd00::1]:99', '--flag', '/f', '--reboot-fifo', '/run/f', '--window', '500']);
  t.throws(() => resolveListenerConfig(undefined, flags({ udp: '127.0.0.1:1', rebootFifo: '/run/f', rebootCmd: '' }), () => []), { code: 'USAGE', message: /--reboot-fifo and --reboot-cmd exclude each other/ });
});

t.test('failsafe action off: no flag; RESCUE: the helper after --', async (t) => {
  const config = resolveListenerConfig(undefined, flags({ udp: '127.0.0.1:1', noFailsafeAction: true, rescueCmd: 'dropbear -F -p {port}', rescueJail: ['--user nobody'] }), () => []);
  t.same(buildDaemonArgv('/d', config, undefined, SELF).slice(5), [
    '--no-failsafe-action', '--reboot-cmd', 'reboot', '--', ...SELF, 'failsafe', 'rescue-run', '--rescue-cmd', 'dropbear -F -p {port}', '--rescue-jail', '--user', '--rescue-jail', 'nobody',
  ]);
});

t.test('formatUdpBinding() brackets IPv6', async (t) => {
  t.equal(formatUdpBinding({ address: '::1', port: 5 }), '[::1]:5');
  t.equal(formatUdpBinding({ address: '127.0.0.1', port: 5 }), '127.0.0.1:5');
});

t.test('quoteShellWords(): a POSIX shell reads back the same words', async (t) => {
  const words = ['/opt/jailctl-failsafe', '--reboot-cmd', "echo 'it''s' \"$HOME\" `x` \\ ;", '', 'plain-word_1.2:3'];
  const r = spawnSync('/bin/sh', ['-c', `eval "set -- $1"; for w in "$@"; do printf '%s\\n' "[$w]"; done`, 'sh', quoteShellWords(words)], { encoding: 'utf8' });
  t.equal(r.stdout, words.map((w) => `[${w}]\n`).join(''));
});
