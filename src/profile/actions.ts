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
import { parseProfile, parseProfileOrThrow, type ParseOptions } from './parse.js';
import { applyRuntimePreset, missingForRuntime, runtimeCautions, type RuntimeName } from './presets.js';
import { serializeOci } from './serialize.js';
import { parseStats, statsFor } from './stats.js';

export interface ProfileIo {
  /** our name of the host's arch (the default target) */
  hostArch(): ArchName;
  /** the host kernel's release (uname -r): what Docker-format minKernel is compared with by default */
  kernelRelease(): string;
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
  /** warning lines for stderr (what was accepted and ignored) */
  warnings?: string[];
}

/** How profiles are read: strictness, and what a Docker-format profile is decided for. */
export interface ReadOptions {
  /** refuse what runc, crun or procd accept with a warning */
  strict?: boolean;
  /** Docker format: the capability bounding set (default: Docker's default capabilities) */
  caps?: readonly string[];
  /** Docker format: the kernel release minKernel is compared with (default: the host's) */
  kernel?: string;
}

/** `target`: the arch the profile is checked for (none: format only); `decideFor`: Docker format's arch. */
function parseOptions(io: ProfileIo, target: ArchName | undefined, opts: ReadOptions, decideFor = target ?? io.hostArch()): ParseOptions {
  const docker = { arch: decideFor, kernel: opts.kernel ?? io.kernelRelease(), ...(opts.caps === undefined ? {} : { caps: opts.caps }) };
  return { ...(target === undefined ? {} : { arch: target }), strict: opts.strict === true, docker };
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
  /** warning lines: accepted, with what they name ignored */
  warnings: string[];
  /** one OK line per good file */
  ok: string[];
}

export interface CheckOptions extends ReadOptions {
  /** also check that the runtime's own init can run under the profile (presets.ts) */
  runtime?: RuntimeName;
}

export function checkProfileFiles(files: readonly string[], arch: string | undefined, io: ProfileIo, opts: CheckOptions = {}): CheckReport {
  const target = targetOf(io, arch);
  const report: CheckReport = { problems: [], unreadable: 0, warnings: [], ok: [] };
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
    const { parsed, problems, warnings } = parseProfile(text, file, parseOptions(io, target, opts));
    const runtime = parsed === undefined || opts.runtime === undefined ? [] : runtimeFindings(file, parsed, target, opts.runtime);
    report.problems.push(...problems, ...(opts.strict ? runtime : []));
    report.warnings.push(...warnings, ...(opts.strict ? [] : runtime));
    if (parsed !== undefined && problems.length === 0 && !(opts.strict && runtime.length > 0)) report.ok.push(`${file}: OK (${summary(parsed, target)})`);
  }
  return report;
}

/** `check --for RUNTIME`: what the runtime's init needs that the profile refuses, and kill-thread. */
function runtimeFindings(file: string, parsed: ParsedProfile, target: ArchName, runtime: RuntimeName): string[] {
  const abis = compileFilter(parsed.profile, target).abis;
  const missing = missingForRuntime(parsed.profile, runtime, abis);
  const lines = runtimeCautions(parsed.profile, runtime).map((c) => `${file}: ${c}`);
  if (missing.length > 0) {
    lines.unshift(`${file}: ${runtime} needs ${missing.join(', ')} after loading the filter, and this profile refuses them: the container would not start; add them with \`jailctl profile merge ${file} --preset ${runtime} -o ${file}\``);
  }
  return lines;
}

function summary(parsed: ParsedProfile, target: ArchName): string {
  const names = new Set(parsed.profile.rules.map((r) => r.syscall)).size;
  const size = compileFilter(parsed.profile, target).instructions.length;
  const format = parsed.format === 'oci' ? 'OCI' : parsed.format === 'docker' ? dockerSummary(parsed) : 'procd legacy';
  return `${format}, ${names} syscalls, ${size} BPF instructions for ${target}`;
}

function dockerSummary(parsed: ParsedProfile): string {
  const d = parsed.docker!;
  return `Docker format decided for ${d.arch}, ${d.capsLabel}${d.kernel === undefined ? '' : `, kernel ${d.kernel}`}: ${d.kept} of ${d.entries} entries apply`;
}

/** Read a profile file and check it for `target`; any problem throws (exit 125). */
export function readProfile(file: string, target: ArchName | undefined, io: ProfileIo, opts: ReadOptions = {}, warnings: string[] = [], decideFor?: ArchName): ParsedProfile {
  return parseProfileOrThrow(io.readText(file, '', INPUT_LIMITS.profile), file, { ...parseOptions(io, target, opts, decideFor), warn: (line) => warnings.push(line) });
}

