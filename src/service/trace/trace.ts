// `jailctl service NAME trace` (edge): every instance runs once, traced inside the jail it will
// run in (same mounts, ids, capabilities; only the seccomp profile is left out, since it is what
// we are writing). It ends when the service exits, or on `service NAME stop` / Ctrl-C, and then
// each instance's profile goes to its `procd_set_param seccomp` path, or /tmp/NAME.json.
import { existsSync } from 'node:fs';
import { JailctlError } from '../../errors.js';
import { hostDockerOptions } from '../../io/profile-io.js';
import { readInputText } from '../../io/input-file.js';
import { INPUT_LIMITS } from '../../io/input-limits.js';
import { checkWritable, writeFileAtomic } from '../../io/write-atomic.js';
import type { LaunchPlan } from '../../jail/plan.js';
import { spawnLaunchPlan, TRACE_FD, type SpawnedJail } from '../../native/spawn.js';
import { archFromNode, type ArchName } from '../../profile/arch.js';
import { mergeProfiles } from '../../profile/merge.js';
import { parseProfileOrThrow } from '../../profile/parse.js';
import { serializeOci } from '../../profile/serialize.js';
import { buildTracedPlan } from '../../trace/trace-plan.js';
import { requireRoot, type ServiceContext } from '../context.js';
import { launcherAlive } from '../proc.js';
import { readServiceRecord, removeServiceRecord, writeServiceRecord, type InstanceRecord, type ServiceRecord } from '../record.js';
import { instanceRecord } from '../instances.js';
import { allInstancesPlanned, planService, type PlannedService } from '../start.js';
import { buildTracedProfile, type SyscallCount } from './trace-profile.js';

export interface TraceOptions {
  merge: boolean;
  /** one profile for every instance, instead of each instance's seccomp path */
  output?: string;
  /** what the script printed and jailctl's notes, as they are */
  onLines: (lines: readonly string[]) => void;
  onWarning: (line: string) => void;
  onStarted: (line: string) => void;
}

export interface TracedInstance {
  instance: string;
  output: string;
  plan: LaunchPlan;
  counts: SyscallCount[];
  jail?: SpawnedJail;
}

export interface TracePlan {
  planned: PlannedService;
  traced: TracedInstance[];
  records: Omit<InstanceRecord, 'launcherPid'>[];
}

/** The traced plan of every instance (the seccomp profile left out) and where its profile goes. */
export function planTrace(context: ServiceContext, output?: string, dryRun = false): TracePlan {
  const arch = archFromNode();
  const planned = planService(context, 'trace', { sandbox: dryRun });
  const instances = allInstancesPlanned(planned, context, 'trace');
  const traced: TracedInstance[] = instances.map(({ instance, plan }) => ({
    instance: instance.instance,
    output: output ?? instance.config.seccomp ?? `/tmp/${context.name}.json`,
    plan: buildTracedPlan(plan, arch, TRACE_FD),
    counts: [],
  }));
  return { planned, traced, records: instances.map((p) => instanceRecord(context, p)) };
}

/** Traces the service until it ends; resolves with one summary line per profile written. */
export async function traceService(context: ServiceContext, options: TraceOptions): Promise<string> {
  const arch = archFromNode();
  const { planned, traced, records } = planTrace(context, options.output);
  requireRoot('trace');
  const existing = readServiceRecord(context.stateDir, context.name);
  if (existing !== undefined && existing.instances.some((i) => launcherAlive(i.launcherPid))) {
    throw new JailctlError('USAGE', `${context.name} is running; stop it before tracing`, { hint: `jailctl service ${context.name} stop` });
  }
  // a profile that cannot be written fails now, not when the service has run
  for (const output of new Set(traced.map((t) => t.output))) checkWritable(output, 'check that the directory of the profile exists and is writable (nothing was started)');
  options.onLines(planned.lines);
  const record: ServiceRecord = { version: 1, name: context.name, script: planned.script, mode: 'trace', startedAt: Date.now(), tracerPid: process.pid, instances: [], description: planned.description, triggers: [] };
  for (const [i, t] of traced.entries()) {
    t.jail = spawnLaunchPlan(t.plan, (r) => { if (r.type === 'count') t.counts.push({ auditArch: r.auditArch, nr: r.nr, count: r.count }); });
    record.instances.push({ ...records[i]!, seccomp: null, launcherPid: t.jail.pid });
  }
  writeServiceRecord(context.stateDir, record);
  options.onStarted(`${context.name}: tracing (supervisor pid ${traced.map((t) => t.jail!.pid).join(', ')}); it ends when the service exits or on \`jailctl service ${context.name} stop\``);
  const forward = (): void => { for (const t of traced) t.jail?.kill('SIGTERM'); };
  process.on('SIGINT', forward).on('SIGTERM', forward);
  try {
    await Promise.all(traced.map((t) => t.jail!.exit));
  } finally {
    process.off('SIGINT', forward).off('SIGTERM', forward);
    removeServiceRecord(context.stateDir, context.name);
  }
  return writeProfiles(traced, arch, options);
}

/** One profile per output path (instances sharing a path share it); returns the summary. */
function writeProfiles(traced: readonly TracedInstance[], arch: ArchName, options: TraceOptions): string {
  const byOutput = new Map<string, SyscallCount[]>();
  for (const t of traced) byOutput.set(t.output, [...(byOutput.get(t.output) ?? []), ...t.counts]);
  const lines: string[] = [];
  for (const [output, counts] of byOutput) {
    if (counts.length === 0) {
      throw new JailctlError('JAIL_SETUP_FAILED', `the traced service made no syscall; ${output} was not written`, { hint: 'the jail probably failed to start: see the error above' });
    }
    const { profile, unknown } = buildTracedProfile(counts, arch);
    if (unknown.length > 0) options.onWarning(`syscall numbers without a name (left out of ${output}): ${unknown.join(', ')}`);
    let text = serializeOci(profile);
    if (options.merge && existsSync(output)) text = mergeWith(output, text, options);
    writeFileAtomic(output, text);
    lines.push(`wrote ${output} (${profile.rules.length} syscalls${options.merge ? ', merged' : ''})`);
  }
  return lines.join('\n');
}

function mergeWith(existingFile: string, tracedText: string, options: TraceOptions): string {
  const existing = parseProfileOrThrow(readInputText(existingFile, '', INPUT_LIMITS.profile), existingFile, { docker: hostDockerOptions() });
  const traced = parseProfileOrThrow(tracedText, '(trace)');
  const merged = mergeProfiles([{ file: existingFile, parsed: existing }, { file: '(trace)', parsed: traced }]);
  if (merged.conflicts.length > 0) {
    throw new JailctlError('PROFILE_INVALID', `cannot merge the trace into ${existingFile}:\n${merged.conflicts.join('\n')}`, { hint: 'trace without --merge, then merge by hand with `jailctl profile merge`' });
  }
  for (const note of merged.notes) options.onWarning(note);
  return serializeOci(merged.profile);
}
