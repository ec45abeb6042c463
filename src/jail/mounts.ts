// The mount steps of a jail, in the order the kernel needs them (see buildMountSteps). Pure.
//
// Layout while building: a staging tmpfs becomes "/" by a first pivot_root, with the host
// root at /oldroot and the jail root (another tmpfs) at /newroot. Binds use /oldroot sources
// and are made through /oldroot/proc/self/fd, so the C side never follows a symlink. Finally
// the host root is detached and a second pivot_root(".", ".") leaves only /newroot.
import type { MountFlag, PlanStep } from './plan.js';
import type { TreeEntry } from './jail-tree.js';
import { JailctlError } from '../errors.js';
import { isWithin, joinPath } from './host-paths.js';

export const OLD_ROOT = '/oldroot';
export const NEW_ROOT = '/newroot';
const OLD_PROC = `${OLD_ROOT}/proc`;

export interface MountOptions {
  /** an existing host directory to mount the staging tmpfs on (hidden only inside the jail's namespace) */
  stagingDir: string;
  tmpfs: readonly string[];
  proc: boolean;
  sys: boolean;
  dev: boolean;
  userns: boolean;
  netns: boolean;
  /** host paths under /proc to mask with /dev/null when --proc is on */
  procMasks: readonly string[];
  /** the jail root turns read-only once built (default); ujail keeps it writable without ronly */
  rootReadOnly?: boolean;
  /** the /dev tmpfs turns read-only once built (default); ujail's stays writable */
  devReadOnly?: boolean;
}

const J = 'jail' as const;
const inJail = (path: string): string => (path === '/' ? NEW_ROOT : `${NEW_ROOT}${path}`);
const fromHost = (path: string): string => (path === '/' ? OLD_ROOT : `${OLD_ROOT}${path}`);

const DEVICES = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];
const RO_BIND: MountFlag[] = ['MS_REMOUNT', 'MS_BIND', 'MS_RDONLY', 'MS_NOSUID', 'MS_NODEV'];
const RW_BIND: MountFlag[] = ['MS_REMOUNT', 'MS_BIND', 'MS_NOSUID', 'MS_NODEV'];

/** Every mount step, from making mounts private to the final pivot into the jail root. */
export function buildMountSteps(tree: readonly TreeEntry[], options: MountOptions): PlanStep[] {
  checkNotHidden(tree, options);
  // a file system mounted over a path would hide what was bound there before it: entries inside
  // a --tmpfs or the /dev tmpfs go in after that mount (innermost mount wins)
  const layers = [...options.tmpfs, ...(options.dev ? ['/dev'] : [])];
  const layerOf = (path: string): string | undefined =>
    layers.filter((l) => path !== l && isWithin(path, l)).sort((a, b) => b.length - a.length)[0];
  // --dev binds these host nodes itself; a --ro/--rw of the same node is the same bind
  const providedByDev = (path: string): boolean => options.dev && DEVICES.some((name) => path === `/dev/${name}`);
  const inside = (layer: string | undefined): PlanStep[] =>
    tree.filter((e) => layerOf(e.path) === layer && !providedByDev(e.path)).flatMap(treeSteps);
  const tmpfsOuterFirst = [...options.tmpfs].sort((a, b) => depth(a) - depth(b));
  return [
    // a writable root (ujail's) is a tmpfs of the kernel's default size, as ujail mounts it
    ...stagingSteps(options.stagingDir, options.rootReadOnly !== false ? 'mode=0755,size=1m' : 'mode=0755'),
    ...inside(undefined),
    ...tmpfsOuterFirst.flatMap((dest) => [...tmpfsSteps(dest), ...inside(dest)]),
    ...(options.dev ? devSteps(inside('/dev'), options.devReadOnly !== false) : []),
    ...(options.proc ? procSteps(options.procMasks) : []),
    ...(options.sys ? sysSteps(options.userns && !options.netns) : []),
    ...(options.rootReadOnly !== false ? [{ phase: J, op: 'remount', target: NEW_ROOT, flags: RO_BIND, procDir: OLD_PROC, describe: 'make the jail root read-only' } as PlanStep] : []),
    ...finalPivotSteps(),
  ];
}

