// /proc and /sys in the jail, and what of them the jail may not write or read: the lists are
// policy (plain data, reasons beside each entry), the steps that carry them out are pure.
// Masks are binds of one empty read-only tmpfs (a directory and a file) made in the staging root.
import type { MountFlag, PlanStep } from './plan.js';

/** /proc of the jail, beyond runc's defaults: a jailed uid 0 without capabilities still owns
 * these root-owned files, so their mode bits alone let it write host-wide settings. */
export const PROC_POLICY = {
  /** readable, but never writable (bound onto themselves read-only) */
  readOnly: [
    '/proc/sys', // sysctls, including kernel.core_pattern (runs a program as host root)
    '/proc/pressure', // PSI: a write registers a trigger served by a host kernel thread
  ],
  /** shown as empty read-only directories */
  maskDirs: [
    '/proc/1', // the jail's reaper: nothing of it (argv, descriptors, maps) concerns the service
    '/proc/acpi', // wakeup sources are writable
    '/proc/asound', // sound card controls
    '/proc/bus', // PCI config space (writable), USB and input devices
    '/proc/cpu', // ARM alignment trap mode (writable)
    '/proc/driver', // driver settings (rtc, nvram, ...)
    '/proc/dynamic_debug', // kernel debug output control, where debugfs is missing
    '/proc/fs', // file system (nfsd, ext4, xfs) settings
    '/proc/irq', // interrupt CPU affinity (writable)
    '/proc/scsi', // "add-single-device" rescans the host's SCSI buses
    '/proc/xen', // Xen privcmd: hypercalls from dom0
  ],
  /** shown as empty read-only files */
  maskFiles: [
    '/proc/sysrq-trigger', // reboot, crash or freeze the host
    '/proc/mtrr', // memory type ranges of the host CPU
    '/proc/kcore', '/proc/vmcore', // host memory
    '/proc/kpageflags', '/proc/kpagecount', '/proc/kpagecgroup', // per physical page facts
    '/proc/iomem', '/proc/ioports', '/proc/vmallocinfo', // physical and kernel address layout
    '/proc/kallsyms', // kernel symbol addresses
    '/proc/buddyinfo', '/proc/pagetypeinfo', '/proc/zoneinfo', '/proc/slabinfo', // allocator state (page and heap grooming)
    '/proc/kmsg', // reading consumes the host's kernel log
    '/proc/keys', '/proc/key-users', // keyrings of the host's users
    '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', // host timing side channels
  ],
  // Left visible on purpose: what services and ps/free/top read (meminfo, stat, loadavg, uptime,
  // cpuinfo, cmdline, mounts, modules, interrupts), and what the jail's own namespaces scope
  // (net -> self/net, sysvipc). Every entry above is skipped where this kernel lacks it.
} as const;

/** /sys of the jail (read-only as a whole) may still be read: hide firmware tables and meters. */
export const SYS_POLICY = {
  maskDirs: [
    '/sys/firmware', // ACPI/DMI tables, EFI variables, the physical memory map
    '/sys/devices/virtual/powercap', // RAPL energy counters (power side channel)
  ],
  maskFiles: [
    '/sys/kernel/vmcoreinfo', // physical address of the kernel's crash note
  ],
} as const;

/** Host kernel file systems a directory bind of one of their ancestors would show (the bind is
 * recursive): masked in the jail, unless --proc or --sys mounts the jail's own there. */
export const HOST_KERNEL_MOUNTS = ['/proc', '/sys'] as const;

const J = 'jail' as const;
export const NEW_ROOT = '/newroot';
export const OLD_PROC = '/oldroot/proc';
export const inJail = (path: string): string => (path === '/' ? NEW_ROOT : `${NEW_ROOT}${path}`);
export const RO_BIND: MountFlag[] = ['MS_REMOUNT', 'MS_BIND', 'MS_RDONLY', 'MS_NOSUID', 'MS_NODEV'];

/** The mask sources, in the staging root (gone with it after the final pivot). */
const MASKS = '/masks';
const MASK_DIR = `${MASKS}/dir`;
const MASK_FILE = `${MASKS}/file`;

/** An empty read-only tmpfs holding one empty directory and one empty file; binds of it keep
 * its read-only flag, so each mask is a single bind. */
