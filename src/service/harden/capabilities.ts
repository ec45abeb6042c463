// The capabilities a traced service exercised, inferred from what it did (pure; the host's file
// modes and owners come in through HostFacts): each one with the calls that needed it, at most a
// few. Only calls that succeeded count: the traced run had root's capabilities, so a failed call
// was refused for another reason and needs nothing.
import type { HostFacts } from '../../jail/host.js';
import { ancestors, dirname, isWithin } from '../../jail/host-paths.js';
import { resolveRealPath } from '../../jail/host-realpath.js';
import type { Evidence, Ids } from './evidence.js';

export interface InferredCapabilities {
  /** CAP_NAME -> why, a few calls each */
  capabilities: Record<string, string[]>;
  /** what the trace shows but cannot decide (a capset, signals out of the tree ...) */
  notes: string[];
}

/** Syscalls that need a capability whenever they succeed (results of counted calls are not
 * captured: made at all is taken as needed). chroot and mknod are judged by their path records. */
export const SYSCALL_CAPABILITIES: Readonly<Record<string, string>> = {
  mount: 'CAP_SYS_ADMIN', umount2: 'CAP_SYS_ADMIN', pivot_root: 'CAP_SYS_ADMIN', sethostname: 'CAP_SYS_ADMIN',
  setdomainname: 'CAP_SYS_ADMIN', swapon: 'CAP_SYS_ADMIN', swapoff: 'CAP_SYS_ADMIN', setns: 'CAP_SYS_ADMIN',
  fsopen: 'CAP_SYS_ADMIN', fsmount: 'CAP_SYS_ADMIN', move_mount: 'CAP_SYS_ADMIN', quotactl: 'CAP_SYS_ADMIN',
  reboot: 'CAP_SYS_BOOT', kexec_load: 'CAP_SYS_BOOT', kexec_file_load: 'CAP_SYS_BOOT',
  init_module: 'CAP_SYS_MODULE', finit_module: 'CAP_SYS_MODULE', delete_module: 'CAP_SYS_MODULE',
  settimeofday: 'CAP_SYS_TIME', clock_settime: 'CAP_SYS_TIME', stime: 'CAP_SYS_TIME',
  iopl: 'CAP_SYS_RAWIO', ioperm: 'CAP_SYS_RAWIO', acct: 'CAP_SYS_PACCT', syslog: 'CAP_SYSLOG',
  vhangup: 'CAP_SYS_TTY_CONFIG', bpf: 'CAP_BPF',
};

/** [level, option, capability] of setsockopt calls that need one (asm-generic numbers; mips's
 * SOL_SOCKET is 0xffff). */
const SOL_SOCKET = [1, 0xffff];
export const SOCKOPT_CAPABILITIES: readonly (readonly [readonly number[], number, string, string])[] = [
  [SOL_SOCKET, 25, 'CAP_NET_RAW', 'SO_BINDTODEVICE'],
  [SOL_SOCKET, 36, 'CAP_NET_ADMIN', 'SO_MARK'],
  [SOL_SOCKET, 32, 'CAP_NET_ADMIN', 'SO_SNDBUFFORCE'],
  [SOL_SOCKET, 33, 'CAP_NET_ADMIN', 'SO_RCVBUFFORCE'],
  [[0], 19, 'CAP_NET_ADMIN', 'IP_TRANSPARENT'],
  [[41], 75, 'CAP_NET_ADMIN', 'IPV6_TRANSPARENT'],
];

const SOCK_RAW = 3;
const SOCK_PACKET = 10;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
/** Pseudo file systems whose permission checks are not the mode bits'. */
const PSEUDO = ['/proc', '/sys', '/dev/pts'];
const MAX_REASONS = 3;
const OWNER_CALLS = /^(l|f)?ch(own|mod)|^fchmodat|^fchownat|^utime/;

export interface InferenceInputs {
  evidence: readonly Evidence[];
  /** every syscall name the trace counted */
  syscalls: readonly string[];
  host: HostFacts;
  /** supplementary groups of a uid (initgroups), for permission checks */
  groupsOf: (ids: Ids) => readonly number[];
}

export function inferCapabilities(inputs: InferenceInputs): InferredCapabilities {
  const found = new Map<string, string[]>();
  const notes = new Set<string>();
  const need = (cap: string, why: string): void => {
    const reasons = found.get(cap) ?? [];
    if (!reasons.includes(why) && reasons.length < MAX_REASONS) reasons.push(why);
    found.set(cap, reasons);
  };
  for (const name of inputs.syscalls) {
    const cap = SYSCALL_CAPABILITIES[name];
    if (cap !== undefined) need(cap, `${name}()`);
  }
  if (inputs.syscalls.includes('capset')) notes.add('capset(): the service sets its own capabilities; one it keeps without using it is not in the trace (add it to the overlay if start fails)');
  for (const e of inputs.evidence) if (e.ok) inferOne(e, inputs, need, (n) => notes.add(n));
  const capabilities = Object.fromEntries([...found].sort(([a], [b]) => (a < b ? -1 : 1)));
  return { capabilities, notes: [...notes] };
}

type Need = (cap: string, why: string) => void;

