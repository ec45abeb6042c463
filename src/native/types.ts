// The addon's surface, typed by hand (native/addon.c).

export interface NativeAddon {
  /** Replaces this process with the launcher at `path`, handing it the encoded plan. Returns only by throwing. */
  execLauncher(path: string, plan: Uint8Array): never;
  /** Replaces this process with the program at `path` (execve(2) with stdio kept). Returns only by throwing. */
  execProgram(path: string, argv: string[], env: string[]): never;
  /** AF_PACKET SOCK_RAW socket bound to `ifname` for `ethertype` (native/packet.c); throws with `code` = errno name. */
  openPacketSocket(ifname: string, ethertype: number, recvTimeoutMs: number): { fd: number; ifindex: number; mac: Buffer };
  version(): number;
}