function stagingSteps(stagingDir: string, rootData: string): PlanStep[] {
  return [
    { phase: J, op: 'mount', source: '', target: '/', fstype: '', flags: ['MS_REC', 'MS_PRIVATE'], data: '', procDir: '', describe: 'make every mount private (MS_REC|MS_PRIVATE on /)' },
    { phase: J, op: 'mount', source: 'tmpfs', target: stagingDir, fstype: 'tmpfs', flags: ['MS_NOSUID', 'MS_NODEV', 'MS_NOEXEC'], data: 'mode=0700,size=16k', procDir: '', describe: `mount the staging tmpfs on ${stagingDir}` },
    { phase: J, op: 'mkdir', path: `${stagingDir}${OLD_ROOT}`, mode: 0o700, describe: `create ${OLD_ROOT} in the staging tmpfs` },
    { phase: J, op: 'mkdir', path: `${stagingDir}${NEW_ROOT}`, mode: 0o755, describe: `create ${NEW_ROOT} in the staging tmpfs` },
    { phase: J, op: 'pivot-root', newRoot: stagingDir, putOld: `${stagingDir}${OLD_ROOT}`, describe: `pivot_root to the staging tmpfs (host root at ${OLD_ROOT})`, hint: 'the host root must be a mount point (pivot_root cannot leave an initramfs rootfs)' },
    { phase: J, op: 'chdir', path: '/', describe: 'enter the staging root' },
    { phase: J, op: 'mount', source: 'tmpfs', target: NEW_ROOT, fstype: 'tmpfs', flags: ['MS_NOSUID', 'MS_NODEV'], data: rootData, procDir: OLD_PROC, describe: 'mount the jail root tmpfs' },
  ];
}

function treeSteps(entry: TreeEntry): PlanStep[] {
  const target = inJail(entry.path);
  switch (entry.kind) {
    case 'dir':
      return [{ phase: J, op: 'mkdir', path: target, mode: 0o755, describe: `create directory ${entry.path}` }];
    case 'symlink':
      return [{ phase: J, op: 'symlink', target: entry.target, path: target, describe: `create symlink ${entry.path} -> ${entry.target} (${entry.reason})` }];
    case 'bind': {
      const what = `${entry.source}${entry.source === entry.path ? '' : ` at ${entry.path}`}`;
      const mountpoint: PlanStep[] = !entry.createMountpoint ? []
        : entry.sourceKind === 'dir' ? [{ phase: J, op: 'mkdir', path: target, mode: 0o755, describe: `create mount point ${entry.path}` }]
        : [{ phase: J, op: 'mkfile', path: target, mode: 0o644, describe: `create mount point ${entry.path}` }];
      return [
        ...mountpoint,
        { phase: J, op: 'bind', source: fromHost(entry.source), target, recursive: false, procDir: OLD_PROC, describe: `bind ${what} (${entry.reason})`, hint: 'the path must exist and contain no symlink that changed since planning' },
        remountBind(entry, target),
      ];
    }
  }
}

/** nodev on everything, but a device node bound by name (--ro /dev/ttyS0) is asked for: noexec instead. */
function remountBind(entry: TreeEntry & { kind: 'bind' }, target: string): PlanStep {
  const device = entry.sourceKind === 'char' || entry.sourceKind === 'block';
  const access = entry.writable ? 'read-write' : 'read-only';
  if (!device) return { phase: J, op: 'remount', target, flags: entry.writable ? RW_BIND : RO_BIND, procDir: OLD_PROC, describe: `remount ${entry.path} ${access},nosuid,nodev` };
  const flags: MountFlag[] = ['MS_REMOUNT', 'MS_BIND', ...(entry.writable ? [] : ['MS_RDONLY' as const]), 'MS_NOSUID', 'MS_NOEXEC'];
  return { phase: J, op: 'remount', target, flags, procDir: OLD_PROC, describe: `remount device ${entry.path} ${access},nosuid,noexec` };
}

