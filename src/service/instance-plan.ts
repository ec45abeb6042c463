// InstanceSpec -> LaunchPlan: what procd + ujail do, carried out by jailctl's launcher. No
// namespace at all for an instance without a jail (its pid is the host's, so pidfiles and
// `kill $(cat pidfile)` in scripts stay right); with one, exactly ujail's namespaces and, with a
// mount namespace, ujail's tmpfs root. Pure: host facts come in through HostFacts.
import { buildServiceSteps, becomeNamespaceRoot, checkUsernsIds, FORWARDED_SIGNALS, idMapSteps, isExecutableFile, programBindRequests, resolveCommand, seccompNotifySteps, stagingDir, withProcKept, type PlanInputs } from '../jail/build-plan.js';
import { buildCapSets, CAPABILITY_NAMES, capabilityList, parseCapabilities, type CapSets } from '../jail/caps.js';
import type { HostFacts } from '../jail/host.js';
import { resolveIdentity, type Identity } from '../jail/ids.js';
import { buildJailTree, type BindRequest } from '../jail/jail-tree.js';
import { buildMountSteps } from '../jail/mounts.js';
import type { LaunchPlan, PlanStep } from '../jail/plan.js';
import { parseRlimitValue } from '../jail/rlimits.js';
import { JailctlError } from '../errors.js';
import { PROCD_PATH, type InstanceSpec } from './instance-spec.js';

export function planInstance(spec: InstanceSpec, host: HostFacts, inputs: PlanInputs): LaunchPlan {
  const executable = resolveCommand(host, spec.command[0]!, PROCD_PATH, '/');
  const identity = spec.user === undefined && spec.group === undefined ? undefined
    : resolveIdentity(spec.user, spec.group, host.readText('/etc/passwd') ?? '', host.readText('/etc/group') ?? '');
  const userns = spec.namespaces.includes('user');
  if (userns) checkUsernsIds(identity ?? { uid: 0, gid: 0, groups: [], user: 'root' });
  const caps = spec.capabilityNames !== undefined ? capSetsOf(spec.capabilityNames) : spec.capabilities === undefined ? undefined : readCaps(host, spec.capabilities);
  if (spec.seccomp !== undefined && inputs.seccomp === undefined) {
    throw new JailctlError('NOT_SUPPORTED', `seccomp ${spec.seccomp}: no compiled filter was supplied`);
  }
  const fsSteps = spec.fs === undefined ? [] : mountSteps(spec, host, executable);
  const steps: PlanStep[] = [
    { phase: 'config', op: 'clone', namespaces: spec.namespaces, describe: spec.namespaces.length === 0 ? 'start the service in the host\'s namespaces (no jail)' : `create namespaces (${spec.namespaces.join(', ')})`, hint: 'namespaces need root (CAP_SYS_ADMIN) and a kernel that has them' },
    { phase: 'config', op: 'forward-signals', signals: FORWARDED_SIGNALS, describe: 'forward signals to the service' },
    ...seccompNotifySteps(inputs.seccomp),
    ...(userns ? [...idMapSteps(), ...becomeNamespaceRoot()] : []),
    ...withProcKept(fsSteps, inputs.seccomp?.notify !== undefined),
    ...(spec.namespaces.includes('net') ? [{ phase: 'jail', op: 'loopback-up', interface: 'lo', describe: 'bring up lo in the new network namespace' } as PlanStep] : []),
    ...(spec.namespaces.includes('cgroup') ? [{ phase: 'jail', op: 'unshare', namespaces: ['cgroup'], describe: 'create a cgroup namespace' } as PlanStep] : []),
    { phase: 'jail', op: 'fork-service', describe: spec.namespaces.includes('pid') ? 'fork the service from the jail reaper' : 'fork the service from its reaper' },
    ...buildServiceSteps({
      rlimits: Object.entries(spec.rlimits).map(([name, text]) => ({ name, value: parseRlimitValue(text, `limits ${name}`) })),
      arch: host.arch,
      identity: identitySteps(identity, spec.group !== undefined && spec.user === undefined, caps !== undefined),
      caps,
      noNewPrivs: spec.noNewPrivs,
      parentDeathSignal: !spec.namespaces.includes('pid'),
      cwd: '/',
      env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      executable,
      argv: spec.command,
      seccomp: inputs.seccomp,
    }),
  ];
  return {
    name: spec.name,
    namespaces: spec.namespaces,
    summary: {
      command: spec.command,
      mounts: fsSteps.filter((s) => s.op === 'bind' && !s.describe.startsWith('bind the host\'s /dev/')).length,
      user: { uid: identity?.uid ?? 0, gid: identity?.gid ?? 0, groups: identity?.groups ?? [] },
      capabilities: capabilitySummary(caps, identity?.uid ?? 0),
      seccomp: inputs.seccomp?.profile ?? null,
      cgroup: [],
    },
    steps,
  };
}

