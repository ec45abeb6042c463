// The built-in baseline filter's entries: what `jailctl run` refuses a service when no profile
// says otherwise, call by call, with what each refusal stops and the capability that makes the
// call legitimate (kept with --caps, the entry is left out, as Docker does). Data only; README
// "### Syscalls and kernel objects" documents every entry (a unit test keeps the two in step).
import type { ArgCond } from '../profile/model.js';

/** Flag and ioctl values that differ between architecture families (uapi asm/fcntl.h, asm/ioctls.h). */
export interface ArchConstants {
  O_CREAT: bigint;
  /** O_TMPFILE = __O_TMPFILE | O_DIRECTORY */
  O_TMPFILE: bigint;
  TIOCSTI: bigint;
  TIOCLINUX: bigint;
}

export type BaselineGroup = 'kernel' | 'namespaces' | 'mounts' | 'debugging' | 'clock' | 'obsolete' | 'hardening' | 'suid';

export interface BaselineEntry {
  /** kernel names; a name an ABI lacks is skipped there */
  names: readonly string[];
  group: BaselineGroup;
  /** what a service could do with the call, for README and `--dry-run` readers */
  stops: string;
  /** EPERM, or ENOSYS where libcs fall back to an older call they can be refused or filtered on */
  errno: 'EPERM' | 'ENOSYS';
  /** refuse only when one of these AND-lists holds (int arguments compared on their low 32 bits) */
  when?: (c: ArchConstants) => ArgCond[][];
  /** a kept capability that makes the call legitimate: the entry is left out then */
  liftedBy?: readonly string[];
}

const S_ISUID = 0o4000n;
const S_ISGID = 0o2000n;
const CLONE_NEWUSER = 0x10000000n;
const LOW_WORD = 0xffffffffn;
const AF_ALG = 38n;
const AF_VSOCK = 40n;
/** personality(2) values Docker's default profile allows: PER_LINUX, PER_LINUX32, UNAME26 (and with
 * PER_LINUX32), and 0xffffffff, which only asks for the current persona. */
const PERSONAS = [0n, 0x8n, 0x20000n, 0x20008n, 0xffffffffn];

/** (arg & bits) == bits: the low word only, whatever the high word holds (CVE-2019-10063). */
const bitsSet = (index: number, bits: bigint): ArgCond => ({ index, op: 'MASKED_EQ', value: bits, valueTwo: bits });
/** the low 32 bits equal `value`: an int argument the kernel truncates */
const intIs = (index: number, value: bigint): ArgCond => ({ index, op: 'MASKED_EQ', value: LOW_WORD, valueTwo: value });

/** Set-user-ID or set-group-ID in the mode argument `mode`. */
const setId = (mode: number): ArgCond[][] => [[bitsSet(mode, S_ISUID)], [bitsSet(mode, S_ISGID)]];
/** A file created (O_CREAT or O_TMPFILE in `flags`) with set-ID bits in `mode`. */
const createsSetId = (flags: number, mode: number) => (c: ArchConstants): ArgCond[][] =>
  [c.O_CREAT, c.O_TMPFILE].flatMap((create) => [S_ISUID, S_ISGID].map((bit) => [bitsSet(flags, create), bitsSet(mode, bit)]));

