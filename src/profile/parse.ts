// A seccomp profile file's text -> ParsedProfile, for any format (OCI runtime-spec linux.seccomp,
// procd legacy, Docker/Podman; detected from the keys). Every finding is collected and returned
// at once, one line each: `FILE: JSON-PATH: what is wrong and what is accepted`. What runc, crun
// or procd accept is a warning (an error with `strict`); floods are summarized (findings.ts).
// Pure: the caller reads the file.
import validateDocker from '../generated/seccomp-docker.validate.js';
import validateLegacy from '../generated/seccomp-legacy.validate.js';
import validateOci from '../generated/seccomp-oci.validate.js';
import { JailctlError } from '../errors.js';
import { describeSchemaErrors, type SchemaFinding } from '../schema/format-errors.js';
import { describeJsonSyntaxError } from '../schema/json-syntax.js';
import { showString } from '../schema/safe-text.js';
import { resolveArch, type ArchName } from './arch.js';
import { checkProfile } from './check.js';
import { decideDocker, isDockerFormat, type DockerOptions, type DockerProfile } from './docker.js';
import { formatFindings, sortFindings } from './findings.js';
import { convertLegacy, convertOci, detectFormat, type OciProfile, type ParsedProfile, type Problem, type ProfileFormat } from './formats.js';
import { approximate, parseJsonExact } from './json-exact.js';
import { nearestName } from './nearest.js';

export { formatProblem } from './findings.js';

export interface ParseOptions {
  /**
   * The arch the profile is checked for (syscall names, execve, program size). Without it only
   * the format is checked: enough to merge, diff or explain, not to compile.
   */
  arch?: ArchName | string;
  /** refuse what runc, crun or procd would accept with a warning (unknown names, duplicates ...) */
  strict?: boolean;
  /**
   * Checked for `jailctl run` on this host: it loads the filter before the program's execve, so
   * execve must be allowed (unless `execveAnswered`, as `run` has it: its pid 1 answers the first
   * one), and it has no listener for the profile's own SCMP_ACT_NOTIFY, so that is refused.
   */
  forRun?: boolean;
  /** the runtime answers the program's first execve itself: the profile need not allow it */
  execveAnswered?: boolean;
  /** what a Docker-format profile is decided for; its arch defaults to `arch` */
  docker?: DockerOptions;
}

export interface ParseResult {
  /** the format the text was read as; undefined when it is not JSON */
  format?: ProfileFormat;
  /** undefined when the text is not a profile at all (bad JSON, schema errors) */
  parsed: ParsedProfile | undefined;
  /** one line per problem, `FILE: PATH: message`; empty when the profile can be used */
  problems: string[];
  /** one line per warning: accepted, with the part named ignored (empty under `strict`) */
  warnings: string[];
}

const VALIDATORS = { oci: validateOci, legacy: validateLegacy, docker: validateDocker };

/** Parse and check; problems are returned, never thrown. */
export function parseProfile(text: string, file: string, options: ParseOptions = {}): ParseResult {
  let json: unknown;
  try {
    json = parseJsonExact(text);
  } catch {
    // JSON.parse's message quotes the text, which may be a secret file given by mistake
    return { parsed: undefined, problems: [`${file}: ${describeJsonSyntaxError(text)}`], warnings: [] };
  }
  const format = detectFormat(json, isDockerFormat);
  const validate = VALIDATORS[format];
  const shape = approximate(json);
  const findings: Problem[] = [];
  if (!validate(shape)) findings.push(...describeSchemaErrors(shape, validate.errors ?? []).map((f) => schemaProblem(f, format)));
  const strict = options.strict === true;
  if (findings.some((p) => p.warning === undefined)) return { format, parsed: undefined, ...lines(file, findings, strict) };
  const target = options.arch === undefined ? undefined : resolveArch(options.arch).name;
  // the schemas above guarantee the shapes the converters read
  const parsed = convert(format, json, findings, dockerOptions(options.docker, target));
  if (target !== undefined) {
    const usable = !findings.some((p) => p.warning === undefined);
    findings.push(...checkProfile(parsed, target, { compile: usable, forRun: options.forRun === true, execveAnswered: options.execveAnswered === true }));
  }
  return { format, parsed, ...lines(file, findings, strict) };
}

