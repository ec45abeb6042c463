// Writing what a trace found (edge): the profile (-o), the stats file (--stats) and the mount
// list (--mounts), each atomically, each merged with the file already there when --merge is
// given (those files are read by merge-inputs.ts). The pure builders are profile-from-trace.ts and
// mounts-from-trace.ts.
import { existsSync } from 'node:fs';
import { checkWritable, writeFileAtomic } from '../io/write-atomic.js';
import { createHostFs } from '../jail/host-fs.js';
import { memoizeHost } from '../jail/host-memo.js';
import type { Action } from '../profile/model.js';
import { applyRuntimePreset, type RuntimeName } from '../profile/presets.js';
import { serializeOci } from '../profile/serialize.js';
import type { TraceResult } from './aggregate.js';
import type * as MergeInputs from './merge-inputs.js';
import { buildMountsFromTrace, mergeMountSpecs, type MountOptions, type MountSpec } from './mounts-from-trace.js';
import { buildProfileFromCounts, buildTraceStats, countsOfStats, mergeTraceStats, mergeTracedProfile, totalCounts, type CallCounts } from './profile-from-trace.js';

/** What reads the files a --merge folds into (merge-inputs.ts, loaded only then). */
export type MergeReader = typeof MergeInputs;

export interface TraceOutputs {
  /** -o: the OCI profile; without it the profile is returned as text */
  profile?: string;
  stats?: string;
  mounts?: string;
  /** fold each file that exists into the new one instead of replacing it */
  merge: boolean;
  /** the profile's default action (else kill-process, or the merged profile's own) */
  defaultAction?: Action;
  /** --for: add what this OCI runtime's init does after loading the filter */
  runtime?: RuntimeName;
}

/** Every output can be written: a path that cannot fails before the program runs, not after. */
export function checkOutputsWritable(outputs: TraceOutputs): void {
  for (const [flag, path] of [['-o', outputs.profile], ['--stats', outputs.stats], ['--mounts', outputs.mounts]] as const) {
    if (path !== undefined) checkWritable(path, `${flag} names where to write; check that its directory exists and is writable (nothing was run)`);
  }
}

/** With --merge, the files to merge into are read first: a bad one fails before the program runs.
 * Returns their reader for writeTraceOutputs (undefined without --merge). */
export async function checkMergeInputs(outputs: TraceOutputs): Promise<MergeReader | undefined> {
  if (!outputs.merge) return undefined;
  const reader = await import('./merge-inputs.js');
  reader.checkMergeInputs(outputs);
  return reader;
}

/** `merge` is what checkMergeInputs returned: the files to fold into are read again now. */
export function writeTraceOutputs(result: TraceResult, outputs: TraceOutputs, mountOptions: MountOptions, warn: (line: string) => void, merge?: MergeReader): { lines: string[]; profileText?: string } {
  const lines: string[] = [];
  let counts: CallCounts = result.counts;
  if (outputs.stats !== undefined) {
    let stats = buildTraceStats(result);
    const merged = merge !== undefined && existsSync(outputs.stats);
    if (merged) stats = mergeTraceStats(merge.readExistingStats(outputs.stats), stats);
    counts = countsOfStats(stats);
    writeFileAtomic(outputs.stats, `${JSON.stringify(stats, null, 2)}\n`);
    lines.push(`wrote ${outputs.stats} (${Object.keys(stats.counts).length} syscalls, ${stats.files.length} files${merged ? ', merged' : ''})`);
  }
  const profileText = profileOf(result, outputs, counts, warn, merge);
  if (outputs.profile !== undefined) {
    writeFileAtomic(outputs.profile, profileText.text);
    lines.push(`wrote ${outputs.profile} (${profileText.syscalls} syscalls${profileText.merged ? ', merged' : ''})`);
  }
  if (outputs.mounts !== undefined) lines.push(writeMounts(result, outputs.mounts, merge, mountOptions, warn));
  return outputs.profile === undefined ? { lines, profileText: profileText.text } : { lines };
}

function profileOf(result: TraceResult, outputs: TraceOutputs, counts: CallCounts, warn: (line: string) => void, merge: MergeReader | undefined): { text: string; syscalls: number; merged: boolean } {
  const file = outputs.profile;
  const existing = file !== undefined && merge !== undefined && existsSync(file) ? { file, parsed: merge.readExistingProfile(file) } : undefined;
  // merged into a profile, the trace takes that profile's default unless told otherwise
  const defaultAction = outputs.defaultAction ?? existing?.parsed.profile.defaultAction;
  let profile = buildProfileFromCounts(result.counts, result.hostArch, { threaded: result.threads > 0, ...(defaultAction === undefined ? {} : { defaultAction }) });
  if (existing !== undefined) {
    const merged = mergeTracedProfile(existing, profile, totalCounts(counts));
    for (const note of merged.notes) warn(note);
    profile = merged.profile;
  }
  if (outputs.runtime !== undefined) {
    const preset = applyRuntimePreset(profile, outputs.runtime, profile.architectures);
    for (const note of preset.notes) warn(note);
    profile = preset.profile;
  }
  return { text: serializeOci(profile), syscalls: new Set(profile.rules.map((r) => r.syscall)).size, merged: existing !== undefined };
}

function writeMounts(result: TraceResult, file: string, merge: MergeReader | undefined, options: MountOptions, warn: (line: string) => void): string {
  // thousands of traced files share their directories: each is looked up once
  const { spec, notes } = buildMountsFromTrace(result, memoizeHost(createHostFs()), options);
  for (const note of notes) warn(note);
  const merged = merge !== undefined && existsSync(file);
  const out: MountSpec = merged ? mergeMountSpecs(merge.readExistingMounts(file), spec) : spec;
  writeFileAtomic(file, `${JSON.stringify(out, null, 2)}\n`);
  return `wrote ${file} (${(out.ro?.length ?? 0) + (out.rw?.length ?? 0)} binds${merged ? ', merged' : ''})`;
}
