// A seccomp profile file's text -> ParsedProfile, for either format (OCI runtime-spec
// linux.seccomp or procd legacy, detected from the keys). Every problem is collected and
// returned at once, one line each: `FILE: JSON-PATH: what is wrong and what is accepted`.
// Pure: the caller reads the file.
import validateLegacy from '../generated/seccomp-legacy.validate.js';
import validateOci from '../generated/seccomp-oci.validate.js';
import { JailctlError } from '../errors.js';
import { formatSchemaErrors } from '../schema/format-errors.js';
import { describeJsonSyntaxError } from '../schema/json-syntax.js';
import { resolveArch, type ArchName } from './arch.js';
import { checkProfile } from './check.js';
import { convertLegacy, convertOci, detectFormat, type ParsedProfile, type Problem, type ProfileFormat } from './formats.js';
import { approximate, parseJsonExact } from './json-exact.js';

export interface ParseOptions {
  /**
   * The arch the profile is checked for (syscall names, execve, program size). Without it only
   * the format is checked: enough to merge, diff or explain, not to compile.
   */
  arch?: ArchName | string;
}

export interface ParseResult {
  /** the format the text was read as; undefined when it is not JSON */
  format?: ProfileFormat;
  /** undefined when the text is not a profile at all (bad JSON, schema errors) */
  parsed: ParsedProfile | undefined;
  /** one line per problem, `FILE: PATH: message`; empty when the profile is good */
  problems: string[];
}

export function formatProblem(file: string, problem: Problem): string {
  return `${problem.file ?? file}: ${problem.path}: ${problem.message}`;
}

/** Parse and check; problems are returned, never thrown. */
export function parseProfile(text: string, file: string, options: ParseOptions = {}): ParseResult {
  let json: unknown;
  try {
    json = parseJsonExact(text);
  } catch {
    // JSON.parse's message quotes the text, which may be a secret file given by mistake
    return { parsed: undefined, problems: [`${file}: ${describeJsonSyntaxError(text)}`] };
  }
  const format = detectFormat(json);
  const validate = format === 'legacy' ? validateLegacy : validateOci;
  const shape = approximate(json);
  if (!validate(shape)) {
    return { format, parsed: undefined, problems: formatSchemaErrors(file, shape, validate.errors ?? []) };
  }
  const problems: Problem[] = [];
  // the validators above guarantee the shapes convertOci/convertLegacy read
  const parsed = format === 'legacy' ? convertLegacy(json as Parameters<typeof convertLegacy>[0]) : convertOci(json as Parameters<typeof convertOci>[0], problems);
  if (options.arch !== undefined) problems.push(...checkProfile(parsed, resolveArch(options.arch).name, { compile: problems.length === 0 }));
  return { format, parsed, problems: problems.map((p) => formatProblem(file, p)) };
}

/** Parse and check, or throw one PROFILE_INVALID error listing every problem. */
export function parseProfileOrThrow(text: string, file: string, options: ParseOptions = {}): ParsedProfile {
  const { format, parsed, problems } = parseProfile(text, file, options);
  if (parsed === undefined || problems.length > 0) {
    const hint = parsed === undefined
      ? `the format is in profiles/schema/seccomp-${format ?? 'oci'}.schema.json`
      : `fix the profile; \`jailctl profile check ${file}\` lists the same problems, \`jailctl profile explain ${file}\` what each rule does`;
    throw new JailctlError('PROFILE_INVALID', problems.join('\n'), { path: file, hint });
  }
  return parsed;
}
