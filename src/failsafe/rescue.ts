// Action RESCUE as data: the firewall commands that make `port` reachable only from the
// authenticated IPv4 address (nftables, else iptables + ip6tables), and the `jailctl run` argv of
// the rescue service. Pure: the caller found the tools and carries the plan out.
import type { RescueConfig } from './config.js';
import { parseIpv4, type RescueParam } from './protocol.js';

export const NFT_TABLE = 'jailctl_failsafe';

export interface FirewallTools {
  nft?: string;
  iptables?: string;
  ip6tables?: string;
}

export interface CommandStep {
  argv: string[];
  /** written to the command's stdin */
  input?: string;
}

export interface RescuePlan {
  allowedIpv4: string;
  port: number;
  seconds: number;
  firewallUp: CommandStep[];
  /** undoes firewallUp; run even if part of it failed */
  firewallDown: CommandStep[];
  /** argv that starts the service jailed (`jailctl run ... -- COMMAND`) */
  service: string[];
}

export type RescueDecision = { ok: true; plan: RescuePlan } | { ok: false; reason: string };

/** 0.0.0.0/8 and 224.0.0.0/3 (multicast, reserved, broadcast) are never a single admin host. */
function isUnicastIpv4(ip: string): boolean {
  const octets = parseIpv4(ip);
  return octets !== null && octets[0] !== 0 && octets[0]! < 224;
}

export function buildNftRules(nft: string, ip: string, port: number): { up: CommandStep[]; down: CommandStep[] } {
  // a drop in any base chain is final, so this holds whatever else the ruleset accepts
  const script = [
    `table inet ${NFT_TABLE} {`,
    '  chain rescue_input {',
    '    type filter hook input priority -10; policy accept;',
    `    ip saddr != ${ip} tcp dport ${port} drop`,
    `    ip saddr != ${ip} udp dport ${port} drop`,
    `    meta nfproto ipv6 tcp dport ${port} drop`,
    `    meta nfproto ipv6 udp dport ${port} drop`,
    '  }',
    '}',
    '',
  ].join('\n');
  return { up: [{ argv: [nft, '-f', '-'], input: script }], down: [{ argv: [nft, 'delete', 'table', 'inet', NFT_TABLE] }] };
}

export function buildIptablesRules(iptables: string, ip6tables: string, ip: string, port: number): { up: CommandStep[]; down: CommandStep[] } {
  const v4 = (op: string, proto: string) => ({ argv: [iptables, '-w', op, 'INPUT', '-p', proto, '--dport', String(port), '!', '-s', ip, '-j', 'DROP'] });
  const v6 = (op: string, proto: string) => ({ argv: [ip6tables, '-w', op, 'INPUT', '-p', proto, '--dport', String(port), '-j', 'DROP'] });
  return {
    up: [v4('-I', 'tcp'), v4('-I', 'udp'), v6('-I', 'tcp'), v6('-I', 'udp')],
    down: [v4('-D', 'tcp'), v4('-D', 'udp'), v6('-D', 'tcp'), v6('-D', 'udp')],
  };
}

/** Refuses (the device answers ACK REFUSED) unless the service can be restricted as asked. */
export function buildRescuePlan(config: RescueConfig, param: RescueParam, tools: FirewallTools, self: readonly string[]): RescueDecision {
  const { allowedIpv4: ip, port, seconds } = param;
  if (!isUnicastIpv4(ip)) return { ok: false, reason: `allowed address ${ip} is not a unicast IPv4 address` };
  if (port === 0) return { ok: false, reason: 'port 0 cannot be served' };
  if (seconds === 0) return { ok: false, reason: 'a rescue of 0 seconds' };
  let rules: { up: CommandStep[]; down: CommandStep[] };
  if (tools.nft !== undefined) rules = buildNftRules(tools.nft, ip, port);
  else if (tools.iptables !== undefined && tools.ip6tables !== undefined) rules = buildIptablesRules(tools.iptables, tools.ip6tables, ip, port);
  else return { ok: false, reason: `port ${port} cannot be restricted to ${ip}: neither nft nor iptables and ip6tables are installed` };
  const command = config.command.map((word) => word.replaceAll('{port}', String(port)));
  const service = [...self, 'run', '--name', 'failsafe-rescue', ...config.jailOptions, '--', ...command];
  return { ok: true, plan: { allowedIpv4: ip, port, seconds, firewallUp: rules.up, firewallDown: rules.down, service } };
}