function tmpfsSteps(dest: string): PlanStep[] {
  return [
    { phase: J, op: 'mkdir', path: inJail(dest), mode: 0o755, describe: `create mount point ${dest}` },
    { phase: J, op: 'mount', source: 'tmpfs', target: inJail(dest), fstype: 'tmpfs', flags: ['MS_NOSUID', 'MS_NODEV'], data: 'mode=1777', procDir: OLD_PROC, describe: `mount a writable tmpfs on ${dest} (--tmpfs)` },
  ];
}

const depth = (path: string): number => path.split('/').filter(Boolean).length;

/** /proc and /sys are kernel file systems mounted late: nothing bound below them would stay visible. */
function checkNotHidden(tree: readonly TreeEntry[], options: MountOptions): void {
  const kernelMounts = [...(options.proc ? ['/proc'] : []), ...(options.sys ? ['/sys'] : [])];
  const fixedTmpfs = options.dev ? ['/dev', ...options.tmpfs.filter((t) => isWithin(t, '/dev'))] : [];
  for (const entry of tree) {
    const mount = kernelMounts.find((m) => isWithin(entry.path, m));
    if (mount !== undefined && entry.kind !== 'dir') {
      throw new JailctlError('JAIL_INVALID', `${entry.path}: inside ${mount}, which --${mount.slice(1)} mounts over it`, { path: entry.path, hint: `drop the bind of ${entry.path} (--${mount.slice(1)} already provides ${mount})` });
    }
    if (entry.kind === 'bind' && fixedTmpfs.includes(entry.path)) {
      throw new JailctlError('JAIL_INVALID', `${entry.path}: bound, and --dev mounts a tmpfs there`, { path: entry.path, hint: 'bind single devices (--ro /dev/ttyS0) instead of a directory at /dev' });
    }
  }
  for (const dest of options.tmpfs) {
    if (options.dev && isWithin(dest, '/dev')) throw new JailctlError('JAIL_INVALID', `--tmpfs ${dest}: inside /dev, which --dev makes read-only`, { path: dest });
  }
}

/** A minimal /dev: host device nodes bound (mknod is impossible in a user namespace), new pts, shm;
 * then what the command line bound below /dev, before the tmpfs turns read-only. */
function devSteps(bound: readonly PlanStep[], readOnly: boolean): PlanStep[] {
  const dev = inJail('/dev');
  const steps: PlanStep[] = [
    { phase: J, op: 'mkdir', path: dev, mode: 0o755, describe: 'create /dev' },
    { phase: J, op: 'mount', source: 'tmpfs', target: dev, fstype: 'tmpfs', flags: ['MS_NOSUID', 'MS_NOEXEC'], data: readOnly ? 'mode=0755,size=64k' : 'mode=0755,size=1m', procDir: OLD_PROC, describe: 'mount the /dev tmpfs' },
  ];
  for (const name of DEVICES) {
    steps.push(
      { phase: J, op: 'mkfile', path: `${dev}/${name}`, mode: 0o666, describe: `create /dev/${name}` },
      { phase: J, op: 'bind', source: `${OLD_ROOT}/dev/${name}`, target: `${dev}/${name}`, recursive: false, procDir: OLD_PROC, describe: `bind the host's /dev/${name}` },
      { phase: J, op: 'remount', target: `${dev}/${name}`, flags: ['MS_REMOUNT', 'MS_BIND', 'MS_NOSUID', 'MS_NOEXEC'], procDir: OLD_PROC, describe: `remount /dev/${name} nosuid,noexec` },
    );
  }
  steps.push(
    { phase: J, op: 'mkdir', path: `${dev}/pts`, mode: 0o755, describe: 'create /dev/pts' },
    { phase: J, op: 'mount', source: 'devpts', target: `${dev}/pts`, fstype: 'devpts', flags: ['MS_NOSUID', 'MS_NOEXEC'], data: 'newinstance,ptmxmode=0666,mode=0620', procDir: OLD_PROC, describe: 'mount a new devpts instance on /dev/pts' },
    { phase: J, op: 'symlink', target: 'pts/ptmx', path: `${dev}/ptmx`, describe: 'create /dev/ptmx -> pts/ptmx' },
    { phase: J, op: 'mkdir', path: `${dev}/shm`, mode: 0o755, describe: 'create /dev/shm' },
    { phase: J, op: 'mount', source: 'tmpfs', target: `${dev}/shm`, fstype: 'tmpfs', flags: ['MS_NOSUID', 'MS_NODEV', 'MS_NOEXEC'], data: 'mode=1777', procDir: OLD_PROC, describe: 'mount a tmpfs on /dev/shm' },
  );
  for (const [name, target] of [['fd', '/proc/self/fd'], ['stdin', '/proc/self/fd/0'], ['stdout', '/proc/self/fd/1'], ['stderr', '/proc/self/fd/2']] as const) {
    steps.push({ phase: J, op: 'symlink', target, path: `${dev}/${name}`, describe: `create /dev/${name} -> ${target}` });
  }
  steps.push(...bound);
  if (readOnly) steps.push({ phase: J, op: 'remount', target: dev, flags: ['MS_REMOUNT', 'MS_BIND', 'MS_RDONLY', 'MS_NOSUID', 'MS_NOEXEC'], procDir: OLD_PROC, describe: 'make the /dev tmpfs read-only' });
  return steps;
}

