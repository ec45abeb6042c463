// Numbers shared with native/plan.h: op codes, phases, flags. A test compares them with the
// C header, so the two sides cannot drift apart.
import type { MountAttr, MountFlag, NamespaceName, Phase, StepOp } from '../jail/plan.js';

export const PLAN_MAGIC = 'JCPLAN01';

export const PHASE_CODES: Record<Phase, number> = { config: 0, parent: 1, jail: 2, service: 3, cleanup: 4 };

/** Op codes in the order of `enum jc_op_code` (first = 1). */
export const OP_CODES: Record<StepOp, number> = {
  'clone': 1,
  'forward-signals': 2,
  'write-child-file': 3,
  'mkdir': 4,
  'write-file': 5,
  'attach-cgroup': 6,
  'rmdir': 7,
  'mount': 8,
  'bind': 9,
  'remount': 10,
  'mkfile': 11,
  'symlink': 12,
  'pivot-root': 13,
  'umount': 14,
  'chdir': 15,
  'sethostname': 16,
  'loopback-up': 17,
  'unshare': 18,
  'fork-service': 19,
  'rlimit': 20,
  'setgroups': 21,
  'setresgid': 22,
  'keepcaps': 23,
  'setresuid': 24,
  'caps': 25,
  'no-new-privs': 26,
  'setsid': 27,
  'close-fds': 28,
  'seccomp': 29,
  'execve': 30,
  'trace': 31,
  'trace-me': 32,
  'seccomp-notify': 33,
  'supervise': 34,
  'die-with-parent': 35,
  'setattr': 36,
  'open-proc': 37,
  'keyring': 38,
  'parent-death-signal': 39,
  'report-count': 40,
  'trace-counter': 41,
};

export const CAPTURE_KINDS = { path: 1, value: 2, bytes: 3 } as const;

export const OPF_OPTIONAL = 1;

/** <sys/mount.h> values; identical on every Linux architecture. */
export const MOUNT_FLAGS: Record<MountFlag, number> = {
  MS_RDONLY: 1,
  MS_NOSUID: 2,
  MS_NODEV: 4,
  MS_NOEXEC: 8,
  MS_REMOUNT: 32,
  MS_NOATIME: 1024,
  MS_BIND: 4096,
  MS_REC: 16384,
  MS_PRIVATE: 1 << 18,
  MS_SLAVE: 1 << 19,
  MS_RELATIME: 1 << 21,
  MS_STRICTATIME: 1 << 24,
};

export const MNT_DETACH = 2;

/** <linux/mount.h> MOUNT_ATTR_* values for mount_setattr(2). */
export const MOUNT_ATTRS: Record<MountAttr, number> = {
  MOUNT_ATTR_RDONLY: 0x1,
  MOUNT_ATTR_NOSUID: 0x2,
  MOUNT_ATTR_NODEV: 0x4,
  MOUNT_ATTR_NOEXEC: 0x8,
};

export function mountAttrs(attrs: readonly MountAttr[]): number {
  return attrs.reduce((acc, attr) => acc | MOUNT_ATTRS[attr], 0);
}

/** clone(2)/unshare(2) namespace flags. */
export const NAMESPACE_FLAGS: Record<NamespaceName, number> = {
  mount: 0x00020000,
  uts: 0x04000000,
  ipc: 0x08000000,
  user: 0x10000000,
  pid: 0x20000000,
  net: 0x40000000,
  cgroup: 0x02000000,
};

export function namespaceFlags(namespaces: readonly NamespaceName[]): number {
  return namespaces.reduce((flags, ns) => flags | NAMESPACE_FLAGS[ns], 0);
}

export function mountFlags(flags: readonly MountFlag[]): number {
  return flags.reduce((acc, flag) => acc | MOUNT_FLAGS[flag], 0);
}