function inferOne(e: Evidence, inputs: InferenceInputs, need: Need, note: (n: string) => void): void {
  switch (e.kind) {
    case 'bind':
      if (e.port > 0 && e.port < 1024) need('CAP_NET_BIND_SERVICE', `bind ${e.address}`);
      return;
    case 'socket':
      if (e.family === 'AF_PACKET' || ((e.type & 0xf) === SOCK_RAW && e.family !== 'AF_NETLINK') || (e.type & 0xf) === SOCK_PACKET) {
        need('CAP_NET_RAW', `socket(${e.family}, ${(e.type & 0xf) === SOCK_RAW ? 'SOCK_RAW' : `type ${e.type & 0xf}`})`);
      }
      return;
    case 'sockopt':
      for (const [levels, name, cap, what] of SOCKOPT_CAPABILITIES) if (levels.includes(e.level) && e.name === name) need(cap, `setsockopt ${what}`);
      return;
    case 'setid': return inferSetId(e, need);
    case 'fchown':
      if (e.ids.uid === 0 && (e.owner !== -1 || e.group !== -1)) need('CAP_CHOWN', `fchown to ${e.owner}:${e.group}`);
      return;
    case 'kill': return inferKill(e, need, note);
    case 'file': return inferFile(e, inputs, need);
  }
}

function inferSetId(e: Extract<Evidence, { kind: 'setid' }>, need: Need): void {
  const gid = e.syscall.includes('gid') || e.syscall.startsWith('setgroups');
  const current = gid ? e.ids.gid : e.ids.uid;
  // setgroups always needs CAP_SETGID; the others only to become someone else
  if (!e.syscall.startsWith('setgroups') && e.to.every((id) => id === current)) return;
  need(gid ? 'CAP_SETGID' : 'CAP_SETUID', `${e.syscall}(${e.to.join(', ')})`);
}

function inferKill(e: Extract<Evidence, { kind: 'kill' }>, need: Need, note: (n: string) => void): void {
  if (e.target <= 0) return; // process groups and "everyone": the members are not known
  if (e.targetIds === undefined) {
    note(`${e.syscall}(${e.target}, ${e.signal}): a process outside the service; a jail with its own pid namespace cannot reach it`);
    return;
  }
  if (e.targetIds.uid !== e.ids.uid) need('CAP_KILL', `${e.syscall} of a process of uid ${e.targetIds.uid} by uid ${e.ids.uid}`);
}

/** Opens, execs, creations and ownership changes the mode bits would refuse to the caller. */
function inferFile(e: Extract<Evidence, { kind: 'file' }>, inputs: InferenceInputs, need: Need): void {
  if (e.syscall === 'chroot' || e.syscall.startsWith('mknod')) {
    if (e.syscall === 'chroot') need('CAP_SYS_CHROOT', `chroot ${e.path}`);
    else if (e.mode === S_IFCHR || e.mode === S_IFBLK) need('CAP_MKNOD', `${e.syscall} ${e.path}`);
  }
  if (PSEUDO.some((p) => isWithin(e.path, p))) return;
  const { host } = inputs;
  const groups = [e.ids.gid, ...inputs.groupsOf(e.ids)];
  if (/^(l|f)?chown/.test(e.syscall) && e.ids.uid === 0) need('CAP_CHOWN', `${e.syscall} ${e.path}`);
  if (/^(chmod|fchmodat|utimes|utimensat)/.test(e.syscall)) {
    const info = resolveRealPath(host, e.path)?.info;
    if (info !== undefined && info.uid !== e.ids.uid) need('CAP_FOWNER', `${e.syscall} ${e.path} (owner ${info.uid}, caller uid ${e.ids.uid})`);
  }
  const creates = e.uses.includes('create') || e.uses.includes('remove');
  const target = creates ? dirname(e.path) : e.path;
  for (const dir of [...ancestors(target), ...(creates ? [target] : [])]) {
    if (!allows(host, dir, e.ids, groups, 1)) return need('CAP_DAC_READ_SEARCH', `search ${dir} as uid ${e.ids.uid}`);
  }
  if (creates && !allows(host, target, e.ids, groups, 2)) return need('CAP_DAC_OVERRIDE', `${e.syscall} in ${target} as uid ${e.ids.uid}`);
  // changing owner, mode or times is decided by ownership (above), not by write permission
  if (OWNER_CALLS.test(e.syscall)) return;
  if (e.uses.includes('write') && !allows(host, e.path, e.ids, groups, 2)) return need('CAP_DAC_OVERRIDE', `write ${e.path} as uid ${e.ids.uid}`);
  if (e.uses.includes('exec') && !allows(host, e.path, e.ids, groups, 1)) return need('CAP_DAC_OVERRIDE', `exec ${e.path} as uid ${e.ids.uid}`);
  if (e.uses.includes('read') && !allows(host, e.path, e.ids, groups, 4)) need('CAP_DAC_READ_SEARCH', `read ${e.path} as uid ${e.ids.uid}`);
}

/** The mode bits' answer for `want` (4 read, 2 write, 1 execute/search); true when the path is
 * gone (nothing to judge). */
function allows(host: HostFacts, path: string, ids: Ids, groups: readonly number[], want: number): boolean {
  const info = resolveRealPath(host, path)?.info;
  if (info === undefined) return true;
  const bits = info.uid === ids.uid ? (info.mode >> 6) & 7 : groups.includes(info.gid) ? (info.mode >> 3) & 7 : info.mode & 7;
  return (bits & want) === want;
}
