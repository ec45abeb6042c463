// The throwaway view of the file system a dry run evaluates a script in: a new mount namespace
// where every writable mount of the host is covered by an overlay whose upper layer is a tmpfs
// that dies with the namespace, so what start_service writes (host keys, chowned run folders,
// generated configs) never reaches the host. Kernel file systems are bound as they are, those
// that configure the kernel (sysfs, cgroups, /proc/sys) read-only; a writable mount that is a
// single file is bound read-only (an overlay needs a directory). Only the evaluation's own work
// folder is the host's, so the action log comes back. Pure: mountinfo comes in as text.
import { JailctlError } from '../../errors.js';
import { FORWARDED_SIGNALS } from '../../jail/build-plan.js';
import type { HostFacts } from '../../jail/host.js';
import { isWithin, joinPath } from '../../jail/host-paths.js';
import type { LaunchPlan, MountFlag, PlanStep } from '../../jail/plan.js';

export interface MountEntry {
  id: number;
  parent: number;
  /** where it is mounted */
  path: string;
  fstype: string;
  readOnly: boolean;
}

/** /proc/self/mountinfo -> its entries (octal escapes in paths decoded). */
export function parseMountinfo(text: string): MountEntry[] {
  return text.split('\n').flatMap((line) => {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    if (f.length < 7 || dash < 6) return [];
    return [{ id: Number(f[0]), parent: Number(f[1]), path: unescape(f[4]!), fstype: f[dash + 1]!, readOnly: f[5]!.split(',').includes('ro') }];
  });
}

