// What each `jailctl profile` subcommand does, given its parsed flags: read inputs, call the
// pure profile functions, and say what to print or write. Files are reached only through
// ProfileIo (src/io/profile-io.ts is the real one; tests pass a fake), so this stays pure.
import { JailctlError } from '../errors.js';
import { INPUT_LIMITS, type InputLimit } from '../io/input-limits.js';
import { ARCHES, resolveArch, type ArchName } from './arch.js';
import { decodeProgram, type Insn } from './bpf.js';
import { disassembleFilter } from './bpf-disasm.js';
import { compileFilter, type CompiledFilter } from './compile.js';
import { diffProfiles } from './diff.js';
import { explainProfile } from './explain.js';
import type { ParsedProfile } from './formats.js';
import { mergeProfiles } from './merge.js';
import { parseProfile, parseProfileOrThrow } from './parse.js';
import { serializeOci } from './serialize.js';
import { parseStats, statsFor } from './stats.js';

export interface ProfileIo {
  /** our name of the host's arch (the default target) */
  hostArch(): ArchName;
  /** whether stdout is a terminal (raw BPF is not written there) */
  readonly stdoutIsTty: boolean;
  /** whole regular files of at most `limit`; any problem throws a JailctlError naming `what`
   * (the option, or '' for a positional file) and the path */
  readText(path: string, what: string, limit: InputLimit): string;
  readBytes(path: string, what: string, limit: InputLimit): Uint8Array;
  /** temp file + rename: never a half-written file */
  writeAtomic(path: string, data: string | Uint8Array): void;
}

/** What a command prints on stdout; problems come as thrown JailctlErrors instead. */
export interface Output {
  stdout: string | Uint8Array;
}

export type BpfFormat = 'raw' | 'hex' | 'asm';

function targetOf(io: ProfileIo, arch: string | undefined): ArchName {
  if (arch === undefined) return io.hostArch();
  try {
    return resolveArch(arch).name;
  } catch (err) {
    throw prefixed(err, `--arch ${arch}: `);
  }
}

/** The same JailctlError with context in front of its message; anything else unchanged. */
function prefixed(err: unknown, prefix: string): unknown {
  if (!(err instanceof JailctlError)) return err;
  return new JailctlError(err.code, `${prefix}${err.message}`, err.hint === undefined ? { cause: err } : { hint: err.hint, cause: err });
}

export interface CheckReport {
  /** problem lines of every file (unreadable ones too) */
  problems: string[];
  /** how many files could not be read: their problems are not the profile's */
  unreadable: number;
  /** one OK line per good file */
  ok: string[];
}

export function checkProfileFiles(files: readonly string[], arch: string | undefined, io: ProfileIo): CheckReport {
  const target = targetOf(io, arch);
  const report: CheckReport = { problems: [], unreadable: 0, ok: [] };
  for (const file of files) {
    let text: string;
    try {
      text = io.readText(file, '', INPUT_LIMITS.profile);
    } catch (err) {
      if (!(err instanceof JailctlError)) throw err;
      report.problems.push(err.message);
      report.unreadable++;
      continue;
    }
    const { parsed, problems } = parseProfile(text, file, { arch: target });
    report.problems.push(...problems);
    if (parsed !== undefined && problems.length === 0) report.ok.push(`${file}: OK (${summary(parsed, target)})`);
  }
  return report;
}

function summary(parsed: ParsedProfile, target: ArchName): string {
  const names = new Set(parsed.profile.rules.map((r) => r.syscall)).size;
  const size = compileFilter(parsed.profile, target).instructions.length;
  return `${parsed.format === 'oci' ? 'OCI' : 'procd legacy'}, ${names} syscalls, ${size} BPF instructions for ${target}`;
}

/** Read a profile file and check it for `target`; any problem throws (exit 125). */
export function readProfile(file: string, target: ArchName | undefined, io: ProfileIo): ParsedProfile {
  return parseProfileOrThrow(io.readText(file, '', INPUT_LIMITS.profile), file, target === undefined ? {} : { arch: target });
}

