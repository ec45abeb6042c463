// RESCUE as data: firewall rules that admit only the authenticated address, and the jailed argv.
import t from 'tap';
import { buildRescuePlan, NFT_TABLE } from '../../../src/failsafe/rescue.js';

const config = { command: ['/usr/sbin/dropbear', '-F', '-p', '{port}'], jailOptions: ['--caps', '/etc/caps.json'] };
const param = { allowedIpv4: '192.168.1.20', port: 2222, seconds: 120 };
const self = ['/usr/bin/node', '/usr/lib/jailctl/jailctl.mjs'];

t.test('nftables: one table, IPv4 from the allowed address only, IPv6 closed', async (t) => {
  const d = buildRescuePlan(config, param, { nft: '/usr/sbin/nft', iptables: '/usr/sbin/iptables' }, self);
  if (!d.ok) throw new Error(d.reason);
  t.same(d.plan.firewallUp.map((s) => s.argv), [['/usr/sbin/nft', '-f', '-']]);
  t.match(d.plan.firewallUp[0]!.input, /ip saddr != 192\.168\.1\.20 tcp dport 2222 drop/);
  t.match(d.plan.firewallUp[0]!.input, /meta nfproto ipv6 tcp dport 2222 drop/);
  t.same(d.plan.firewallDown.map((s) => s.argv), [['/usr/sbin/nft', 'delete', 'table', 'inet', NFT_TABLE]]);
  t.same(d.plan.service, [...self, 'run', '--name', 'failsafe-rescue', '--caps', '/etc/caps.json', '--', '/usr/sbin/dropbear', '-F', '-p', '2222']);
  t.equal(d.plan.seconds, 120);
});

t.test('iptables + ip6tables when nft is missing; down mirrors up', async (t) => {
  const d = buildRescuePlan(config, param, { iptables: 'iptables', ip6tables: 'ip6tables' }, self);
  if (!d.ok) throw new Error(d.reason);
  t.same(d.plan.firewallUp[0]!.argv, ['iptables', '-w', '-I', 'INPUT', '-p', 'tcp', '--dport', '2222', '!', '-s', '192.168.1.20', '-j', 'DROP']);
  t.same(d.plan.firewallDown.map((s) => s.argv.join(' ')), d.plan.firewallUp.map((s) => s.argv.join(' ').replace(' -I ', ' -D ')));
});

t.test('refused when it cannot be restricted, or the request makes no sense', async (t) => {
  t.match(buildRescuePlan(config, param, {}, self), { ok: false, reason: /cannot be restricted to 192\.168\.1\.20: neither nft nor iptables/ });
  t.match(buildRescuePlan(config, param, { iptables: 'iptables' }, self), { ok: false }, 'IPv6 would stay open');
  t.match(buildRescuePlan(config, { ...param, allowedIpv4: '0.0.0.0' }, { nft: 'nft' }, self), { ok: false, reason: /not a unicast/ });
  t.match(buildRescuePlan(config, { ...param, allowedIpv4: '255.255.255.255' }, { nft: 'nft' }, self), { ok: false });
  t.match(buildRescuePlan(config, { ...param, allowedIpv4: '239.1.1.1' }, { nft: 'nft' }, self), { ok: false });
  t.match(buildRescuePlan(config, { ...param, port: 0 }, { nft: 'nft' }, self), { ok: false });
  t.match(buildRescuePlan(config, { ...param, seconds: 0 }, { nft: 'nft' }, self), { ok: false });
});