function unescape(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** The mounts a path lookup can reach: the topmost of each stack, where the stack sits on a
 * mount that is itself in a reachable stack (a mount under an over-mounted folder is not). */
export function visibleMounts(entries: readonly MountEntry[]): MountEntry[] {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const top = new Map<string, MountEntry>();
  for (const e of entries) top.set(e.path, e);
  const root = top.get('/');
  if (root === undefined) return [];
  const memo = new Map<number, boolean>();
  // q is in the stack whose top is seen at q.path
  const inSeenStack = (q: MountEntry, level: number): boolean => {
    let t = top.get(q.path);
    if (t === undefined || !visible(t, level + 1)) return false;
    while (t !== undefined && t !== q) {
      const below = byId.get(t.parent);
      t = below !== undefined && below.path === t.path ? below : undefined;
    }
    return t === q;
  };
  const visible = (e: MountEntry, level = 0): boolean => {
    const known = memo.get(e.id);
    if (known !== undefined) return known;
    let ok = false;
    if (level > 64 || top.get(e.path) !== e) ok = false;
    else if (e === root) ok = true;
    else {
      let base = byId.get(e.parent);
      while (base !== undefined && base.path === e.path) base = byId.get(base.parent);
      ok = base !== undefined && inSeenStack(base, level);
    }
    memo.set(e.id, ok);
    return ok;
  };
  return entries.filter((e) => visible(e)).sort((a, b) => depth(a.path) - depth(b.path));
}

const depth = (path: string): number => path.split('/').filter(Boolean).length;

/** Kernel file systems: bound, never overlaid (nothing of them is a file someone would keep). */
const KERNEL = new Set(['proc', 'sysfs', 'devtmpfs', 'devpts', 'mqueue', 'cgroup', 'cgroup2', 'debugfs', 'tracefs', 'securityfs', 'pstore', 'bpf', 'configfs', 'fusectl', 'hugetlbfs', 'autofs', 'binfmt_misc', 'efivarfs', 'selinuxfs', 'nsfs', 'rpc_pipefs']);
/** Those that change the kernel when written: read-only in the view. */
const KERNEL_READ_ONLY = new Set(['sysfs', 'cgroup', 'cgroup2', 'debugfs', 'tracefs', 'securityfs', 'pstore', 'bpf', 'configfs', 'efivarfs', 'selinuxfs', 'binfmt_misc']);
const OVERLAY_UNSAFE = /[,:=\\\s]/;

export interface SandboxOptions {
  /** the evaluation's work folder: the view is built on `${work}/view`; the folder stays the host's */
  work: string;
  /** what runs in the view: an absolute program path and its arguments */
  argv: string[];
  env: Record<string, string>;
}

const J = 'jail' as const;
const RO: MountFlag[] = ['MS_REMOUNT', 'MS_BIND', 'MS_RDONLY'];

export function buildSandboxPlan(mounts: readonly MountEntry[], host: HostFacts, o: SandboxOptions): LaunchPlan {
  const stage = `${o.work}/view`;
  if (OVERLAY_UNSAFE.test(stage)) throw new JailctlError('NOT_SUPPORTED', `dry run: the work folder ${o.work} has a character overlayfs options cannot hold`, { hint: 'set TMPDIR to a plain path' });
  const root = `${stage}/root`;
  const at = (path: string): string => (path === '/' ? root : `${root}${path}`);
  const steps: PlanStep[] = [
    { phase: 'config', op: 'clone', namespaces: ['mount', 'ipc', 'uts'], describe: 'create mount, IPC and UTS namespaces for the dry run' },
    { phase: 'config', op: 'forward-signals', signals: FORWARDED_SIGNALS, describe: 'forward signals to the script' },
    { phase: J, op: 'mount', source: '', target: '/', fstype: '', flags: ['MS_REC', 'MS_PRIVATE'], data: '', procDir: '', describe: 'make every mount private (MS_REC|MS_PRIVATE on /)' },
    { phase: J, op: 'mkdir', path: stage, mode: 0o700, describe: `create ${stage}` },
    { phase: J, op: 'mount', source: 'tmpfs', target: stage, fstype: 'tmpfs', flags: ['MS_NOSUID', 'MS_NODEV'], data: 'mode=0700', procDir: '', describe: `mount the dry run's tmpfs on ${stage}` },
  ];
  // first every mount as it is (non-recursive binds), before anything covers a path
  mounts.forEach((m, i) => {
    const file = host.lstat(m.path)?.kind !== 'dir';
    steps.push(
      file ? { phase: J, op: 'mkfile', path: `${stage}/l${i}`, mode: 0o600, describe: `create a place for ${m.path}` } : { phase: J, op: 'mkdir', path: `${stage}/l${i}`, mode: 0o700, describe: `create a place for ${m.path}` },
      { phase: J, op: 'bind', source: m.path, target: `${stage}/l${i}`, recursive: false, procDir: '/proc', describe: `hold ${m.path} (${m.fstype})` },
    );
  });
  steps.push({ phase: J, op: 'mkdir', path: root, mode: 0o755, describe: "create the view's root" });
  mounts.forEach((m, i) => steps.push(...layer(m, i, stage, at(m.path), host)));
  const holder = [...mounts.keys()].filter((i) => isWithin(o.work, mounts[i]!.path)).pop();
  if (holder !== undefined) {
    const rel = mounts[holder]!.path === '/' ? o.work : o.work.slice(mounts[holder]!.path.length);
    steps.push({ phase: J, op: 'bind', source: joinPath(`${stage}/l${holder}`, rel), target: at(o.work), recursive: false, procDir: '/proc', describe: `keep the work folder ${o.work} the host's` });
  }
  steps.push(
    { phase: J, op: 'chdir', path: root, describe: 'enter the view' },
    { phase: J, op: 'pivot-root', newRoot: '.', putOld: '.', describe: 'pivot_root into the view' },
    { phase: J, op: 'umount', target: '.', detach: true, describe: "detach the host's tree" },
    { phase: J, op: 'chdir', path: '/', describe: 'enter /' },
    { phase: J, op: 'fork-service', describe: 'fork the script' },
    { phase: 'service', op: 'close-fds', describe: 'close every descriptor but 0, 1 and 2 at exec' },
    { phase: 'service', op: 'execve', path: o.argv[0]!, argv: o.argv, env: Object.entries(o.env).map(([k, v]) => `${k}=${v}`), exitIfMissing: 127, exitIfDenied: 126, describe: `execute ${o.argv[0]}` },
  );
  return { name: 'dry-run', namespaces: ['mount', 'ipc', 'uts'], summary: { command: o.argv, mounts: mounts.length, user: { uid: 0, gid: 0, groups: [] }, capabilities: [], seccomp: null, cgroup: [] }, steps };
}

/** One mount of the view: an overlay on a writable directory, else the mount itself. */
function layer(m: MountEntry, i: number, stage: string, target: string, host: HostFacts): PlanStep[] {
  const lower = `${stage}/l${i}`;
  const isDir = host.lstat(m.path)?.kind === 'dir';
  if (!m.readOnly && !KERNEL.has(m.fstype) && isDir) {
    return [
      { phase: J, op: 'mkdir', path: `${stage}/u${i}`, mode: 0o755, describe: `create the upper layer for ${m.path}` },
      { phase: J, op: 'mkdir', path: `${stage}/w${i}`, mode: 0o700, describe: `create the work folder for ${m.path}` },
      { phase: J, op: 'mount', source: 'overlay', target, fstype: 'overlay', flags: [], data: `lowerdir=${lower},upperdir=${stage}/u${i},workdir=${stage}/w${i}`, procDir: '', describe: `cover ${m.path} (${m.fstype}) with a throwaway overlay`, hint: 'this file system cannot be an overlay lower layer; the dry run cannot protect it' },
    ];
  }
  const steps: PlanStep[] = [{ phase: J, op: 'bind', source: lower, target, recursive: false, procDir: '/proc', describe: `bind ${m.path} (${m.fstype})` }];
  const readOnly = KERNEL_READ_ONLY.has(m.fstype) || (!m.readOnly && !KERNEL.has(m.fstype));
  if (readOnly) steps.push({ phase: J, op: 'remount', target, flags: RO, procDir: '/proc', describe: `make ${m.path} read-only` });
  if (m.fstype === 'proc') {
    steps.push(
      { phase: J, op: 'bind', source: `${target}/sys`, target: `${target}/sys`, recursive: false, procDir: '/proc', describe: 'bind /proc/sys onto itself' },
      { phase: J, op: 'remount', target: `${target}/sys`, flags: RO, procDir: '/proc', describe: 'make /proc/sys read-only' },
    );
  }
  return steps;
}
