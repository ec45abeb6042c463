// What /lib/functions/network.sh asks netifd over ubus (`network.interface dump`), answered
// from the host instead: each logical interface of UCI's network package (`config interface
// lan`) is mapped to a host device (option device, or ifname; a bridge of type bridge is
// br-NAME; a PPP protocol is PROTO-NAME; @other follows another interface), and host devices
// and `loopback` (lo) are interfaces of their own name. Addresses, routes and DNS come from the
// host. Pure: the host's state is passed in (host.ts reads it).
import type { UciPackage, UciSection } from '../uci/model.js';

export interface HostAddress {
  family: 4 | 6;
  address: string;
  prefix: number;
}

export interface HostRoute {
  device: string;
  family: 4 | 6;
  /** the default route */
  isDefault: boolean;
  gateway: string;
  metric: number;
}

export interface HostNetwork {
  /** device name -> administratively up and operational (lo counts as up when IFF_UP) */
  devices: Map<string, { up: boolean }>;
  addresses: Map<string, HostAddress[]>;
  routes: HostRoute[];
  nameservers: string[];
  search: string[];
}

export interface InterfaceStatus {
  name: string;
  up: boolean;
  proto: string | undefined;
  /** the layer 3 device (network_get_device) */
  device: string | undefined;
  /** the layer 2 device (network_get_physdev) */
  physdev: string | undefined;
  ipv4: HostAddress[];
  ipv6: HostAddress[];
  gateway4: string | undefined;
  gateway6: string | undefined;
  metric: number | undefined;
  dns: string[];
  dnsSearch: string[];
}

const PPP_PROTOCOLS = new Set(['ppp', 'pppoe', 'pppoa', 'pptp', 'l2tp', '3g']);

function option(section: UciSection, name: string): string | undefined {
  const value = section.options.find((o) => o.name === name)?.value;
  return Array.isArray(value) ? value[0] : value;
}

/** The devices (L2, L3) a UCI interface section names, as netifd would create them. */
function uciDevices(pkg: UciPackage, section: UciSection, seen: Set<string>): { physdev: string | undefined; device: string | undefined } {
  const proto = option(section, 'proto');
  let physdev = option(section, 'device') ?? option(section, 'ifname')?.split(/\s+/)[0];
  if (physdev?.startsWith('@')) {
    const other = pkg.sections.find((s) => s.type === 'interface' && s.name === physdev!.slice(1));
    if (other === undefined || seen.has(other.name)) return { physdev: undefined, device: undefined };
    seen.add(section.name);
    return uciDevices(pkg, other, seen);
  }
  if (option(section, 'type') === 'bridge') physdev = `br-${section.name}`;
  if (proto === 'wireguard') return { physdev: section.name, device: section.name };
  const device = proto !== undefined && PPP_PROTOCOLS.has(proto) ? `${proto}-${section.name}` : physdev;
  return { physdev, device };
}

function statusOf(name: string, proto: string | undefined, physdev: string | undefined, device: string | undefined, host: HostNetwork): InterfaceStatus {
  const addresses = device === undefined ? [] : host.addresses.get(device) ?? [];
  const routes = device === undefined ? [] : host.routes.filter((r) => r.device === device && r.isDefault);
  const gw4 = routes.find((r) => r.family === 4);
  const gw6 = routes.find((r) => r.family === 6);
  return {
    name,
    up: device !== undefined && host.devices.get(device)?.up === true,
    proto,
    device: device !== undefined && host.devices.has(device) ? device : undefined,
    physdev: physdev !== undefined && host.devices.has(physdev) ? physdev : undefined,
    ipv4: addresses.filter((a) => a.family === 4),
    // netifd lists configured addresses; link-local ones are never among them
    ipv6: addresses.filter((a) => a.family === 6 && !/^fe[89ab]/i.test(a.address)),
    gateway4: gw4?.gateway,
    gateway6: gw6?.gateway,
    metric: (gw4 ?? gw6)?.metric,
    dns: [],
    dnsSearch: [],
  };
}

/** Every logical interface: UCI's first (in file order), then loopback and host devices. */
export function networkStatus(network: UciPackage | undefined, host: HostNetwork): InterfaceStatus[] {
  const out: InterfaceStatus[] = [];
  for (const section of network?.sections.filter((s) => s.type === 'interface') ?? []) {
    const { physdev, device } = uciDevices(network!, section, new Set());
    out.push(statusOf(section.name, option(section, 'proto'), physdev, device, host));
  }
  const named = new Set(out.map((i) => i.name));
  if (!named.has('loopback') && host.devices.has('lo')) out.push(statusOf('loopback', 'static', 'lo', 'lo', host));
  for (const device of [...host.devices.keys()].sort()) {
    if (!named.has(device) && !(device === 'lo' && out.some((i) => i.name === 'loopback' && i.device === 'lo'))) out.push(statusOf(device, undefined, device, device, host));
  }
  // the resolver's servers belong to the interface that holds the default route
  const wan = out.find((i) => i.name !== 'loopback' && i.gateway4 !== undefined) ?? out.find((i) => i.name !== 'loopback' && i.gateway6 !== undefined);
  if (wan !== undefined) {
    wan.dns = host.nameservers;
    wan.dnsSearch = host.search;
  }
  return out;
}

function quote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** The status as shell assignments for network.sh: __JC_NET_COUNT and __JC_NET_<i>_<field>. */
export function networkShell(status: readonly InterfaceStatus[]): string {
  const lines = [`__JC_NET_COUNT=${status.length}`];
  status.forEach((s, index) => {
    const i = index + 1;
    const set = (field: string, value: string | undefined) => {
      if (value !== undefined && value !== '') lines.push(`__JC_NET_${i}_${field}=${quote(value)}`);
    };
    set('name', s.name);
    set('up', s.up ? '1' : '0');
    set('proto', s.proto);
    set('device', s.device);
    set('physdev', s.physdev);
    set('ipaddrs', s.ipv4.map((a) => a.address).join(' '));
    set('subnets', s.ipv4.map((a) => `${a.address}/${a.prefix}`).join(' '));
    set('ipaddrs6', s.ipv6.map((a) => a.address).join(' '));
    set('subnets6', s.ipv6.map((a) => `${a.address}/${a.prefix}`).join(' '));
    set('gateway', s.gateway4);
    set('gateway6', s.gateway6);
    set('metric', s.metric?.toString());
    set('dns', s.dns.join(' '));
    set('dnssearch', s.dnsSearch.join(' '));
  });
  return `${lines.join('\n')}\n`;
}
