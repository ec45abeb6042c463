// The one way a service runs without a jail: its script says `procd_set_param jailctl_unjailed 1`
// (procd.sh ignores the key, so the script still works under procd). From the jailed plan this
// keeps what happens in the service process (limits, ids, no_new_privs, seccomp, exec, and the
// capabilities file if the script names one) and drops the jail: no mount, UTS, IPC, network or
// user namespace, the host's file system as it is, root's capabilities kept like procd keeps
// them. A pid namespace stays, so that stop still ends every process the service started. Pure.
import type { LaunchPlan, PlanStep } from '../jail/plan.js';

export function buildUnjailedPlan(plan: LaunchPlan, keepRootCapabilities: boolean): LaunchPlan {
  const steps = plan.steps.flatMap((step): PlanStep[] => {
    if (step.op === 'clone') return [{ ...step, namespaces: ['pid'], describe: 'create a pid namespace (unjailed: no other)' }];
    if (step.phase === 'jail' || step.phase === 'parent') return step.op === 'fork-service' ? [step] : [];
    if (keepRootCapabilities && (step.op === 'caps' || step.op === 'keepcaps')) return [];
    return [step];
  });
  return {
    ...plan,
    namespaces: ['pid'],
    summary: { ...plan.summary, mounts: 0, capabilities: keepRootCapabilities ? ['(not dropped: unjailed)'] : plan.summary.capabilities, cgroup: [] },
    steps,
  };
}
