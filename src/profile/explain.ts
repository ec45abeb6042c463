// A readable account of a profile for one arch (`jailctl profile explain FILE [--stats FILE]`):
// one table row per rule (syscall, action, conditions, calls when stats are given), then the
// default action, architectures, flags, the compiled size and notes on surprises
// (SCMP_ACT_KILL kills one thread only, names that do not exist on the arch). Pure.
import { JailctlError } from '../errors.js';
import { kernelGroupOf, type ArchName } from './arch.js';
import { syscallsMissingOn } from './check.js';
import { compileFilter } from './compile.js';
import { actionText, condsText } from './describe.js';
import type { ParsedProfile } from './formats.js';
import type { SyscallStats } from './model.js';

export interface ExplainOptions {
  /** label for the profile (its file name) */
  label: string;
  arch: ArchName;
  /** calls per syscall: adds a CALLS column and sorts by it */
  stats?: SyscallStats;
}

export function explainProfile(parsed: ParsedProfile, options: ExplainOptions): string {
  const { profile } = parsed;
  const { arch } = options;
  const lines = [
    `profile: ${options.label} (${formatLabel(parsed)}, ${profile.rules.length} rules)`,
    `default action: ${actionText(profile.defaultAction, arch)} (${parsed.defaultActionName}) for every syscall no rule matches`,
    `architectures: ${architecturesText(parsed, arch)}`,
    `flags: ${profile.flags.length === 0 ? 'none' : profile.flags.join(', ')}`,
    `program: ${programText(parsed, arch, options.stats)}`,
    '',
    ...table(parsed, options),
  ];
  const notes = explainNotes(parsed, options);
  if (notes.length > 0) lines.push('', 'notes:', ...notes.map((n) => `  - ${n}`));
  return `${lines.join('\n')}\n`;
}

function architecturesText(parsed: ParsedProfile, arch: ArchName): string {
  const group = kernelGroupOf(arch);
  const listed = parsed.profile.architectures;
  const compiled = group.filter((a) => a === arch || listed.includes(a));
  const skipped = listed.filter((a) => !group.includes(a));
  const parts = [`${compiled.join(', ')} (compiled; calls of any other ABI kill the process)`];
  if (skipped.length > 0) parts.push(`${skipped.join(', ')} (listed; a kernel for ${arch} never runs ${skipped.length === 1 ? 'it' : 'them'})`);
  if (parsed.ignoredArchitectures.length > 0) parts.push(`${parsed.ignoredArchitectures.join(', ')} (not supported by jailctl, ignored)`);
  return parts.join('; ');
}

function programText(parsed: ParsedProfile, arch: ArchName, stats: SyscallStats | undefined): string {
  try {
    const filter = compileFilter(parsed.profile, arch, stats === undefined ? {} : { stats });
    return `${filter.instructions.length} BPF instructions for ${arch}`;
  } catch (err) {
    if (err instanceof JailctlError) return `does not compile for ${arch}: ${err.message}`;
    throw err;
  }
}

function table(parsed: ParsedProfile, options: ExplainOptions): string[] {
  const { stats, arch } = options;
  const rows = parsed.profile.rules.map((rule, i) => ({
    order: i,
    cells: [rule.syscall, actionText(rule.action, arch), condsText(rule.args) || '-', ...(stats ? [String(stats[rule.syscall] ?? 0)] : [])],
    calls: stats?.[rule.syscall] ?? 0,
  }));
  // most called first; profile order (the order rules are tried in) breaks ties
  if (stats) rows.sort((a, b) => b.calls - a.calls || a.order - b.order);
  const header = ['SYSCALL', 'ACTION', 'CONDITIONS', ...(stats ? ['CALLS'] : [])];
  return formatTable([header, ...rows.map((r) => r.cells)]);
}

/** Left-aligned columns, numbers (the last column with stats) right-aligned. */
export function formatTable(rows: readonly string[][]): string[] {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length)));
  return rows.map((row) => row.map((cell, col) => {
    const last = col === row.length - 1;
    if (/^\d+$/.test(cell) || (last && cell === 'CALLS')) return cell.padStart(widths[col]!);
    return last ? cell : cell.padEnd(widths[col]!);
  }).join('  ').trimEnd());
}

function explainNotes(parsed: ParsedProfile, options: ExplainOptions): string[] {
  const notes: string[] = [];
  const written = [parsed.defaultActionName, ...parsed.sources.map((s) => s.actionName)];
  if (written.includes('SCMP_ACT_KILL')) {
    notes.push('SCMP_ACT_KILL is SCMP_ACT_KILL_THREAD: it kills only the calling thread and can leave a multithreaded service half alive; SCMP_ACT_KILL_PROCESS kills the whole process');
  }
  if (parsed.format === 'legacy' && parsed.profile.defaultAction.kind === 'KILL_THREAD') {
    notes.push('legacy policy 0 is SECCOMP_RET_KILL, which kills only the calling thread');
  }
  if (parsed.profile.defaultAction.kind === 'TRACE') {
    notes.push('TRACE hands the call to a ptrace tracer; without one the kernel fails it with ENOSYS');
  }
  const missing = syscallsMissingOn(parsed, options.arch);
  if (missing.length > 0) notes.push(`not syscalls on ${options.arch} (left out of its filter): ${missing.join(', ')}`);
  const stats = options.stats;
  if (stats !== undefined) {
    const named = new Set(parsed.profile.rules.map((r) => r.syscall));
    const unlisted = Object.entries(stats).filter(([name, n]) => n > 0 && !named.has(name)).sort((a, b) => b[1] - a[1]);
    if (unlisted.length > 0) {
      notes.push(`called but not in the profile (they get ${actionText(parsed.profile.defaultAction, options.arch)}): ${unlisted.map(([name, n]) => `${name} (${n})`).join(', ')}`);
    }
  }
  return notes;
}

function formatLabel(parsed: ParsedProfile): string {
  if (parsed.format === 'oci') return 'OCI runtime-spec';
  if (parsed.format === 'legacy') return 'procd legacy';
  const d = parsed.docker!;
  return `Docker format, decided for ${d.arch} with ${d.capsLabel}${d.kernel === undefined ? '' : ` on kernel ${d.kernel}`}: ${d.kept} of ${d.entries} entries apply`;
}