export const BASELINE_ENTRIES: readonly BaselineEntry[] = [
  // kernel objects shared by the whole host
  { names: ['keyctl', 'add_key', 'request_key'], group: 'kernel', errno: 'EPERM', stops: 'the kernel keyrings, which are not namespaced (user and persistent keyrings of the same uid outside the jail)' },
  { names: ['bpf'], group: 'kernel', errno: 'EPERM', liftedBy: ['CAP_BPF', 'CAP_SYS_ADMIN'], stops: 'loading eBPF programs and maps (kernel attack surface, reading kernel memory)' },
  { names: ['perf_event_open'], group: 'kernel', errno: 'EPERM', liftedBy: ['CAP_PERFMON', 'CAP_SYS_ADMIN'], stops: 'performance counters and tracepoints (side channels, kernel addresses)' },
  { names: ['userfaultfd'], group: 'kernel', errno: 'EPERM', stops: 'userfaultfd, used to stall the kernel at a chosen moment when exploiting races' },
  { names: ['io_uring_setup', 'io_uring_enter', 'io_uring_register'], group: 'kernel', errno: 'EPERM', stops: 'io_uring, whose operations bypass seccomp and which has a long record of kernel exploits' },
  { names: ['kexec_load', 'kexec_file_load'], group: 'kernel', errno: 'EPERM', stops: 'loading a new kernel' },
  { names: ['init_module', 'finit_module', 'delete_module'], group: 'kernel', errno: 'EPERM', liftedBy: ['CAP_SYS_MODULE'], stops: 'loading and unloading kernel modules' },
  { names: ['reboot'], group: 'kernel', errno: 'EPERM', liftedBy: ['CAP_SYS_BOOT'], stops: 'rebooting or halting the host (in a pid namespace: ending the jail)' },
  { names: ['swapon', 'swapoff'], group: 'kernel', errno: 'EPERM', liftedBy: ['CAP_SYS_ADMIN'], stops: 'changing the host\'s swap' },
  { names: ['acct'], group: 'kernel', errno: 'EPERM', liftedBy: ['CAP_SYS_PACCT'], stops: 'switching process accounting for the host' },
  { names: ['syslog'], group: 'kernel', errno: 'EPERM', liftedBy: ['CAP_SYSLOG', 'CAP_SYS_ADMIN'], stops: 'reading or clearing the kernel log (kernel addresses, other tenants\' messages)' },
  { names: ['quotactl', 'quotactl_fd'], group: 'kernel', errno: 'EPERM', liftedBy: ['CAP_SYS_ADMIN'], stops: 'disk quota administration' },
  { names: ['lookup_dcookie'], group: 'kernel', errno: 'EPERM', liftedBy: ['CAP_SYS_ADMIN'], stops: 'profiling cookies (paths of any process)' },
  { names: ['iopl', 'ioperm'], group: 'kernel', errno: 'EPERM', liftedBy: ['CAP_SYS_RAWIO'], stops: 'raw I/O port access' },
  { names: ['pciconfig_iobase', 'pciconfig_read', 'pciconfig_write'], group: 'kernel', errno: 'EPERM', liftedBy: ['CAP_SYS_ADMIN'], stops: 'raw PCI configuration space' },
  { names: ['get_mempolicy', 'set_mempolicy', 'mbind', 'migrate_pages', 'move_pages', 'set_mempolicy_home_node'], group: 'kernel', errno: 'EPERM', liftedBy: ['CAP_SYS_NICE'], stops: 'NUMA placement, including moving other processes\' pages' },
  { names: ['lsm_set_self_attr'], group: 'kernel', errno: 'EPERM', liftedBy: ['CAP_SYS_ADMIN'], stops: 'changing the security module labels of the service' },
  { names: ['vhangup'], group: 'kernel', errno: 'EPERM', liftedBy: ['CAP_SYS_TTY_CONFIG'], stops: 'hanging up the terminal' },
  { names: ['socket'], group: 'kernel', errno: 'EPERM', when: () => [[intIs(0, AF_ALG)], [intIs(0, AF_VSOCK)]], stops: 'AF_ALG (the kernel crypto API) and AF_VSOCK (host and virtual machine sockets, not namespaced) sockets' },
  // namespaces: a new user namespace gives root-only kernel code to an unprivileged process
  { names: ['unshare', 'clone'], group: 'namespaces', errno: 'EPERM', liftedBy: ['CAP_SYS_ADMIN'], when: () => [[bitsSet(0, CLONE_NEWUSER)]], stops: 'new user namespaces (CLONE_NEWUSER), the way into kernel code meant for root' },
  { names: ['clone3'], group: 'namespaces', errno: 'ENOSYS', liftedBy: ['CAP_SYS_ADMIN'], stops: 'clone3, whose flags sit in memory no filter can read; libcs fall back to clone, which is filtered' },
  { names: ['setns'], group: 'namespaces', errno: 'EPERM', liftedBy: ['CAP_SYS_ADMIN'], stops: 'joining other namespaces through inherited descriptors' },
  // mounts
  { names: ['mount', 'umount', 'umount2', 'pivot_root', 'move_mount', 'open_tree', 'open_tree_attr', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'mount_setattr'], group: 'mounts', errno: 'EPERM', liftedBy: ['CAP_SYS_ADMIN'], stops: 'changing the jail\'s mounts (uncovering what a mount hides, remounting read-only binds)' },
  { names: ['chroot'], group: 'mounts', errno: 'EPERM', liftedBy: ['CAP_SYS_CHROOT'], stops: 'chroot (with a leaked directory descriptor, a way out of a chroot)' },
  { names: ['open_by_handle_at'], group: 'mounts', errno: 'EPERM', liftedBy: ['CAP_DAC_READ_SEARCH'], stops: 'opening files by handle, past the jail\'s root (the "shocker" escape)' },
  { names: ['fanotify_init'], group: 'mounts', errno: 'EPERM', liftedBy: ['CAP_SYS_ADMIN'], stops: 'watching file access of the whole mount' },
  // other processes
  { names: ['ptrace', 'process_vm_readv', 'process_vm_writev', 'process_madvise', 'kcmp', 'pidfd_getfd'], group: 'debugging', errno: 'EPERM', liftedBy: ['CAP_SYS_PTRACE'], stops: 'reading, writing and controlling other processes of the jail (and through them what they hold)' },
  // the clock is the host's
  { names: ['settimeofday', 'stime', 'clock_settime', 'clock_settime64'], group: 'clock', errno: 'EPERM', liftedBy: ['CAP_SYS_TIME'], stops: 'setting the host\'s clock' },
  // obsolete calls no current program needs
  { names: ['uselib', 'ustat', 'sysfs', '_sysctl', 'create_module', 'get_kernel_syms', 'query_module', 'nfsservctl', 'vm86', 'vm86old', 'modify_ldt', 'subpage_prot', 'switch_endian'], group: 'obsolete', errno: 'EPERM', stops: 'obsolete interfaces (a.out libraries, old module and sysctl calls, vm86, local descriptor tables) with a history of kernel bugs' },
  // hardening the service could undo
  { names: ['personality'], group: 'hardening', errno: 'EPERM', when: () => [PERSONAS.map((value) => ({ index: 0, op: 'NE', value }))], stops: 'execution domains that weaken the address space (READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE, MMAP_PAGE_ZERO); the values Docker allows still work' },
  { names: ['ioctl'], group: 'hardening', errno: 'EPERM', when: (c) => [[intIs(1, c.TIOCSTI)], [intIs(1, c.TIOCLINUX)]], stops: 'pushing input into a terminal (TIOCSTI) and the console\'s TIOCLINUX selection' },
  // RestrictSUIDSGID= (systemd): files a jailed root makes set-ID stay behind for every host user
  { names: ['chmod', 'fchmod', 'mkdir', 'mknod', 'creat'], group: 'suid', errno: 'EPERM', when: () => setId(1), stops: 'set-user-ID and set-group-ID bits in a mode' },
  { names: ['fchmodat', 'fchmodat2', 'mkdirat', 'mknodat'], group: 'suid', errno: 'EPERM', when: () => setId(2), stops: 'set-user-ID and set-group-ID bits in a mode' },
  { names: ['open'], group: 'suid', errno: 'EPERM', when: createsSetId(1, 2), stops: 'files created set-user-ID or set-group-ID' },
  { names: ['openat'], group: 'suid', errno: 'EPERM', when: createsSetId(2, 3), stops: 'files created set-user-ID or set-group-ID' },
  { names: ['openat2'], group: 'suid', errno: 'ENOSYS', stops: 'openat2, whose mode sits in memory no filter can read; libcs and programs fall back to openat' },
];

/** Per architecture family: mips has its own open flags and tty ioctls, arm and powerpc their own O_DIRECTORY. */
export function archConstants(group: string): ArchConstants {
  const tmpfile = (directory: bigint) => 0o20000000n | directory;
  if (group.startsWith('mips')) return { O_CREAT: 0x100n, O_TMPFILE: tmpfile(0o200000n), TIOCSTI: 0x5472n, TIOCLINUX: 0x5483n };
  if (group === 'arm' || group.startsWith('ppc')) return { O_CREAT: 0o100n, O_TMPFILE: tmpfile(0o40000n), TIOCSTI: 0x5412n, TIOCLINUX: 0x541cn };
  return { O_CREAT: 0o100n, O_TMPFILE: tmpfile(0o200000n), TIOCSTI: 0x5412n, TIOCLINUX: 0x541cn };
}
