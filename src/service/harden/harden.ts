// `jailctl service NAME harden [--check|--remove]` (edge): trace the service as procd would run
// it, then write its overlay, the overlay's profile and the --check baseline into the overlay
// folder, and procd's equivalents (PROCD/seccomp/NAME.json, PROCD/capabilities/NAME.json) with
// the lines to add to the script; or run it hardened and report what now fails.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { JailctlError } from '../../errors.js';
import { writeFileAtomic } from '../../io/write-atomic.js';
import { createHostFs } from '../../jail/host-fs.js';
import { parseProfileOrThrow } from '../../profile/parse.js';
import { serializeOci } from '../../profile/serialize.js';
import { addCounts, buildProfileFromCounts, type CallCounts } from '../../trace/profile-from-trace.js';
import type { ServiceContext } from '../context.js';
import { buildCheckBaseline, buildOverlayInstance, type CheckBaseline } from './build.js';
import { checkHardenedRun } from './check.js';
import { overlayFiles, readOverlay, removeOverlay } from './overlay-file.js';
import { OVERLAY_VERSION, type OverlayInstance, type ServiceOverlay } from './overlay.js';
import { procdCapabilities, procdLines } from './procd-out.js';
import { runTracedService, type RunOptions, type TracedRun } from './run.js';

export const DEFAULT_PROCD_DIR = '/etc';

export interface HardenOptions extends RunOptions {
  /** where procd's files go: DIR/seccomp/NAME.json, DIR/capabilities/NAME.json */
  procdDir?: string;
  onWarning: (line: string) => void;
}

/** Traces, then writes every file; returns the report (files written, capabilities, procd lines). */
export async function hardenService(context: ServiceContext, options: HardenOptions): Promise<string[]> {
  const { runs, arch } = await runTracedService(context, 'trace', options);
  const usable = runs.filter((r) => Object.keys(r.result.counts).length > 0);
  if (usable.length === 0) {
    throw new JailctlError('JAIL_SETUP_FAILED', `${context.name}: the traced service made no syscall; nothing was written`, { hint: 'it probably failed to start: see the error above' });
  }
  const files = overlayFiles(context);
  const host = createHostFs();
  const overlay: ServiceOverlay = { version: OVERLAY_VERSION, service: context.name, instances: {} };
  const baseline: Record<string, CheckBaseline> = {};
  let counts: CallCounts = {};
  for (const run of usable) {
    const name = run.planned.instance.instance;
    const built = buildOverlayInstance({ spec: run.planned.instance.spec, executable: run.executable, result: run.result, evidence: run.evidence.evidence, host, seccomp: files.seccomp });
    for (const note of built.notes) options.onWarning(`instance "${name}": ${note}`);
    overlay.instances[name] = built.overlay;
    baseline[name] = buildCheckBaseline(run.evidence.evidence);
    counts = addCounts(counts, run.result.counts);
  }
  const profile = serializeOci(buildProfileFromCounts(counts, arch));
  mkdirSync(dirname(files.overlay), { recursive: true, mode: 0o755 });
  writeFileAtomic(files.seccomp, profile);
  writeFileAtomic(files.check, `${JSON.stringify({ version: OVERLAY_VERSION, instances: baseline }, null, 2)}\n`);
  writeFileAtomic(files.overlay, `${JSON.stringify(overlay, null, 2)}\n`);
  return [...summary(overlay, files.overlay), ...writeProcdFiles(context, options.procdDir ?? '/etc', usable, overlay, profile)];
}

function summary(overlay: ServiceOverlay, file: string): string[] {
  const lines = [`wrote ${file}`];
  for (const [name, inst] of Object.entries(overlay.instances)) {
    lines.push(`instance "${name}": namespaces ${inst.namespaces.join(',')}; read-only root; ${inst.ro.length} read-only and ${inst.rw.length} read-write binds; no_new_privs`);
    lines.push(`  capabilities: ${inst.capabilities.length === 0 ? 'none' : inst.capabilities.join(', ')}`);
    for (const [cap, why] of Object.entries(inst.why ?? {})) lines.push(`    ${cap}: ${why.join('; ')}`);
  }
  return lines;
}

/** procd's capabilities file holds every instance's capabilities (procd names one per instance,
 * scripts usually one per service). */
function writeProcdFiles(context: ServiceContext, procdDir: string, runs: readonly TracedRun[], overlay: ServiceOverlay, profile: string): string[] {
  const seccomp = join(procdDir, 'seccomp', `${context.name}.json`);
  const capabilities = join(procdDir, 'capabilities', `${context.name}.json`);
  const all = [...new Set(Object.values(overlay.instances).flatMap((i) => i.capabilities))].sort();
  for (const file of [seccomp, capabilities]) mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  writeFileAtomic(seccomp, profile);
  writeFileAtomic(capabilities, procdCapabilities(all));
  const lines = [`wrote ${seccomp} and ${capabilities} for procd + ujail; add to the script's instance:`];
  for (const run of runs) {
    const inst: OverlayInstance = overlay.instances[run.planned.instance.instance]!;
    const { lines: procd, notes } = procdLines(run.planned.instance.spec.name, run.planned.instance.spec, inst, { seccomp, capabilities });
    if (runs.length > 1) lines.push(`  # instance "${run.planned.instance.instance}"`);
    lines.push(...procd.map((l) => `  ${l}`), ...notes.map((n) => `  # ${n}`));
  }
  return lines;
}

/** Runs the hardened service traced; returns one line per call that now fails. */
export async function checkHardening(context: ServiceContext, options: RunOptions): Promise<string[]> {
  const overlay = readOverlay(context);
  const files = overlayFiles(context);
  if (overlay === undefined) throw new JailctlError('USAGE', `${context.name} has no hardening overlay (${files.overlay})`, { hint: `jailctl service ${context.name} harden` });
  const baseline = readCheckBaseline(files.check);
  const { runs } = await runTracedService(context, 'check', options);
  const lines: string[] = [];
  for (const run of runs) {
    const name = run.planned.instance.instance;
    const inst = overlay.instances[name];
    if (inst === undefined) continue;
    const profile = parseProfileOrThrow(readFileSync(inst.seccomp, 'utf8'), inst.seccomp).profile;
    if (run.exitCode === 125 && Object.keys(run.result.counts).length === 0) lines.push(`instance "${name}": the hardened jail could not be built (see above)`);
    const found = checkHardenedRun({
      baseline: baseline[name] ?? { ok: [], failed: [] },
      evidence: run.evidence.evidence,
      syscalls: Object.values(run.result.counts).flatMap((n) => Object.keys(n ?? {})),
      profile,
      ...(run.result.exit?.signal !== undefined ? { signal: run.result.exit.signal } : {}),
    });
    lines.push(...found.map((l) => `instance "${name}": ${l}`));
  }
  return lines;
}

function readCheckBaseline(file: string): Record<string, CheckBaseline> {
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as { instances?: Record<string, CheckBaseline> };
    return json.instances ?? {};
  } catch (err) {
    throw new JailctlError('IO_FAILED', `${file}: cannot read the traced run's calls (${(err as Error).message})`, { path: file, hint: 'harden the service again: it writes this file' });
  }
}

export { removeOverlay };
