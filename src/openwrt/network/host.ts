// Reads the host's network state for status.ts (edge): devices and their up state from
// /sys/class/net, addresses from Node's view of the interfaces, default routes from
// /proc/net/route and /proc/net/ipv6_route, DNS servers from /etc/resolv.conf.
import { readdirSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { HostAddress, HostNetwork, HostRoute } from './status.js';

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

const IFF_UP = 0x1;

/** /proc/net/route: "Iface Destination Gateway Flags RefCnt Use Metric Mask ..." in hex. */
export function parseRoutes4(text: string): HostRoute[] {
  return text.split('\n').slice(1).flatMap((line): HostRoute[] => {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) return [];
    const hexToIp = (hex: string) => {
      const n = parseInt(hex, 16);
      return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.');
    };
    return [{ device: f[0]!, family: 4, isDefault: f[1] === '00000000' && f[7] === '00000000', gateway: hexToIp(f[2]!), metric: parseInt(f[6]!, 10) }];
  });
}

/** /proc/net/ipv6_route: "dest plen src plen nexthop metric refcnt use flags dev" in hex. */
export function parseRoutes6(text: string): HostRoute[] {
  return text.split('\n').flatMap((line): HostRoute[] => {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) return [];
    const groups = (f[4]!.match(/.{4}/g) ?? []).map((g) => parseInt(g, 16).toString(16));
    const gateway = compressIPv6(groups);
    return [{ device: f[9]!, family: 6, isDefault: /^0+$/.test(f[0]!) && f[1] === '00' && gateway !== '::', gateway, metric: parseInt(f[5]!, 16) }];
  });
}

function compressIPv6(groups: string[]): string {
  let best = { start: -1, len: 0 };
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > best.len && j - i > 1) best = { start: i, len: j - i };
    i = j;
  }
  if (best.start < 0) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.len).join(':')}`;
}

export function parseResolvConf(text: string): { nameservers: string[]; search: string[] } {
  const nameservers: string[] = [];
  const search: string[] = [];
  for (const line of text.split('\n')) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key === 'nameserver' && rest[0] !== undefined) nameservers.push(rest[0]);
    if (key === 'search' || key === 'domain') search.push(...rest);
  }
  return { nameservers, search };
}

export function readHostNetwork(): HostNetwork {
  const devices = new Map<string, { up: boolean }>();
  let names: string[] = [];
  try {
    names = readdirSync('/sys/class/net');
  } catch {
    names = [];
  }
  for (const name of names) {
    const flags = parseInt(read(`/sys/class/net/${name}/flags`).trim() || '0', 16);
    const oper = read(`/sys/class/net/${name}/operstate`).trim();
    devices.set(name, { up: (flags & IFF_UP) !== 0 && (oper === 'up' || oper === 'unknown') });
  }
  const addresses = new Map<string, HostAddress[]>();
  for (const [name, list] of Object.entries(networkInterfaces())) {
    addresses.set(name, (list ?? []).map((a) => ({ family: a.family === 'IPv4' ? 4 : 6, address: a.address, prefix: Number(a.cidr?.split('/')[1] ?? 0) })));
  }
  const resolv = parseResolvConf(read('/etc/resolv.conf'));
  return { devices, addresses, routes: [...parseRoutes4(read('/proc/net/route')), ...parseRoutes6(read('/proc/net/ipv6_route'))], ...resolv };
}
