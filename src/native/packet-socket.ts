// Raw-frame sockets for the failsafe listener and client: a typed, error-translating wrapper of
// the addon's openPacketSocket (native/packet.c). Needs CAP_NET_RAW.
import { JailctlError, isErrnoError } from '../errors.js';
import { loadAddon } from './binding.js';

/** An open AF_PACKET socket: reads and writes whole Ethernet frames (header included). */
export interface PacketSocket {
  fd: number;
  ifindex: number;
  /** the interface's hardware address, the source of frames we send */
  mac: Buffer;
}

const HINTS: Record<string, string> = {
  ENODEV: 'check the name with `ip link`; give --iface NAME of an existing interface',
  EPERM: 'raw frames need CAP_NET_RAW: run as root, or drop --iface to use UDP only',
  EACCES: 'raw frames need CAP_NET_RAW: run as root, or drop --iface to use UDP only',
};

/** Opens a packet socket on `ifname` for `ethertype`; reads return EAGAIN after `recvTimeoutMs`. */
export function openPacketSocket(ifname: string, ethertype: number, recvTimeoutMs: number): PacketSocket {
  const addon = loadAddon();
  try {
    return addon.openPacketSocket(ifname, ethertype, recvTimeoutMs);
  } catch (err) {
    const errno = isErrnoError(err) ? err.code : undefined;
    const what = errno === 'ENODEV' ? 'no such interface' : (err as Error).message;
    const hint = errno === undefined ? undefined : HINTS[errno];
    throw new JailctlError('FAILSAFE_IFACE_FAILED', `raw frames on ${ifname}: ${what}${errno === undefined ? '' : ` (${errno})`}`, {
      ...(errno === undefined ? {} : { errno }),
      ...(hint === undefined ? {} : { hint }),
      cause: err,
    });
  }
}