function convert(format: ProfileFormat, json: unknown, findings: Problem[], docker: DockerOptions): ParsedProfile {
  if (format === 'legacy') return convertLegacy(json as Parameters<typeof convertLegacy>[0]);
  if (format === 'oci') return convertOci(json as OciProfile, findings);
  const { oci, origin } = decideDocker(json as DockerProfile, docker, findings);
  return convertOci(oci, findings, origin);
}

function dockerOptions(given: DockerOptions | undefined, target: ArchName | undefined): DockerOptions {
  const arch = given?.arch ?? target;
  return arch === undefined ? { ...given } : { ...given, arch };
}

function lines(file: string, findings: readonly Problem[], strict: boolean): { problems: string[]; warnings: string[] } {
  const { errors, warnings } = sortFindings(findings, strict);
  return { problems: formatFindings(file, errors), warnings: formatFindings(file, warnings) };
}

/** Keys each object of each format has, for "did you mean" on an unknown one. */
const OCI_TOP = ['defaultAction', 'defaultErrnoRet', 'architectures', 'flags', 'listenerPath', 'listenerMetadata', 'syscalls', 'comment'];
const OCI_ENTRY = ['names', 'action', 'errnoRet', 'args', 'comment'];
const KNOWN_KEYS: Readonly<Record<ProfileFormat, Readonly<Record<string, readonly string[]>>>> = {
  oci: { top: OCI_TOP, entry: OCI_ENTRY, arg: ['index', 'value', 'valueTwo', 'op'] },
  docker: {
    top: [...OCI_TOP, 'defaultErrno', 'archMap'], entry: [...OCI_ENTRY, 'name', 'errno', 'includes', 'excludes'],
    arg: ['index', 'value', 'valueTwo', 'op'], filter: ['caps', 'arches', 'minKernel'], archMap: ['architecture', 'subArchitectures'],
  },
  legacy: { top: ['whitelist', 'policy'] },
};

/** An unknown key is ignored, as runc, dockerd and procd ignore it; every other schema error is an error. */
function schemaProblem(finding: SchemaFinding, format: ProfileFormat): Problem {
  if (finding.unknownKey === undefined) return { path: finding.path, message: finding.message };
  const key = finding.unknownKey;
  const where = /\/args\/\d+$/.test(finding.path) ? 'arg' : /\/(in|ex)cludes$/.test(finding.path) ? 'filter'
    : /^\/archMap\/\d+$/.test(finding.path) ? 'archMap' : /^\/syscalls\/\d+$/.test(finding.path) ? 'entry' : 'top';
  const near = nearestName(key, KNOWN_KEYS[format][where] ?? []);
  const guess = near === undefined ? '' : ` (did you mean "${near}"?)`;
  return { path: finding.path, message: `unknown key ${showString(key)}${guess} is ignored, as runc ignores it`, warning: 'unknown-key', subject: key };
}

/** Parse and check, or throw one PROFILE_INVALID error listing every problem. */
export function parseProfileOrThrow(text: string, file: string, options: ParseOptions & { warn?: (line: string) => void } = {}): ParsedProfile {
  const { format, parsed, problems, warnings } = parseProfile(text, file, options);
  if (parsed === undefined || problems.length > 0) {
    const hint = parsed === undefined
      ? `the format is in profiles/schema/seccomp-${format ?? 'oci'}.schema.json`
      : `fix the profile; \`jailctl profile check ${file}\` lists the same problems, \`jailctl profile explain ${file}\` what each rule does`;
    throw new JailctlError('PROFILE_INVALID', problems.join('\n'), { path: file, hint });
  }
  for (const line of warnings) options.warn?.(line);
  return parsed;
}
