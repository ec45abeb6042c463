// --rlimit NAME=SOFT[:HARD] -> setrlimit(2) steps with the host architecture's resource
// numbers (MIPS and SPARC number them differently). Pure.
import { JailctlError } from '../errors.js';

const GENERIC: Record<string, number> = {
  cpu: 0, fsize: 1, data: 2, stack: 3, core: 4, rss: 5, nproc: 6, nofile: 7, memlock: 8, as: 9,
  locks: 10, sigpending: 11, msgqueue: 12, nice: 13, rtprio: 14, rttime: 15,
};
const MIPS: Record<string, number> = { ...GENERIC, nofile: 5, as: 6, rss: 7, nproc: 8, memlock: 9 };

export const RLIM_INFINITY = (1n << 64n) - 1n;

export interface RlimitValue { soft: bigint; hard: bigint }

export function rlimitNumbers(arch: string): Record<string, number> {
  return arch.startsWith('mips') ? MIPS : GENERIC;
}

const SUFFIX: Record<string, bigint> = { '': 1n, k: 1024n, m: 1024n ** 2n, g: 1024n ** 3n, t: 1024n ** 4n };

/** "unlimited", "infinity", a number, or a size like 64M. */
export function parseLimitNumber(text: string, what: string): bigint {
  const t = text.trim().toLowerCase();
  if (t === 'unlimited' || t === 'infinity') return RLIM_INFINITY;
  const m = /^(\d+)([kmgt]?)b?$/.exec(t);
  if (m === null) throw new JailctlError('USAGE', `${what}: "${text}" is not a number, a size (64M) or "unlimited"`);
  const value = BigInt(m[1]!) * SUFFIX[m[2]!]!;
  if (value > RLIM_INFINITY) throw new JailctlError('USAGE', `${what}: "${text}" is too large`);
  return value;
}

/** Parses "SOFT[:HARD]" (HARD defaults to SOFT). */
export function parseRlimitValue(text: string, what: string): RlimitValue {
  const [softText, hardText, extra] = text.split(':');
  if (softText === undefined || softText === '' || extra !== undefined) {
    throw new JailctlError('USAGE', `${what}: expected SOFT[:HARD], got "${text}"`);
  }
  const soft = parseLimitNumber(softText, what);
  const hard = hardText === undefined ? soft : parseLimitNumber(hardText, what);
  if (soft > hard) throw new JailctlError('USAGE', `${what}: soft limit ${softText} is above hard limit ${hardText}`);
  return { soft, hard };
}

/** Checks a name against the host's table; the error lists the accepted names. */
export function rlimitNumber(name: string, arch: string, what: string): number {
  const table = rlimitNumbers(arch);
  const number = table[name.toLowerCase()];
  if (number === undefined) {
    throw new JailctlError('USAGE', `${what}: unknown resource "${name}"; expected one of ${Object.keys(table).join(', ')}`);
  }
  return number;
}
