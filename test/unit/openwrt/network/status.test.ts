// network.sh's answers without netifd: UCI interfaces mapped to host devices, and the host's
// routes and resolver read from /proc and /etc files.
import t from 'tap';
import { parseResolvConf, parseRoutes4, parseRoutes6 } from '../../../../src/openwrt/network/host.js';
import { networkShell, networkStatus, type HostNetwork } from '../../../../src/openwrt/network/status.js';
import { parseUciFile } from '../../../../src/openwrt/uci/parse.js';

const NETWORK = `config interface 'loopback'
	option device 'lo'
	option proto 'static'
config interface 'lan'
	option device 'br-lan'
	option proto 'static'
config interface 'wan'
	option ifname 'eth0 eth9'
	option proto 'dhcp'
config interface 'wan6'
	option device '@wan'
	option proto 'dhcpv6'
config interface 'old'
	option type 'bridge'
	option ifname 'eth2'
config interface 'dsl'
	option device 'eth3'
	option proto 'pppoe'
config interface 'down'
	option device 'eth4'
`;

const host = (): HostNetwork => ({
  devices: new Map([['lo', { up: true }], ['br-lan', { up: true }], ['eth0', { up: true }], ['br-old', { up: false }], ['eth4', { up: false }], ['extra0', { up: true }]]),
  addresses: new Map([
    ['lo', [{ family: 4, address: '127.0.0.1', prefix: 8 }, { family: 6, address: '::1', prefix: 128 }]],
    ['br-lan', [{ family: 4, address: '192.168.1.1', prefix: 24 }, { family: 4, address: '10.0.0.1', prefix: 8 }, { family: 6, address: 'fe80::1', prefix: 64 }, { family: 6, address: 'fd00::1', prefix: 64 }]],
    ['eth0', [{ family: 4, address: '203.0.113.5', prefix: 24 }]],
  ]),
  routes: [
    { device: 'eth0', family: 4, isDefault: true, gateway: '203.0.113.1', metric: 10 },
    { device: 'br-lan', family: 4, isDefault: false, gateway: '0.0.0.0', metric: 0 },
    { device: 'eth0', family: 6, isDefault: true, gateway: 'fe80::1', metric: 1024 },
  ],
  nameservers: ['9.9.9.9'],
  search: ['example.org'],
});

t.test('UCI interfaces map to host devices as netifd names them', async (t) => {
  const status = networkStatus(parseUciFile(NETWORK, 'network').pkg, host());
  const by = Object.fromEntries(status.map((s) => [s.name, s]));
  t.same(status.map((s) => s.name), ['loopback', 'lan', 'wan', 'wan6', 'old', 'dsl', 'down', 'br-lan', 'br-old', 'eth0', 'eth4', 'extra0'], 'UCI first, then host devices');
  t.same([by['lan']!.device, by['lan']!.up, by['lan']!.proto], ['br-lan', true, 'static']);
  t.same(by['lan']!.ipv4.map((a) => `${a.address}/${a.prefix}`), ['192.168.1.1/24', '10.0.0.1/8']);
  t.same(by['lan']!.ipv6.map((a) => a.address), ['fd00::1'], 'no link-local address');
  t.same([by['wan']!.device, by['wan']!.gateway4, by['wan']!.gateway6, by['wan']!.metric], ['eth0', '203.0.113.1', 'fe80::1', 10], 'the first word of ifname');
  t.same(by['wan']!.dns, ['9.9.9.9'], "the resolver's servers belong to the interface with the default route");
  t.same(by['lan']!.dns, []);
  t.equal(by['wan6']!.device, 'eth0', '@wan follows the other interface');
  t.same([by['old']!.device, by['old']!.physdev, by['old']!.up], ['br-old', 'br-old', false], 'a bridge of type bridge is br-NAME');
  t.same([by['dsl']!.device, by['dsl']!.up], [undefined, false], 'pppoe-dsl does not exist on this host');
  t.same([by['down']!.device, by['down']!.up], ['eth4', false]);
});

t.test('without a network package: loopback and the host devices', async (t) => {
  const status = networkStatus(undefined, host());
  t.same(status.map((s) => s.name), ['loopback', 'br-lan', 'br-old', 'eth0', 'eth4', 'extra0']);
  t.equal(status[0]!.device, 'lo');
});

t.test('the shell assignments network.sh reads', async (t) => {
  const text = networkShell(networkStatus(parseUciFile("config interface 'lan'\n\toption device 'br-lan'\n\toption proto 'static'\n", 'network').pkg, host()));
  t.match(text, /^__JC_NET_COUNT=7\n__JC_NET_1_name='lan'\n__JC_NET_1_up='1'\n__JC_NET_1_proto='static'\n__JC_NET_1_device='br-lan'\n__JC_NET_1_physdev='br-lan'\n__JC_NET_1_ipaddrs='192.168.1.1 10.0.0.1'\n__JC_NET_1_subnets='192.168.1.1\/24 10.0.0.1\/8'\n__JC_NET_1_ipaddrs6='fd00::1'\n__JC_NET_1_subnets6='fd00::1\/64'\n__JC_NET_2_name='loopback'/);
});

t.test('/proc/net/route, /proc/net/ipv6_route and resolv.conf', async (t) => {
  const routes4 = parseRoutes4('Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\neth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n');
  t.same(routes4, [{ device: 'eth0', family: 4, isDefault: true, gateway: '192.0.2.1', metric: 100 }, { device: 'eth0', family: 4, isDefault: false, gateway: '0.0.0.0', metric: 0 }]);
  const routes6 = parseRoutes6('00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003 eth0\nfd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001 eth0\n');
  t.same(routes6, [{ device: 'eth0', family: 6, isDefault: true, gateway: 'fe80::1', metric: 1024 }, { device: 'eth0', family: 6, isDefault: false, gateway: '::', metric: 256 }]);
  t.same(parseResolvConf('# comment\nnameserver 1.1.1.1\nnameserver fd00::53\nsearch a.example b.example\noptions ndots:1\n'), { nameservers: ['1.1.1.1', 'fd00::53'], search: ['a.example', 'b.example'] });
});