export interface CompileRequest {
  file: string;
  arch?: string;
  out?: string;
  format: BpfFormat;
  stats?: string;
}

export function compileProfileFile(req: CompileRequest, io: ProfileIo): Output {
  const target = targetOf(io, req.arch);
  const parsed = readProfile(req.file, target, io);
  const stats = req.stats === undefined ? undefined : statsFor(parseStats(io.readText(req.stats, '--stats', INPUT_LIMITS.stats), req.stats), target);
  const filter = compileFilter(parsed.profile, target, stats === undefined ? {} : { stats });
  const data = formatFilter(filter, req.format);
  if (req.out !== undefined) {
    io.writeAtomic(req.out, data);
    return { stdout: `wrote ${req.out}: ${filter.instructions.length} BPF instructions for ${target} (${req.format})\n` };
  }
  if (req.format === 'raw' && io.stdoutIsTty) {
    throw new JailctlError('USAGE', 'profile compile: not writing raw BPF to a terminal', {
      hint: 'pass -o FILE, redirect stdout, or use --format hex or --format asm',
    });
  }
  return { stdout: data };
}

/** raw: struct sock_filter bytes; hex: one instruction (8 bytes) per line, as `xxd -r -p` reads; asm: listing. */
export function formatFilter(filter: CompiledFilter, format: BpfFormat): string | Uint8Array {
  if (format === 'raw') return filter.program;
  if (format === 'asm') return disassembleFilter(filter.instructions, { arch: filter.arch });
  const hex = Buffer.from(filter.program).toString('hex');
  return `${(hex.match(/.{16}/g) ?? []).join('\n')}\n`;
}

export function disassembleFile(file: string, arch: string | undefined, io: ProfileIo): Output {
  const target = targetOf(io, arch);
  const bytes = io.readBytes(file, '', INPUT_LIMITS.bpf);
  let insns: Insn[];
  try {
    insns = decodeProgram(bytes, ARCHES[target].endian);
  } catch (err) {
    throw prefixed(err, `${file}: `);
  }
  return { stdout: disassembleFilter(insns, { arch: target }) };
}

export function mergeProfileFiles(files: readonly string[], out: string, io: ProfileIo): Output {
  const inputs = files.map((file) => ({ file, parsed: readProfile(file, undefined, io) }));
  const { profile, conflicts, notes } = mergeProfiles(inputs);
  if (conflicts.length > 0) {
    throw new JailctlError('PROFILE_INVALID', conflicts.join('\n'), {
      hint: `${out} was not written: make the inputs agree on these syscalls, then merge again`,
    });
  }
  io.writeAtomic(out, serializeOci(profile));
  const syscalls = new Set(profile.rules.map((r) => r.syscall)).size;
  return { stdout: [...notes.map((n) => `note: ${n}`), `wrote ${out}: ${syscalls} syscalls from ${files.length} profiles`].join('\n') + '\n' };
}

export function diffProfileFiles(a: string, b: string, io: ProfileIo): Output {
  const lines = diffProfiles(
    { label: a, profile: readProfile(a, undefined, io).profile },
    { label: b, profile: readProfile(b, undefined, io).profile },
  );
  return { stdout: lines.length === 0 ? `${a} and ${b} mean the same\n` : `${lines.join('\n')}\n` };
}

export interface ExplainRequest {
  file: string;
  arch?: string;
  stats?: string;
}

export function explainProfileFile(req: ExplainRequest, io: ProfileIo): Output {
  const target = targetOf(io, req.arch);
  const parsed = readProfile(req.file, undefined, io);
  const options = { label: req.file, arch: target };
  if (req.stats === undefined) return { stdout: explainProfile(parsed, options) };
  const stats = statsFor(parseStats(io.readText(req.stats, '--stats', INPUT_LIMITS.stats), req.stats), target);
  return { stdout: explainProfile(parsed, { ...options, stats }) };
}