export function maskSourceSteps(): PlanStep[] {
  return [
    { phase: J, op: 'mkdir', path: MASKS, mode: 0o755, describe: `create ${MASKS} in the staging tmpfs` },
    { phase: J, op: 'mount', source: 'tmpfs', target: MASKS, fstype: 'tmpfs', flags: ['MS_NOSUID', 'MS_NODEV', 'MS_NOEXEC'], data: 'mode=0755,size=4k,nr_inodes=4', procDir: '', describe: 'mount the tmpfs masks are bound from' },
    { phase: J, op: 'mkdir', path: MASK_DIR, mode: 0o555, describe: 'create the empty directory masks show' },
    { phase: J, op: 'mkfile', path: MASK_FILE, mode: 0o444, describe: 'create the empty file masks show' },
    { phase: J, op: 'remount', target: MASKS, flags: [...RO_BIND, 'MS_NOEXEC'], procDir: OLD_PROC, describe: 'make the mask tmpfs read-only' },
  ];
}

/** True when a step binds one of the mask sources (the staging root then needs them). */
export function usesMasks(step: PlanStep): boolean {
  return step.op === 'bind' && (step.source === MASK_DIR || step.source === MASK_FILE);
}

/** Masks a jail path with the empty directory or file; a path this kernel lacks is skipped. */
export function maskStep(jailPath: string, kind: 'dir' | 'file', why: string): PlanStep {
  return { phase: J, op: 'bind', source: kind === 'dir' ? MASK_DIR : MASK_FILE, target: inJail(jailPath), recursive: false, procDir: OLD_PROC, optional: true, describe: `mask ${jailPath} (${why})` };
}

function readOnlySteps(jailPath: string): PlanStep[] {
  const target = inJail(jailPath);
  return [
    { phase: J, op: 'bind', source: target, target, recursive: false, procDir: OLD_PROC, optional: true, describe: `bind ${jailPath} onto itself` },
    { phase: J, op: 'remount', target, flags: RO_BIND, procDir: OLD_PROC, optional: true, describe: `make ${jailPath} read-only` },
  ];
}

/** /proc of the jail's pid namespace. Mounted while the host /proc is still attached: in a user
 * namespace the kernel only allows a new procfs where a fully visible one exists. */
export function procSteps(): PlanStep[] {
  const proc = inJail('/proc');
  return [
    { phase: J, op: 'mkdir', path: proc, mode: 0o555, describe: 'create /proc' },
    { phase: J, op: 'mount', source: 'proc', target: proc, fstype: 'proc', flags: ['MS_NOSUID', 'MS_NODEV', 'MS_NOEXEC'], data: '', procDir: OLD_PROC, describe: "mount /proc of the jail's pid namespace" },
    ...PROC_POLICY.readOnly.flatMap(readOnlySteps),
    ...PROC_POLICY.maskDirs.map((path) => maskStep(path, 'dir', 'host settings or facts')),
    ...PROC_POLICY.maskFiles.map((path) => maskStep(path, 'file', 'host settings or facts')),
  ];
}

/** Read-only /sys. A user namespace without its own network namespace may not mount sysfs, so
 * there the host's /sys is bound instead, recursively, and every mount in it made read-only. */
export function sysSteps(bindHost: boolean): PlanStep[] {
  const sys = inJail('/sys');
  const mount: PlanStep[] = bindHost
    ? [
        { phase: J, op: 'bind', source: '/oldroot/sys', target: sys, recursive: true, procDir: OLD_PROC, describe: "bind the host's /sys (a user namespace cannot mount sysfs without its own network namespace)" },
        { phase: J, op: 'setattr', target: sys, set: ['MOUNT_ATTR_RDONLY', 'MOUNT_ATTR_NOSUID', 'MOUNT_ATTR_NODEV', 'MOUNT_ATTR_NOEXEC'], clear: [], recursive: true, describe: 'make /sys and every mount below it read-only', hint: RECURSIVE_HINT },
      ]
    : [
        { phase: J, op: 'mount', source: 'sysfs', target: sys, fstype: 'sysfs', flags: ['MS_RDONLY', 'MS_NOSUID', 'MS_NODEV', 'MS_NOEXEC'], data: '', procDir: OLD_PROC, describe: 'mount /sys read-only' },
      ];
  return [
    { phase: J, op: 'mkdir', path: sys, mode: 0o555, describe: 'create /sys' },
    ...mount,
    ...SYS_POLICY.maskDirs.map((path) => maskStep(path, 'dir', 'host firmware or meters')),
    ...SYS_POLICY.maskFiles.map((path) => maskStep(path, 'file', 'host physical addresses')),
  ];
}

export const RECURSIVE_HINT = 'read-only directory binds need mount_setattr(2), Linux 5.12 or later; on an older kernel bind single files instead';
