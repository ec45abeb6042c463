// Listener settings: UCI overridden by flags, LAN-only UDP binding, refusal of useless setups.
import t from 'tap';
import { findLanAddresses, parseUdpSpec, resolveListenerConfig, type ListenFlags } from '../../../src/failsafe/config.js';
import { findUciSection, parseUci } from '../../../src/failsafe/uci.js';

const FILE = '/etc/config/system';
const section = (body: string) => findUciSection(parseUci(`config failsafe 'failsafe'\n${body}`, FILE), 'failsafe', 'failsafe');
const flags = (more: Partial<ListenFlags> = {}): ListenFlags => ({ config: FILE, iface: [], rescueJail: [], ...more });
const lan = (table: Record<string, string[]>) => (ifaces: string[]) => ifaces.flatMap((i) => table[i] ?? []);

t.test('parseUdpSpec()', async (t) => {
  t.same(parseUdpSpec('4919', '--udp'), { port: 4919 });
  t.same(parseUdpSpec('192.168.1.1:4919', '--udp'), { address: '192.168.1.1', port: 4919 });
  t.same(parseUdpSpec('[fd00::1]:1', '--udp'), { address: 'fd00::1', port: 1 });
  t.same(parseUdpSpec('0', '--udp'), { port: 0 });
  for (const bad of ['x', '70000', ':1', '1.2.3.4:', 'host:1']) t.throws(() => parseUdpSpec(bad, '--udp'), { code: 'USAGE', message: /expected \[ADDR:\]PORT/ }, bad);
});

t.test('UCI settings: udp_port on the ifname addresses, raw frames on ifname, defaults', async (t) => {
  const c = resolveListenerConfig(section("\toption udp_port '5000'\n\tlist ifname 'br-lan'\n"), flags(), lan({ 'br-lan': ['192.168.1.1'] }));
  t.same(c.udp, [{ address: '192.168.1.1', port: 5000 }]);
  t.same(c.ifaces, ['br-lan']);
  t.equal(c.rebootCmd, 'reboot');
  t.ok(c.failsafeEnabled);
  t.equal(c.rescue, undefined, 'RESCUE is off by default');
  t.equal(resolveListenerConfig(section("\tlist ifname 'br-lan'\n\toption reboot_cmd 'none'\n"), flags(), lan({ 'br-lan': ['192.168.1.1'] })).rebootCmd, '', "reboot_cmd 'none': no reboot (uci has no empty options)");
});

t.test('flags win over the file', async (t) => {
  const s = section("\toption udp_port '5000'\n\tlist ifname 'br-lan'\n\toption reboot_cmd 'reboot -f'\n\toption rescue_cmd 'dropbear -F -p {port}'\n\tlist rescue_jail '--ro /etc/dropbear'\n");
  const c = resolveListenerConfig(s, flags({ udp: '127.0.0.1:7', iface: ['eth9'], rebootCmd: '', flag: '/tmp/f', window: 100, rescueJail: ['--user nobody'] }), lan({}));
  t.same(c.udp, [{ address: '127.0.0.1', port: 7 }]);
  t.same(c.ifaces, ['eth9']);
  t.equal(c.rebootCmd, '');
  t.equal(c.flagPath, '/tmp/f');
  t.equal(c.windowMs, 100);
  t.same(c.rescue, { command: ['dropbear', '-F', '-p', '{port}'], jailOptions: ['--user', 'nobody'] });
  const fromFile = resolveListenerConfig(s, flags({ udp: '0' }), lan({}));
  t.same(fromFile.rescue?.jailOptions, ['--ro', '/etc/dropbear']);
  t.same(fromFile.udp, []);
  t.equal(resolveListenerConfig(section("\toption failsafe_action '0'\n\tlist ifname 'x'\n"), flags({ udp: '0' }), lan({})).failsafeEnabled, false);
});

t.test('refusals: no LAN address, nothing to listen on, --netns for rescue, bad udp_port names the line', async (t) => {
  t.throws(() => resolveListenerConfig(undefined, flags(), lan({})), { code: 'USAGE', message: /UDP port 4919 given without an address, and no LAN interface is configured/ });
  t.throws(() => resolveListenerConfig(section("\tlist ifname 'br-lan'\n"), flags(), lan({})), { message: /br-lan has no IPv4 address/ });
  t.throws(() => resolveListenerConfig(undefined, flags({ udp: '0' }), lan({})), { message: /nothing to listen on/ });
  t.throws(() => resolveListenerConfig(undefined, flags({ udp: '127.0.0.1:1', rescueCmd: 'sh', rescueJail: ['--netns'] }), lan({})), { message: /--netns/ });
  t.throws(() => resolveListenerConfig(section("\toption udp_port 'lots'\n"), flags(), lan({})), { message: /^\/etc\/config\/system:2: option udp_port "lots"/ });
  t.throws(() => resolveListenerConfig(undefined, flags({ udp: '127.0.0.1:1', window: 0 }), lan({})), { message: /--window 0/ });
});

t.test('findLanAddresses() takes IPv4 of the named interfaces only', async (t) => {
  const table = { lo: [{ address: '127.0.0.1', family: 'IPv4' }], br: [{ address: 'fe80::1', family: 'IPv6' }, { address: '10.0.0.1', family: 'IPv4' }] };
  t.same(findLanAddresses(['br', 'nope'], table), ['10.0.0.1']);
});
