// The launch plan: everything `jailctl run` will do to build the jail and start the service,
// as plain data. Pure planners produce it (src/jail/build-plan.ts), `--dry-run` prints it, and
// src/native encodes it for the C launcher, which performs the steps in order and decides nothing.

/** Who performs a step: the launcher before/after the jail, pid 1 of the jail, or the service. */
export type Phase = 'config' | 'parent' | 'jail' | 'service' | 'cleanup';

export type NamespaceName = 'mount' | 'pid' | 'uts' | 'ipc' | 'net' | 'user' | 'cgroup';

interface StepBase {
  phase: Phase;
  /** what the step does, in words; the failure line quotes it */
  describe: string;
  /** what to do if it fails */
  hint?: string;
  /** a missing target (ENOENT) skips the step instead of failing the jail */
  optional?: boolean;
}

/** Mount flags by their kernel names (MS_BIND, MS_RDONLY ...); see src/native/ops.ts. */
export type MountFlag =
  | 'MS_RDONLY' | 'MS_NOSUID' | 'MS_NODEV' | 'MS_NOEXEC' | 'MS_REMOUNT' | 'MS_BIND'
  | 'MS_REC' | 'MS_PRIVATE' | 'MS_SLAVE' | 'MS_STRICTATIME' | 'MS_RELATIME' | 'MS_NOATIME';

/** mount_setattr(2) attributes by their kernel names (MOUNT_ATTR_RDONLY ...). */
export type MountAttr = 'MOUNT_ATTR_RDONLY' | 'MOUNT_ATTR_NOSUID' | 'MOUNT_ATTR_NODEV' | 'MOUNT_ATTR_NOEXEC';

export type PlanStep = StepBase & (
  | { op: 'clone'; namespaces: NamespaceName[] }
  | { op: 'forward-signals'; signals: string[] }
  | { op: 'write-child-file'; file: 'uid_map' | 'gid_map' | 'setgroups'; content: string }
  | { op: 'mkdir'; path: string; mode: number }
  | { op: 'write-file'; path: string; content: string }
  | { op: 'attach-cgroup'; procsFile: string }
  | { op: 'rmdir'; path: string }
  | { op: 'mount'; source: string; target: string; fstype: string; flags: MountFlag[]; data: string; procDir: string }
  | { op: 'bind'; source: string; target: string; recursive: boolean; procDir: string }
  | { op: 'remount'; target: string; flags: MountFlag[]; procDir: string }
  /** mount_setattr(2) on the mount at target, and with `recursive` on every mount below it:
   * attributes are only set or cleared, so what the kernel locked (or the host made read-only)
   * stays; a kernel without mount_setattr fails the step (never a half read-only tree) */
  | { op: 'setattr'; target: string; set: MountAttr[]; clear: MountAttr[]; recursive: boolean }
  | { op: 'mkfile'; path: string; mode: number }
  | { op: 'symlink'; target: string; path: string }
  | { op: 'pivot-root'; newRoot: string; putOld: string }
  | { op: 'umount'; target: string; detach: boolean }
  | { op: 'chdir'; path: string }
  | { op: 'sethostname'; hostname: string }
  | { op: 'loopback-up'; interface: string }
  | { op: 'unshare'; namespaces: NamespaceName[] }
  | { op: 'fork-service' }
  | { op: 'rlimit'; resource: string; number: number; soft: bigint; hard: bigint }
  | { op: 'setgroups'; gids: number[] }
  | { op: 'setresgid'; gid: number }
  | { op: 'keepcaps'; on: boolean }
  | { op: 'setresuid'; uid: number }
  | { op: 'caps'; bounding: bigint; effective: bigint; permitted: bigint; inheritable: bigint; ambient: bigint; securebits: number | null }
  | { op: 'no-new-privs' }
  | { op: 'setsid' }
  | { op: 'close-fds' }
  | { op: 'seccomp'; filter: Uint8Array; flags: number; profile: string; listener?: SeccompListener }
  | { op: 'execve'; path: string; argv: string[]; env: string[]; exitIfMissing: number; exitIfDenied: number }
  | { op: 'trace'; fd: number; captures: TraceCapture[] }
  | { op: 'trace-me' }
  | ({ op: 'seccomp-notify' } & SeccompNotify)
  | { op: 'open-proc' }
  | { op: 'keyring' }
  | ({ op: 'supervise' } & SupervisePolicy)
  | { op: 'die-with-parent'; parentPid: number }
  | { op: 'parent-death-signal'; signal: string }
  /** cleanup: read the `key N` line of `file` (a cgroup's memory.events); when N > 0, print
   * `once` (N = 1) or `many.before` N `many.after` on stderr. The launcher only compares. */
  | { op: 'report-count'; file: string; key: string; once: string; many: { before: string; after: string } }
  | { op: 'trace-counter'; auditArch: number; filter: Uint8Array; recorder?: RecorderPlan }
);