/** procd switches ids only when asked: initgroups + setgid + setuid for a user, setgid alone
 * for a group; a capabilities file's sets survive the uid switch (ujail: NO_SETUID_FIXUP). */
function identitySteps(id: Identity | undefined, groupOnly: boolean, keepCaps: boolean): PlanStep[] {
  if (id === undefined) return [];
  const S = 'service' as const;
  const setgid: PlanStep = { phase: S, op: 'setresgid', gid: id.gid, describe: `switch to gid ${id.gid}` };
  if (groupOnly) return [setgid];
  const steps: PlanStep[] = [{ phase: S, op: 'setgroups', gids: id.groups, describe: `set supplementary groups ${id.groups.join(',')}` }, setgid];
  if (keepCaps && id.uid !== 0) steps.push({ phase: S, op: 'keepcaps', on: true, describe: 'keep capabilities across the uid switch' });
  steps.push({ phase: S, op: 'setresuid', uid: id.uid, describe: `switch to uid ${id.uid}${id.user ? ` (${id.user})` : ''}` });
  return steps;
}

/** ujail's tmpfs root: the command and its libraries, the spec's binds (executables bring their
 * libraries), a minimal writable /dev, /proc and /sys when asked, read-only only with ronly. */
function mountSteps(spec: InstanceSpec, host: HostFacts, executable: string): PlanStep[] {
  const fs = spec.fs!;
  const programs = fs.binds.filter((b) => isExecutableFile(host, b.path)).map((b) => b.path);
  const requests: BindRequest[] = [
    ...programBindRequests(host, executable, programs, true),
    ...fs.binds.map((b) => ({ source: b.path, writable: b.writable, reason: b.reason, origin: b.reason })),
  ];
  const tree = buildJailTree(host, requests);
  const userns = spec.namespaces.includes('user');
  const netns = spec.namespaces.includes('net');
  return buildMountSteps(tree, {
    stagingDir: stagingDir(host), tmpfs: fs.tmpfs ?? [], proc: fs.proc, sys: fs.sys, dev: true, userns, netns,
    rootReadOnly: fs.readOnly, devReadOnly: false,
  });
}

/** An overlay's list: every set the same, so root keeps them at execve and another user too
 * (ambient). */
function capSetsOf(names: readonly string[]): CapSets {
  const mask = buildCapSets({ permitted: names }, 'the hardening overlay').permitted;
  return { bounding: mask, effective: mask, permitted: mask, inheritable: mask, ambient: mask };
}

function readCaps(host: HostFacts, file: string): CapSets {
  const text = host.readText(file);
  if (text === undefined) throw new JailctlError('CAPS_INVALID', `capabilities ${file}: cannot read the file`, { path: file });
  return parseCapabilities(text, file, 'unchanged');
}

/** For status: what the service will hold (root keeps every capability without a file). */
function capabilitySummary(caps: CapSets | undefined, uid: number): string[] {
  if (caps === undefined) return uid === 0 ? [`all ${CAPABILITY_NAMES.length} (root, no capabilities file)`] : [];
  return capabilityList(caps.permitted < 0n ? caps.bounding : caps.permitted);
}
