// The files a `trace --merge` folds its findings into (edge): read and checked before the program
// runs, and again when writing. Loaded only with --merge (outputs.ts): the profile parser and the
// schema validators are much of what a plain trace would otherwise load at start.
import { existsSync } from 'node:fs';
import { JailctlError } from '../errors.js';
import validateJailSpec from '../generated/jail-spec.validate.js';
import { readInputText } from '../io/input-file.js';
import { INPUT_LIMITS, type InputLimit } from '../io/input-limits.js';
import { hostDockerOptions } from '../io/profile-io.js';
import type { ParsedProfile } from '../profile/formats.js';
import { parseProfileOrThrow } from '../profile/parse.js';
import { parseStats, type TraceStats } from '../profile/stats.js';
import { formatSchemaErrors } from '../schema/format-errors.js';
import { describeJsonSyntaxError } from '../schema/json-syntax.js';
import type { MountSpec } from './mounts-from-trace.js';
import type { TraceOutputs } from './outputs.js';

/** Every output file that exists is one jailctl can merge into: a bad one fails before the run. */
export function checkMergeInputs(outputs: TraceOutputs): void {
  if (outputs.profile !== undefined && existsSync(outputs.profile)) readExistingProfile(outputs.profile);
  if (outputs.stats !== undefined && existsSync(outputs.stats)) readExistingStats(outputs.stats);
  if (outputs.mounts !== undefined && existsSync(outputs.mounts)) readExistingMounts(outputs.mounts);
}

export function readExistingProfile(file: string): ParsedProfile {
  return parseProfileOrThrow(readText(file, '-o', INPUT_LIMITS.profile), file, { docker: hostDockerOptions() });
}

export function readExistingStats(file: string): TraceStats {
  return parseStats(readText(file, '--stats', INPUT_LIMITS.stats), file);
}

export function readExistingMounts(file: string): MountSpec {
  const text = readText(file, '--mounts', INPUT_LIMITS.spec);
  const hint = 'merge into a file jailctl trace wrote, or drop --merge';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new JailctlError('SPEC_INVALID', `--mounts ${file}: ${describeJsonSyntaxError(text)}`, { path: file, hint });
  }
  // the mount list is a jail spec (for `run --spec`): anything else must not be merged into one
  if (!validateJailSpec(json)) throw new JailctlError('SPEC_INVALID', formatSchemaErrors(`--mounts ${file}`, json, validateJailSpec.errors ?? []).join('\n'), { path: file, hint });
  return json as MountSpec;
}

/** An output file that exists, read to merge into; it must be a regular file (with --merge,
 * `-o /dev/stdout` has nothing to merge from). */
function readText(file: string, what: string, limit: InputLimit): string {
  try {
    return readInputText(file, what, limit);
  } catch (err) {
    if (!(err instanceof JailctlError) || err.hint === undefined) throw err;
    throw new JailctlError(err.code, err.message, { path: file, cause: err, hint: `${err.hint}; or drop --merge` });
  }
}