/** A filter installed with SECCOMP_FILTER_FLAG_NEW_LISTENER: its fd number goes to pid 1, which
 * takes the listener; meanwhile the service waits in the handshake call `handshakeNr` (native ABI),
 * which the filter notifies and pid 1 answers with 0. */
export interface SeccompListener {
  handshakeNr: number;
}

/** A syscall of one ABI: the audit arch the kernel reports and its number there. */
export interface SyscallId {
  auditArch: number;
  nr: number;
}

/** What pid 1 answers on the listener (src/jail/seccomp-notify.ts decides it, native/notify.c
 * carries it out). */
export interface SeccompNotify {
  /** the handshake call the service makes right after loading the filter: answered 0 once */
  handshake: SyscallId;
  /** the service's own first execve, made by jailctl before any code of the service runs:
   * continued once (a profile without execve); empty when the profile allows execve itself */
  execGates: SyscallId[];
  /** the profile's own decisions as a BPF program returning only ALLOW, ERRNO or KILL_PROCESS:
   * ALLOW continues the call, ERRNO fails it, KILL_PROCESS names it and kills the process */
  answer: Uint8Array;
  /** syscall names for the log line, per ABI the host kernel runs */
  names: (SyscallId & { name: string })[];
}

/** How the launcher keeps a service running (procd's respawn, term_timeout, stdout/stderr). */
export interface SupervisePolicy {
  respawn: boolean;
  /** a run shorter than this counts as a crash */
  thresholdMs: number;
  /** delay before a respawn */
  timeoutMs: number;
  /** crashes in a row before giving up; 0 = never give up */
  retry: number;
  /** SIGTERM, then SIGKILL after this long */
  termTimeoutMs: number;
  /** the launcher's descriptor to report "started" (or the failure) on, -1 for none */
  readyFd: number;
  /** key=value state file rewritten atomically on every change ("" for none) */
  stateFile: string;
  /** the service's stdout and stderr appended here ("" for none) */
  logFile: string;
  /** syslog ident for stdout (info) and stderr (err) lines over /dev/log ("" for none) */
  syslogIdent: string;
  /** procd's pidfile: the service's host pid, written on every start, removed at stop ("" for none) */
  pidfile: string;
  /** run after every respawn, as procd runs `/etc/init.d/NAME running` ([] for none) */
  hookArgv: string[];
  hookEnv: string[];
}

/** An argument the tracer reports for (arch, nr): a path string, an integer, or a buffer whose
 * length is argument `auxArg`; for paths `auxArg` is the dirfd argument and `flagsArg` the
 * open flags or mode argument (-1 for none). */
/** The in-kernel recorder of a trace (src/trace/kernel-recorder.ts): the filter to load when it
 * runs, its ring's size, where the host keeps a call's number at its exit, the launcher's check
 * call and, per call number, what to record and where its arguments are (the programs' map as is). */
export interface RecorderPlan {
  filter: Uint8Array;
  ringBytes: number;
  nrOffset: number;
  probeNr: number;
  spec: Uint8Array;
}

export interface TraceCapture {
  auditArch: number;
  nr: number;
  kind: 'path' | 'value' | 'bytes';
  arg: number;
  auxArg: number;
  flagsArg: number;
}

export type StepOp = PlanStep['op'];

/** A fully prepared jail launch. */
export interface LaunchPlan {
  name: string;
  namespaces: NamespaceName[];
  /** summary for humans and `service status`; the steps are authoritative */
  summary: {
    command: string[];
    mounts: number;
    user: { uid: number; gid: number; groups: number[] };
    capabilities: string[];
    seccomp: string | null;
    cgroup: string[];
  };
  steps: PlanStep[];
}
