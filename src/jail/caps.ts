// procd capabilities JSON (five sets of names) -> bit masks for the caps step. Pure.
// Names match case-insensitively, with or without the CAP_ prefix. For `jailctl run` an
// omitted set is empty: nothing is kept that the file does not name. For init scripts it means
// what it means to ujail: the set is left as it is (CAPS_UNCHANGED).
import { JailctlError } from '../errors.js';
import { describeJsonSyntaxError } from '../schema/json-syntax.js';
import { showString, showValue } from '../schema/safe-text.js';

/** linux/capability.h, in bit order. */
export const CAPABILITY_NAMES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER',
  'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

export const CAP_SETS = ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'] as const;
export type CapSetName = (typeof CAP_SETS)[number];
export type CapSets = Record<CapSetName, bigint>;

export const EMPTY_CAPS: CapSets = { bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n };

/** A set the caps step leaves as it is (all bits: ujail's JAIL_CAP_ALL). */
export const CAPS_UNCHANGED = -1n;

/** How a capabilities file's omitted sets are read. */
export type OmittedSets = 'empty' | 'unchanged';

/** linux/securebits.h */
export const SECBIT = {
  NOROOT: 1 << 0,
  NOROOT_LOCKED: 1 << 1,
  NO_SETUID_FIXUP: 1 << 2,
  NO_SETUID_FIXUP_LOCKED: 1 << 3,
  KEEP_CAPS_LOCKED: 1 << 5,
  NO_CAP_AMBIENT_RAISE: 1 << 6,
  NO_CAP_AMBIENT_RAISE_LOCKED: 1 << 7,
};

export function capabilityNumber(name: string): number | undefined {
  const upper = name.toUpperCase();
  const full = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  const index = (CAPABILITY_NAMES as readonly string[]).indexOf(full);
  return index < 0 ? undefined : index;
}

const CAPS_HINT = 'a capabilities file is JSON: {"bounding": ["CAP_NET_BIND_SERVICE"], "effective": [...], ...}';

/** Parses the JSON text of a capabilities file; `file` names it in errors. */
export function parseCapabilities(text: string, file: string, omitted: OmittedSets = 'empty'): CapSets {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // JSON.parse quotes the text: a file given by mistake (/etc/shadow) must not be shown
    throw new JailctlError('CAPS_INVALID', `${file}: ${describeJsonSyntaxError(text)}`, { path: file, hint: CAPS_HINT });
  }
  return buildCapSets(json, file, omitted);
}

export function buildCapSets(json: unknown, file: string, omitted: OmittedSets = 'empty'): CapSets {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new JailctlError('CAPS_INVALID', `${file}: expected an object with sets ${CAP_SETS.join(', ')}`, { path: file });
  }
  const none = omitted === 'empty' ? 0n : CAPS_UNCHANGED;
  const sets: CapSets = { bounding: none, effective: none, permitted: none, inheritable: none, ambient: none };
  for (const [key, value] of Object.entries(json)) {
    if (!(CAP_SETS as readonly string[]).includes(key)) {
      throw new JailctlError('CAPS_INVALID', `${file}: unknown capability set ${showString(key)}; expected one of ${CAP_SETS.join(', ')}`, { path: file });
    }
    if (!Array.isArray(value)) throw new JailctlError('CAPS_INVALID', `${file}: ${key} must be an array of capability names`, { path: file });
    sets[key as CapSetName] = value.reduce<bigint>((mask, name, i) => mask | bitOf(name, `${key}[${i}]`, file), 0n);
  }
  checkConsistency(sets, file);
  return sets;
}

function bitOf(name: unknown, where: string, file: string): bigint {
  const number = typeof name === 'string' ? capabilityNumber(name) : undefined;
  if (number === undefined) {
    const near = typeof name === 'string' ? nearestCapability(name) : undefined;
    throw new JailctlError('CAPS_INVALID', `${file}: ${where}: unknown capability ${showValue(name)}${near ? `; did you mean ${near}?` : ''}`, { path: file });
  }
  return 1n << BigInt(number);
}

/** The kernel refuses these combinations at run time; say so before anything starts. */
function checkConsistency(sets: CapSets, file: string): void {
  if (Object.values(sets).includes(CAPS_UNCHANGED)) return; // the kernel has the final word on a partial file
  const problems: [bigint, string][] = [
    [sets.effective & ~sets.permitted, 'effective capabilities must also be permitted'],
    [sets.ambient & ~(sets.permitted & sets.inheritable), 'ambient capabilities must also be permitted and inheritable'],
  ];
  for (const [extra, message] of problems) {
    if (extra !== 0n) throw new JailctlError('CAPS_INVALID', `${file}: ${message}: ${capabilityList(extra).join(', ')}`, { path: file });
  }
}

export function capabilityList(mask: bigint): string[] {
  if (mask < 0n) return ['(unchanged)'];
  return CAPABILITY_NAMES.filter((_, i) => (mask & (1n << BigInt(i))) !== 0n);
}

function nearestCapability(name: string): string | undefined {
  const upper = name.toUpperCase().replace(/^CAP_/, '');
  return CAPABILITY_NAMES.find((c) => c.slice(4).includes(upper) || upper.includes(c.slice(4)));
}

/**
 * The capability bounding set a Docker-format seccomp profile is decided for, as `--caps` of
 * the profile commands gives it: "docker" (undefined: Docker's default set), "none", "all", a
 * comma-separated list of names, or a procd capabilities JSON (its bounding set), read by `readText`.
 */
export function resolveCapsOption(value: string, readText: (file: string) => string): string[] | undefined {
  const word = value.trim().toLowerCase();
  if (word === 'docker') return undefined;
  if (word === 'none' || word === '') return [];
  if (word === 'all') return [...CAPABILITY_NAMES];
  if (value.endsWith('.json')) return capabilityList(parseCapabilities(readText(value), value).bounding);
  return value.split(',').map((name, i) => {
    const bit = capabilityNumber(name.trim());
    if (bit === undefined) {
      const near = nearestCapability(name.trim());
      throw new JailctlError('USAGE', `--caps ${value}: item ${i + 1}: unknown capability "${name.trim()}"${near ? `; did you mean ${near}?` : ''}`, {
        hint: 'give docker, none, all, names such as CAP_SYS_ADMIN,CAP_NET_ADMIN, or a capabilities JSON file',
      });
    }
    return CAPABILITY_NAMES[bit]!;
  });
}
