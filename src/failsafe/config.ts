// The listener's settings: UCI section `config failsafe 'failsafe'` overridden by command-line
// flags, resolved once at start. Pure: the caller reads the file and the interface list.
import { JailctlError } from '../errors.js';
import { showString } from '../schema/safe-text.js';
import { DEFAULT_UDP_PORT } from './protocol.js';
import type { UciSection } from './uci.js';

export interface ListenFlags {
  config: string;
  udp?: string;
  iface: string[];
  flag?: string;
  rebootCmd?: string;
  rebootFifo?: string;
  window?: number;
  rescueCmd?: string;
  rescueJail: string[];
  noFailsafeAction?: boolean;
}

export interface UdpBinding {
  address: string;
  port: number;
}

export interface RescueConfig {
  /** argv; "{port}" in any word is replaced by the authenticated port */
  command: string[];
  /** extra `jailctl run` options (--ro, --rw, --caps, --user ...) */
  jailOptions: string[];
}

export interface ListenerConfig {
  configPath: string;
  udp: UdpBinding[];
  ifaces: string[];
  flagPath?: string;
  rebootCmd: string;
  /** jailed: write the reboot request here instead of running rebootCmd (reboot-request.ts) */
  rebootFifo?: string;
  windowMs?: number;
  failsafeEnabled: boolean;
  rescue?: RescueConfig;
}

export interface UdpSpec {
  address?: string;
  port: number;
}

/** `[ADDR:]PORT`, `[V6ADDR]:PORT`; port 0 disables UDP. */
export function parseUdpSpec(text: string, where: string): UdpSpec {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]:|([0-9.]+):)?(\d{1,5})$/.exec(text.trim());
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port > 65535) {
    throw new JailctlError('USAGE', `${where} ${showString(text)}: expected [ADDR:]PORT (e.g. 4919, 192.168.1.1:4919, [fd00::1]:4919; 0 disables UDP)`);
  }
  const address = m[1] ?? m[2];
  return address === undefined ? { port } : { address, port };
}

/** IPv4 addresses of the named interfaces, from os.networkInterfaces()-shaped data. */
export function findLanAddresses(ifaces: readonly string[], table: Record<string, { address: string; family: string | number }[] | undefined>): string[] {
  return ifaces.flatMap((name) => (table[name] ?? []).filter((a) => a.family === 'IPv4' || a.family === 4).map((a) => a.address));
}

/** Whitespace-separated words (rescue_cmd, rescue_jail: no quoting, as before). */
export function splitWords(text: string): string[] {
  return text.trim().split(/\s+/).filter((w) => w !== '');
}

function parseWindow(flags: ListenFlags): number | undefined {
  if (flags.window === undefined) return undefined;
  if (!Number.isInteger(flags.window) || flags.window <= 0) throw new JailctlError('USAGE', `--window ${flags.window}: expected a number of milliseconds above 0`);
  return flags.window;
}

/**
 * Flags win over the file. UDP without an address binds to the IPv4 addresses of the `ifname`
 * interfaces (LAN only, never the wildcard address).
 */
export function resolveListenerConfig(section: UciSection | undefined, flags: ListenFlags, addresses: (ifaces: string[]) => string[]): ListenerConfig {
  const option = (name: string) => section?.options.get(name)?.value;
  const where = (name: string) => `${flags.config}:${section?.options.get(name)?.line ?? 0}: option ${name}`;
  const ifaces = flags.iface.length > 0 ? flags.iface : (section?.lists.get('ifname') ?? []);
  const udpText = flags.udp ?? option('udp_port');
  const spec = udpText === undefined ? { port: DEFAULT_UDP_PORT } : parseUdpSpec(udpText, flags.udp === undefined ? where('udp_port') : '--udp');
  const config: ListenerConfig = {
    configPath: flags.config,
    udp: resolveUdp(spec, ifaces, addresses),
    ifaces,
    // uci drops an empty option, so the UCI file spells "no reboot command" none
    rebootCmd: flags.rebootCmd ?? (option('reboot_cmd') === 'none' ? '' : option('reboot_cmd')) ?? 'reboot',
    failsafeEnabled: flags.noFailsafeAction !== true && option('failsafe_action') !== '0',
  };
  const flagPath = flags.flag ?? option('flag');
  if (flagPath !== undefined) config.flagPath = flagPath;
  if (flags.rebootFifo !== undefined && flags.rebootFifo !== '') {
    if (flags.rebootCmd !== undefined) {
      throw new JailctlError('USAGE', '--reboot-fifo and --reboot-cmd exclude each other: with --reboot-fifo, the reader of the FIFO runs the reboot command', { hint: 'keep one of them' });
    }
    config.rebootFifo = flags.rebootFifo;
  }
  const windowMs = parseWindow(flags);
  if (windowMs !== undefined) config.windowMs = windowMs;
  const rescueCmd = flags.rescueCmd ?? option('rescue_cmd');
  if (rescueCmd !== undefined && rescueCmd.trim() !== '') {
    const jailOptions = (flags.rescueJail.length > 0 ? flags.rescueJail : (section?.lists.get('rescue_jail') ?? [])).flatMap(splitWords);
    if (jailOptions.some((o) => o === '--netns' || o.startsWith('--netns='))) {
      throw new JailctlError('USAGE', 'the rescue jail options hold --netns: the rescue service must stay reachable from the LAN', {
        hint: 'remove --netns from --rescue-jail / list rescue_jail; the listener restricts the port to the authenticated address instead',
      });
    }
    config.rescue = { command: splitWords(rescueCmd), jailOptions };
  }
  if (config.udp.length === 0 && config.ifaces.length === 0) {
    throw new JailctlError('USAGE', 'nothing to listen on: UDP is off and no interface is given for raw frames', {
      hint: `give --udp ADDR:PORT or --iface NAME, or list ifname in ${flags.config}`,
    });
  }
  return config;
}

function resolveUdp(spec: UdpSpec, ifaces: string[], addresses: (ifaces: string[]) => string[]): UdpBinding[] {
  if (spec.port === 0) return [];
  if (spec.address !== undefined) return [{ address: spec.address, port: spec.port }];
  const found = addresses(ifaces);
  if (found.length === 0) {
    throw new JailctlError('USAGE', `UDP port ${spec.port} given without an address, and ${ifaces.length === 0 ? 'no LAN interface is configured' : `${ifaces.join(', ')} has no IPv4 address`}`, {
      hint: 'give --udp ADDR:PORT (a LAN address; the listener never binds to all addresses), or --udp 0 for raw frames only',
    });
  }
  return found.map((address) => ({ address, port: spec.port }));
}