/** /proc of the jail's pid namespace. Mounted while the host /proc is still attached: in a user
 * namespace the kernel only allows a new procfs where a fully visible one exists. */
function procSteps(masks: readonly string[]): PlanStep[] {
  const proc = inJail('/proc');
  const steps: PlanStep[] = [
    { phase: J, op: 'mkdir', path: proc, mode: 0o555, describe: 'create /proc' },
    { phase: J, op: 'mount', source: 'proc', target: proc, fstype: 'proc', flags: ['MS_NOSUID', 'MS_NODEV', 'MS_NOEXEC'], data: '', procDir: OLD_PROC, describe: "mount /proc of the jail's pid namespace" },
    { phase: J, op: 'bind', source: `${proc}/sys`, target: `${proc}/sys`, recursive: false, procDir: OLD_PROC, describe: 'bind /proc/sys onto itself' },
    { phase: J, op: 'remount', target: `${proc}/sys`, flags: RO_BIND, procDir: OLD_PROC, describe: 'make /proc/sys read-only' },
  ];
  for (const mask of masks) {
    steps.push({ phase: J, op: 'bind', source: `${OLD_ROOT}/dev/null`, target: joinPath(NEW_ROOT, mask), recursive: false, procDir: OLD_PROC, optional: true, describe: `mask ${mask}` });
  }
  return steps;
}

/** Read-only /sys. A user namespace without its own network namespace may not mount sysfs,
 * so there the host's /sys is bound instead. */
function sysSteps(bindHost: boolean): PlanStep[] {
  const sys = inJail('/sys');
  const mount: PlanStep = bindHost
    ? { phase: J, op: 'bind', source: `${OLD_ROOT}/sys`, target: sys, recursive: true, procDir: OLD_PROC, describe: "bind the host's /sys (a user namespace cannot mount sysfs without its own network namespace)" }
    : { phase: J, op: 'mount', source: 'sysfs', target: sys, fstype: 'sysfs', flags: ['MS_RDONLY', 'MS_NOSUID', 'MS_NODEV', 'MS_NOEXEC'], data: '', procDir: OLD_PROC, describe: 'mount /sys read-only' };
  return [
    { phase: J, op: 'mkdir', path: sys, mode: 0o555, describe: 'create /sys' },
    mount,
    { phase: J, op: 'remount', target: sys, flags: [...RO_BIND, 'MS_NOEXEC'], procDir: OLD_PROC, describe: 'make /sys read-only' },
  ];
}

/** Detach the host root (checked), then pivot_root(".", ".") into the jail root and detach the
 * staging root stacked beneath it, so nothing of the host's tree stays reachable. */
function finalPivotSteps(): PlanStep[] {
  return [
    { phase: J, op: 'umount', target: OLD_ROOT, detach: true, describe: 'detach the host root' },
    { phase: J, op: 'chdir', path: NEW_ROOT, describe: 'enter the jail root' },
    { phase: J, op: 'pivot-root', newRoot: '.', putOld: '.', describe: 'pivot_root into the jail root' },
    { phase: J, op: 'umount', target: '.', detach: true, describe: 'detach the staging root' },
    { phase: J, op: 'chdir', path: '/', describe: 'enter /' },
  ];
}
