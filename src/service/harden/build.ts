// A traced instance -> its hardening (pure; the host through HostFacts): the overlay entry
// (namespaces, read-only root, the traced binds, devices and sockets, capabilities with why),
// and the baseline `harden --check` compares a hardened run with. The mount list is the one
// `jailctl trace --mounts` writes (src/trace/mounts-from-trace.ts).
import type { HostFacts } from '../../jail/host.js';
import { isWithin } from '../../jail/host-paths.js';
import { parseGroup, parsePasswd } from '../../jail/ids.js';
import type { TraceResult } from '../../trace/aggregate.js';
import { buildMountsFromTrace, JAIL_DEV, type TraceJailMounts } from '../../trace/mounts-from-trace.js';
import type { InstanceSpec } from '../instance-spec.js';
import { inferCapabilities } from './capabilities.js';
import type { Evidence, Ids } from './evidence.js';
import { HARDENED_NAMESPACES, type OverlayInstance } from './overlay.js';

export interface HardenInputs {
  /** the instance as the script asks for it (procd semantics, no overlay) */
  spec: InstanceSpec;
  /** the executable the service starts (its libraries come with it) */
  executable: string;
  result: TraceResult;
  evidence: readonly Evidence[];
  host: HostFacts;
  /** where the overlay's profile is written */
  seccomp: string;
}

/** What --check compares with: calls that succeeded and calls that failed in the traced run. */
export interface CheckBaseline {
  ok: string[];
  failed: string[];
}

export function buildOverlayInstance(inputs: HardenInputs): { overlay: OverlayInstance; notes: string[] } {
  const { spec, result, host } = inputs;
  const { spec: mounts, notes: mountNotes } = buildMountsFromTrace(result, host, { command: inputs.executable, cwd: '/', ...(spec.fs !== undefined ? { jail: jailMountsOf(spec) } : {}) });
  const devices = usedUnder(result, host, '/dev', (p) => !JAIL_DEV.test(p));
  const sockets = result.sockets.flatMap((s) => (s.paths ?? []).filter((p) => p.ok > 0).map((p) => p.path));
  const ro = new Set(mounts.ro ?? []);
  const rw = new Set(mounts.rw ?? []);
  for (const d of devices) (d.write ? rw : ro).add(d.path);
  for (const p of rw) ro.delete(p);
  const inferred = inferCapabilities({ evidence: inputs.evidence, syscalls: syscallNames(result), host, groupsOf: groupsOf(host) });
  const overlay: OverlayInstance = {
    namespaces: [...HARDENED_NAMESPACES],
    readOnlyRoot: true,
    proc: spec.fs?.proc === true || mounts.proc === true,
    sys: spec.fs?.sys === true || mounts.sys === true,
    ro: [...ro].sort(),
    rw: [...rw].sort(),
    tmpfs: mounts.tmpfs ?? [],
    seccomp: inputs.seccomp,
    capabilities: Object.keys(inferred.capabilities),
    noNewPrivs: true,
    why: inferred.capabilities,
    sockets: [...new Set(sockets)].sort(),
    devices: devices.map((d) => d.path),
  };
  const notes = [...mountNotes.filter((n) => !/not in the jail's minimal \/dev/.test(n)), ...inferred.notes];
  return { overlay, notes };
}

/** A key per call, the same in the traced and the checked run. */
export function evidenceKey(e: Evidence): string {
  switch (e.kind) {
    case 'file': return `${e.syscall} ${e.path}`;
    case 'setid': return `${e.syscall}(${e.to.join(', ')})`;
    case 'fchown': return `fchown(${e.owner}, ${e.group})`;
    case 'kill': return `${e.syscall}(signal ${e.signal})`;
    case 'socket': return `socket(${e.family}, type ${e.type})`;
    case 'bind': return `bind ${e.address}`;
    case 'sockopt': return `setsockopt(${e.level}, ${e.name})`;
  }
}

export function buildCheckBaseline(evidence: readonly Evidence[]): CheckBaseline {
  const ok = new Set<string>();
  const failed = new Set<string>();
  for (const e of evidence) (e.ok ? ok : failed).add(evidenceKey(e));
  return { ok: [...ok].sort(), failed: [...failed].sort() };
}

/** The ids of a traced process: its groups as initgroups gives them to its user. */
export function groupsOf(host: HostFacts): (ids: Ids) => number[] {
  const users = parsePasswd(host.readText('/etc/passwd') ?? '');
  const groups = parseGroup(host.readText('/etc/group') ?? '');
  return (ids) => {
    const name = users.find((u) => u.uid === ids.uid)?.name;
    return name === undefined ? [] : groups.filter((g) => g.members.includes(name)).map((g) => g.gid);
  };
}

function syscallNames(result: TraceResult): string[] {
  return [...new Set(Object.values(result.counts).flatMap((names) => Object.keys(names ?? {})))];
}

/** Device nodes and sockets under `root` the service used and the host has. */
function usedUnder(result: TraceResult, host: HostFacts, root: string, keep: (path: string) => boolean): { path: string; write: boolean }[] {
  return result.files
    .filter((f) => f.ok > 0 && f.absolute && isWithin(f.path, root) && f.path !== root && keep(f.path))
    .filter((f) => ['char', 'block', 'socket'].includes(host.lstat(f.path)?.kind ?? ''))
    .map((f) => ({ path: f.path, write: f.access === 'write' && host.lstat(f.path)?.kind !== 'socket' }));
}

function jailMountsOf(spec: InstanceSpec): TraceJailMounts {
  const fs = spec.fs!;
  return { binds: fs.binds.map((b) => ({ source: b.path, writable: b.writable })), tmpfs: fs.tmpfs ?? [], proc: fs.proc, sys: fs.sys, dev: true, cwd: '/' };
}