export interface CompileRequest extends ReadOptions {
  file: string;
  arch?: string;
  out?: string;
  format: BpfFormat;
  stats?: string;
}

export function compileProfileFile(req: CompileRequest, io: ProfileIo): Output {
  const target = targetOf(io, req.arch);
  const warnings: string[] = [];
  const parsed = readProfile(req.file, target, io, req, warnings);
  const stats = req.stats === undefined ? undefined : statsFor(parseStats(io.readText(req.stats, '--stats', INPUT_LIMITS.stats), req.stats), target);
  const filter = compileFilter(parsed.profile, target, stats === undefined ? {} : { stats });
  const data = formatFilter(filter, req.format);
  if (req.out !== undefined) {
    io.writeAtomic(req.out, data);
    return { stdout: `wrote ${req.out}: ${filter.instructions.length} BPF instructions for ${target} (${req.format})\n`, warnings };
  }
  if (req.format === 'raw' && io.stdoutIsTty) {
    throw new JailctlError('USAGE', 'profile compile: not writing raw BPF to a terminal', {
      hint: 'pass -o FILE, redirect stdout, or use --format hex or --format asm',
    });
  }
  return { stdout: data, warnings };
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

export interface MergeOptions extends ReadOptions {
  /** add what this runtime's init needs after loading the filter (presets.ts) */
  preset?: RuntimeName;
}

export function mergeProfileFiles(files: readonly string[], out: string, io: ProfileIo, opts: MergeOptions = {}): Output {
  const warnings: string[] = [];
  // each input checked as `profile check` checks it (for the host: names, program size ...)
  const host = io.hostArch();
  const inputs = files.map((file) => ({ file, parsed: readProfile(file, host, io, opts, warnings) }));
  const { profile: merged, conflicts, notes } = mergeProfiles(inputs);
  if (conflicts.length > 0) {
    throw new JailctlError('PROFILE_INVALID', conflicts.join('\n'), {
      hint: `${out} was not written: make the inputs agree on these syscalls, then merge again`,
    });
  }
  let profile = merged;
  if (opts.preset !== undefined) {
    // the preset's names exist on the ABIs the merged filter decides for, the host's by default
    const preset = applyRuntimePreset(merged, opts.preset, compileFilter(merged, io.hostArch()).abis);
    profile = preset.profile;
    notes.push(...(preset.added.length > 0 ? [`added for ${opts.preset}: ${preset.added.join(', ')}`] : []), ...preset.notes);
  }
  const text = serializeOci(profile);
  // what would not check must not replace OUT, which may be one of the inputs (an in-place merge)
  const { problems } = parseProfile(text, out, parseOptions(io, host, { ...opts, strict: false }));
  if (problems.length > 0) {
    throw new JailctlError('PROFILE_INVALID', problems.map((p) => `merged profile: ${p}`).join('\n'), { hint: `${out} was not written (the inputs check one by one, their union does not)` });
  }
  io.writeAtomic(out, text);
  const syscalls = new Set(profile.rules.map((r) => r.syscall)).size;
  return { stdout: [...notes.map((n) => `note: ${n}`), `wrote ${out}: ${syscalls} syscalls from ${files.length} profile${files.length === 1 ? '' : 's'}`].join('\n') + '\n', warnings };
}

export function diffProfileFiles(a: string, b: string, io: ProfileIo, opts: ReadOptions = {}): Output {
  const warnings: string[] = [];
  const lines = diffProfiles(
    { label: a, profile: readProfile(a, undefined, io, opts, warnings).profile },
    { label: b, profile: readProfile(b, undefined, io, opts, warnings).profile },
  );
  return { stdout: lines.length === 0 ? `${a} and ${b} mean the same\n` : `${lines.join('\n')}\n`, warnings };
}

export interface ExplainRequest extends ReadOptions {
  file: string;
  arch?: string;
  stats?: string;
}

export function explainProfileFile(req: ExplainRequest, io: ProfileIo): Output {
  const target = targetOf(io, req.arch);
  const warnings: string[] = [];
  const parsed = readProfile(req.file, undefined, io, req, warnings, target);
  const options = { label: req.file, arch: target };
  if (req.stats === undefined) return { stdout: explainProfile(parsed, options), warnings };
  const stats = statsFor(parseStats(io.readText(req.stats, '--stats', INPUT_LIMITS.stats), req.stats), target);
  return { stdout: explainProfile(parsed, { ...options, stats }), warnings };
}
