// How large each kind of input file jailctl reads may be, and what to call it in a message.
// Pure constants: planners pass them to the reader (src/io/input-file.ts) without touching fs.
// Each cap is far above any real file of its kind, and far below what would stall jailctl.

export interface InputLimit {
  /** the most bytes read; a larger file is refused before it is read */
  maxBytes: number;
  /** the kind of file, for the "too large" message ("a seccomp profile") */
  noun: string;
}

const KiB = 1024;
const MiB = 1024 * KiB;

export const INPUT_LIMITS = {
  /** OCI or procd legacy JSON; the largest real ones (Docker's default) are about 20 KiB */
  profile: { maxBytes: 16 * MiB, noun: 'a seccomp profile' },
  /** `trace --stats`: counts plus every file and socket a trace saw */
  stats: { maxBytes: 64 * MiB, noun: 'a stats file' },
  /** a compiled filter: the kernel takes at most 4096 instructions of 8 bytes */
  bpf: { maxBytes: 1 * MiB, noun: 'a BPF program' },
  /** `--spec`, `trace --mounts` and the procd shim's output */
  spec: { maxBytes: 16 * MiB, noun: 'a jail spec' },
  /** five lists of at most 41 capability names */
  caps: { maxBytes: 1 * MiB, noun: 'a capabilities file' },
  /** an init script (the shell reads it too; jailctl looks for the UCI packages it names) */
  script: { maxBytes: 4 * MiB, noun: 'an init script' },
  /** /etc/config/* packages */
  uci: { maxBytes: 4 * MiB, noun: 'a UCI file' },
  /** 64 hex digits and a line break */
  key: { maxBytes: 4 * KiB, noun: 'a key file' },
  /** `service` records and the launcher's state files */
  state: { maxBytes: 1 * MiB, noun: 'a state file' },
  /** a service's log, read whole by `service logs` */
  log: { maxBytes: 256 * MiB, noun: 'a log read at once' },
  /** /etc/passwd, ld.so.conf, /proc/self/mounts and other host files the planners read */
  host: { maxBytes: 16 * MiB, noun: 'a host configuration file' },
} as const satisfies Record<string, InputLimit>;

/** "16 MiB", "4 KiB", "100 bytes". */
export function formatSize(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes} bytes`;
}
