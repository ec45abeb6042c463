// The mount steps of a jail, in the order the kernel needs them (see buildMountSteps). Pure.
//
// Layout while building: a staging tmpfs becomes "/" by a first pivot_root, with the host
// root at /oldroot and the jail root (another tmpfs) at /newroot. Binds use /oldroot sources
// and are made through /oldroot/proc/self/fd, so the C side never follows a symlink. Finally
// the host root is detached and a second pivot_root(".", ".") leaves only /newroot.
import type { MountAttr, MountFlag, PlanStep } from './plan.js';
import type { TreeEntry } from './jail-tree.js';
import { JailctlError } from '../errors.js';
import { isWithin } from './host-paths.js';
import { HOST_KERNEL_MOUNTS, NEW_ROOT, OLD_PROC, RECURSIVE_HINT, RO_BIND, inJail, maskSourceSteps, maskStep, procSteps, sysSteps, usesMasks } from './kernel-mounts.js';

export { NEW_ROOT } from './kernel-mounts.js';
export const OLD_ROOT = '/oldroot';

export interface MountOptions {
  /** an existing host directory to mount the staging tmpfs on (hidden only inside the jail's namespace) */
  stagingDir: string;
  tmpfs: readonly string[];
  proc: boolean;
  sys: boolean;
  dev: boolean;
  userns: boolean;
  netns: boolean;
  /** the jail root turns read-only once built (default); ujail keeps it writable without ronly */
  rootReadOnly?: boolean;
  /** the /dev tmpfs turns read-only once built (default); ujail's stays writable */
  devReadOnly?: boolean;
}

const J = 'jail' as const;
const fromHost = (path: string): string => (path === '/' ? OLD_ROOT : `${OLD_ROOT}${path}`);

const DEVICES = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];
const RW_BIND: MountFlag[] = ['MS_REMOUNT', 'MS_BIND', 'MS_NOSUID', 'MS_NODEV'];
const RO_ATTRS: MountAttr[] = ['MOUNT_ATTR_RDONLY', 'MOUNT_ATTR_NOSUID', 'MOUNT_ATTR_NODEV'];
const RW_ATTRS: MountAttr[] = ['MOUNT_ATTR_NOSUID', 'MOUNT_ATTR_NODEV'];

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
  const build: PlanStep[] = [
    ...inside(undefined),
    ...tmpfsOuterFirst.flatMap((dest) => [...tmpfsSteps(dest), ...inside(dest)]),
    ...(options.dev ? devSteps(inside('/dev'), options.devReadOnly !== false) : []),
    ...(options.proc ? procSteps() : []),
    ...(options.sys ? sysSteps(options.userns && !options.netns) : []),
    ...hostKernelMasks(tree, options),
  ];
  return [
    // a writable root (ujail's) is a tmpfs of the kernel's default size, as ujail mounts it
    ...stagingSteps(options.stagingDir, options.rootReadOnly !== false ? 'mode=0755,size=1m' : 'mode=0755'),
    ...(build.some(usesMasks) ? maskSourceSteps() : []),
    ...build,
    ...(options.rootReadOnly !== false ? [{ phase: J, op: 'remount', target: NEW_ROOT, flags: RO_BIND, procDir: OLD_PROC, describe: 'make the jail root read-only' } as PlanStep] : []),
    ...finalPivotSteps(),
  ];
}

/** A directory bind is recursive, so binding an ancestor of the host's /proc or /sys would show
 * host processes and kernel state: those places are masked, unless the jail mounts its own (a
 * host file from there is bound elsewhere on purpose: --ro /proc/cpuinfo:/run/cpuinfo). */
function hostKernelMasks(tree: readonly TreeEntry[], options: MountOptions): PlanStep[] {
  const own = [...(options.proc ? ['/proc'] : []), ...(options.sys ? ['/sys'] : [])];
  const steps: PlanStep[] = [];
  for (const entry of tree) {
    if (entry.kind !== 'bind' || entry.sourceKind !== 'dir') continue;
    for (const kernelMount of HOST_KERNEL_MOUNTS) {
      if (kernelMount === entry.source || !isWithin(kernelMount, entry.source)) continue;
      const below = kernelMount.slice(entry.source === '/' ? 0 : entry.source.length);
      const at = entry.path === '/' ? below : `${entry.path}${below}`;
      if (!own.includes(at)) steps.push(maskStep(at, 'dir', `the host's ${kernelMount}, inside the bind of ${entry.source}`));
    }
  }
  return steps;
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
      // a directory is bound with everything mounted below it on the host (a mount over a
      // directory hides what lies beneath on the host, and must in the jail too)
      const recursive = entry.sourceKind === 'dir';
      return [
        ...mountpoint,
        { phase: J, op: 'bind', source: fromHost(entry.source), target, recursive, procDir: OLD_PROC, describe: `bind ${what} (${entry.reason})`, hint: 'the path must exist and contain no symlink that changed since planning' },
        recursive ? setattrBind(entry, target) : remountBind(entry, target),
      ];
    }
  }
}

/** Every mount of a directory bind: read-only (--ro) or as the host has it (--rw: a submount
 * read-only on the host stays so), and nosuid,nodev, whatever the host mounted there. */
function setattrBind(entry: TreeEntry & { kind: 'bind' }, target: string): PlanStep {
  const access = entry.writable ? 'as on the host' : 'read-only';
  return { phase: J, op: 'setattr', target, set: entry.writable ? RW_ATTRS : RO_ATTRS, clear: [], recursive: true, describe: `make ${entry.path} and every mount below it ${access},nosuid,nodev`, hint: RECURSIVE_HINT };
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
