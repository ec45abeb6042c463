// Findings about a profile: which are warnings (runc, crun or procd accept the profile and jailctl
// ignores the part named) and which are errors, `--strict` turning warnings into errors, and the
// lines the user sees: one per finding, `FILE: JSON-PATH: message`, capped per kind so that a
// profile with 10,000 duplicate names gives a few lines and one summary, not a flood. Pure.
import type { Problem } from './formats.js';

/**
 * What runc, crun or procd accept but a careful author would not write. Each is a warning that
 * says what jailctl does with it (the same as they do), and an error under --strict.
 */
export type WarningKind =
  | 'unknown-key'        // a key no format has: ignored (Go's JSON decoder does the same)
  | 'unknown-syscall'    // a name with no number on any ABI the filter decides for: skipped there
  | 'duplicate-rule'     // the same syscall, conditions and action twice: kept once
  | 'contradictory-rule' // the same syscall and conditions with another action: the first wins
  | 'unused-rule'        // a rule after an unconditional one for its syscall: never reached
  | 'no-names'           // "names": [] or null: the entry does nothing
  | 'unused-field'       // errnoRet on a non-errno action, valueTwo on a non-MASKED_EQ test
  | 'errno-clamped'      // errnoRet 4095 or more: the kernel returns 4095, libseccomp refuses it
  | 'listener-unused'    // listenerPath without any SCMP_ACT_NOTIFY: nothing to listen to
  | 'notify'             // SCMP_ACT_NOTIFY compiled, but no listener here: the call fails ENOSYS
  | 'no-execve';         // execve refused: only a runtime that loads the filter after execve runs it

/** Lines shown per warning kind (and for errors) before the rest is summarized in one line. */
export const LINES_PER_KIND = 3;
export const ERROR_LINES = 10;

const KIND_NOUN: Readonly<Record<WarningKind | 'error', string>> = {
  'unknown-key': 'unknown keys (ignored)',
  'unknown-syscall': 'names that are not syscalls there (skipped)',
  'duplicate-rule': 'duplicate rules (kept once)',
  'contradictory-rule': 'contradictory rules (the first one wins)',
  'unused-rule': 'rules that are never used',
  'no-names': 'entries without names',
  'unused-field': 'values that are not used',
  'errno-clamped': 'errno values of 4095 or more',
  'listener-unused': 'listener settings',
  notify: 'SCMP_ACT_NOTIFY rules',
  'no-execve': 'execve findings',
  error: 'problems',
};

export interface SortedFindings {
  /** the profile cannot be used: schema errors, values no runtime accepts ... (and warnings under strict) */
  errors: Problem[];
  /** accepted, with the part named ignored as runc/crun/procd ignore it */
  warnings: Problem[];
}

/** Warnings stay warnings, unless `strict`: then every finding is an error. */
export function sortFindings(problems: readonly Problem[], strict: boolean): SortedFindings {
  if (strict) return { errors: [...problems], warnings: [] };
  return { errors: problems.filter((p) => p.warning === undefined), warnings: problems.filter((p) => p.warning !== undefined) };
}

export function formatProblem(file: string, problem: Problem): string {
  return `${problem.file ?? file}: ${problem.path}: ${problem.message}`;
}

/**
 * One line per finding, in order, but at most LINES_PER_KIND of one warning kind (ERROR_LINES
 * of errors); the rest of each kind becomes one line saying how many, where the first is, and
 * which syscalls or keys they name.
 */
export function formatFindings(file: string, problems: readonly Problem[]): string[] {
  const groups = new Map<string, Problem[]>();
  for (const p of problems) {
    const kind = p.warning ?? 'error';
    const list = groups.get(kind) ?? [];
    list.push(p);
    groups.set(kind, list);
  }
  const lines: string[] = [];
  for (const [kind, list] of groups) {
    const shown = kind === 'error' ? ERROR_LINES : LINES_PER_KIND;
    // a summary line for a single extra finding would be no shorter than the finding itself
    const cut = list.length > shown + 1 ? shown : list.length;
    lines.push(...list.slice(0, cut).map((p) => formatProblem(file, p)));
    if (cut < list.length) lines.push(summaryLine(file, kind as WarningKind | 'error', list.slice(cut)));
  }
  return lines;
}

function summaryLine(file: string, kind: WarningKind | 'error', rest: readonly Problem[]): string {
  const first = rest[0]!;
  const subjects = [...new Set(rest.flatMap((p) => (p.subject === undefined ? [] : [p.subject])))];
  const named = subjects.length === 0 ? '' : `: ${subjects.slice(0, 8).join(', ')}${subjects.length > 8 ? `, ... (${subjects.length} distinct)` : ''}`;
  return `${first.file ?? file}: ${rest.length} more ${KIND_NOUN[kind]}, the next at ${first.path}${named}`;
}
