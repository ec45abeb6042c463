// Socket arguments the tracer captures (pure): address families by name (include/linux/socket.h,
// the same numbers on every arch) and the sockaddr of connect/bind decoded into a unix socket
// path or an inet address.

const FAMILIES: Readonly<Record<number, string>> = {
  0: 'AF_UNSPEC', 1: 'AF_UNIX', 2: 'AF_INET', 3: 'AF_AX25', 4: 'AF_IPX', 5: 'AF_APPLETALK', 6: 'AF_NETROM',
  7: 'AF_BRIDGE', 8: 'AF_ATMPVC', 9: 'AF_X25', 10: 'AF_INET6', 11: 'AF_ROSE', 12: 'AF_DECnet', 13: 'AF_NETBEUI',
  14: 'AF_SECURITY', 15: 'AF_KEY', 16: 'AF_NETLINK', 17: 'AF_PACKET', 18: 'AF_ASH', 19: 'AF_ECONET',
  20: 'AF_ATMSVC', 21: 'AF_RDS', 22: 'AF_SNA', 23: 'AF_IRDA', 24: 'AF_PPPOX', 25: 'AF_WANPIPE', 26: 'AF_LLC',
  27: 'AF_IB', 28: 'AF_MPLS', 29: 'AF_CAN', 30: 'AF_TIPC', 31: 'AF_BLUETOOTH', 32: 'AF_IUCV', 33: 'AF_RXRPC',
  34: 'AF_ISDN', 35: 'AF_PHONET', 36: 'AF_IEEE802154', 37: 'AF_CAIF', 38: 'AF_ALG', 39: 'AF_NFC', 40: 'AF_VSOCK',
  41: 'AF_KCM', 42: 'AF_QIPCRTR', 43: 'AF_SMC', 44: 'AF_XDP', 45: 'AF_MCTP',
};

export function familyName(family: number): string {
  return FAMILIES[family] ?? `AF_${family}`;
}

/** A decoded sockaddr: its family and, for unix and inet ones, where it points. */
export interface SocketAddress {
  family: string;
  /** AF_UNIX: the socket file, or "@name" for the abstract namespace */
  path?: string;
  /** AF_INET/AF_INET6: "address:port" ("[v6]:port") */
  address?: string;
}

/** Decodes a sockaddr as the traced process laid it out (host byte order for sa_family). */
export function decodeSockaddr(bytes: Uint8Array, littleEndian: boolean): SocketAddress | undefined {
  if (bytes.length < 2) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const family = view.getUint16(0, littleEndian);
  const name = familyName(family);
  if (family === 1) {
    // an address of only sa_family asks for autobind: no name at all
    if (bytes.length === 2) return { family: name };
    const raw = bytes.subarray(2);
    if (raw[0] === 0) return { family: name, path: `@${decodeText(raw.subarray(1)).replace(/\0/g, '@')}` };
    const end = raw.indexOf(0);
    return { family: name, path: decodeText(end < 0 ? raw : raw.subarray(0, end)) };
  }
  if (family === 2 && bytes.length >= 8) {
    return { family: name, address: `${[...bytes.subarray(4, 8)].join('.')}:${view.getUint16(2, false)}` };
  }
  if (family === 10 && bytes.length >= 24) {
    const groups: string[] = [];
    for (let i = 0; i < 8; i++) groups.push(view.getUint16(8 + 2 * i, false).toString(16));
    return { family: name, address: `[${groups.join(':')}]:${view.getUint16(2, false)}` };
  }
  return { family: name };
}

function decodeText(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
