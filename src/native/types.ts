// The addon's surface, typed by hand (native/addon.c).

export interface NativeAddon {
  /** Replaces this process with the launcher at `path`, handing it the encoded plan. Returns only by throwing. */
  execLauncher(path: string, plan: Uint8Array): never;
  /** Replaces this process with the program at `path` (execve(2) with stdio kept). Returns only by throwing. */
  execProgram(path: string, argv: string[], env: string[]): never;
  /** Starts the launcher at `path` as our child: the plan on its fd 3 (a memfd), the write end of
   * a new pipe on its fd 4, whose read end (close-on-exec) is `traceFd`; its stdout is our
   * stderr with `stdoutToStderr`. Throws with `code` = errno name. */
  spawnLauncher(path: string, plan: Uint8Array, stdoutToStderr: boolean): { pid: number; traceFd: number };
  /** Waits for our child `pid` to exit (on a thread-pool thread) and reaps it (on this one): its
   * exit code, or the signal that killed it. */
  waitChild(pid: number): Promise<{ code: number | null; signal: number | null }>;
  /** AF_PACKET SOCK_RAW socket bound to `ifname` for `ethertype` (native/packet.c); throws with `code` = errno name. */
  openPacketSocket(ifname: string, ethertype: number, recvTimeoutMs: number): { fd: number; ifindex: number; mac: Buffer };
  version(): number;
}
