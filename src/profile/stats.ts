// The stats file `jailctl trace --stats FILE` writes and `profile compile/explain --stats` read:
//   { "arch": "x86_64", "counts": { "read": 120, ... },
//     "countsByArch": { "i386": { ... } },            optional: calls of other ABIs
//     "files": [...], "sockets": [...] }              optional: what the trace saw
// Pure: the caller reads the file. Missing files/sockets/countsByArch are fine (empty).
import { JailctlError } from '../errors.js';
import { describeJsonSyntaxError } from '../schema/json-syntax.js';
import { isPlainText, showString, showValue } from '../schema/safe-text.js';
import { ARCH_NAMES, resolveArch, type ArchName } from './arch.js';
import type { SyscallStats } from './model.js';

/** A stats file's content. The trace command writes it: keep both sides in step. */
export interface TraceStats {
  /** the arch of the traced process (our arch name: x86_64, aarch64 ...) */
  arch: ArchName;
  /** calls per syscall name on `arch` */
  counts: Record<string, number>;
  /** calls of other ABIs the process used (i386 programs on x86_64 ...) */
  countsByArch: Partial<Record<ArchName, Record<string, number>>>;
  /** files the trace saw opened; the trace command defines the entries */
  files: unknown[];
  /** sockets the trace saw; the trace command defines the entries */
  sockets: unknown[];
}

const KNOWN_KEYS = ['arch', 'counts', 'countsByArch', 'files', 'sockets'];

export function parseStats(text: string, file: string): TraceStats {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalidStats([`${file}: ${describeJsonSyntaxError(text)}`]);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw invalidStats([`${file}: (top level): a stats file is a JSON object with "arch" and "counts"`]);
  }
  const obj = json as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(obj)) if (!KNOWN_KEYS.includes(key)) problems.push(`${file}: (top level): unknown key ${showString(key)} (accepted: ${KNOWN_KEYS.join(', ')})`);
  const arch = readArch(obj['arch'], `${file}: /arch`, problems);
  const counts = readCounts(obj['counts'], `${file}: /counts`, problems) ?? {};
  const countsByArch: TraceStats['countsByArch'] = {};
  const byArch = obj['countsByArch'];
  if (byArch !== undefined && (byArch === null || typeof byArch !== 'object' || Array.isArray(byArch))) {
    problems.push(`${file}: /countsByArch: must be an object of arch names to counts`);
  } else if (byArch !== undefined) {
    for (const [name, value] of Object.entries(byArch)) {
      const abi = readArch(name, `${file}: /countsByArch/${segment(name)}`, problems);
      const abiCounts = readCounts(value, `${file}: /countsByArch/${segment(name)}`, problems);
      if (abi !== undefined && abiCounts !== undefined) countsByArch[abi] = abiCounts;
    }
  }
  const files = readList(obj['files'], `${file}: /files`, problems);
  const sockets = readList(obj['sockets'], `${file}: /sockets`, problems);
  if (problems.length > 0 || arch === undefined) throw invalidStats(problems);
  return { arch, counts, countsByArch, files, sockets };
}

/** The counts to weigh a filter for `arch` with: its own, else the traced arch's (names mostly agree). */
export function statsFor(stats: TraceStats, arch: ArchName): SyscallStats {
  return arch === stats.arch ? stats.counts : stats.countsByArch[arch] ?? stats.counts;
}

function readArch(value: unknown, where: string, problems: string[]): ArchName | undefined {
  if (typeof value !== 'string') {
    problems.push(`${where}: must be an arch name (${ARCH_NAMES.join(', ')})`);
    return undefined;
  }
  try {
    return resolveArch(value).name;
  } catch {
    // resolveArch's message has no location; ours says where
    problems.push(`${where}: ${showString(value)} is not an architecture (accepted: ${ARCH_NAMES.join(', ')})`);
    return undefined;
  }
}

function readCounts(value: unknown, where: string, problems: string[]): Record<string, number> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${where}: must be an object of syscall names to call counts`);
    return undefined;
  }
  const counts: Record<string, number> = {};
  for (const [name, n] of Object.entries(value)) {
    if (typeof n === 'number' && Number.isInteger(n) && n >= 0) counts[name] = n;
    else problems.push(`${where}/${segment(name)}: ${showValue(n)} is not a call count (a whole number, 0 or more)`);
  }
  return counts;
}

/** A key of the file in a JSON path: itself, or its length when it could be a secret. */
function segment(key: string): string {
  return isPlainText(key) ? key : `<${key.length} characters>`;
}

function readList(value: unknown, where: string, problems: string[]): unknown[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  problems.push(`${where}: must be an array`);
  return [];
}

function invalidStats(lines: string[]): JailctlError {
  return new JailctlError('PROFILE_INVALID', lines.join('\n'), { hint: 'a stats file is what `jailctl trace --stats FILE` writes' });
}
