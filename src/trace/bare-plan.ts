// The launch plan of a trace outside any jail (pure), like utrace: no namespaces, the host's
// file system, the caller's ids, the environment given. The launcher's pid 1 is a child
// subreaper, so processes the tree orphans (daemons) still come back to it and stay traced.
import { FORWARDED_SIGNALS } from '../jail/build-plan.js';
import type { LaunchPlan, PlanStep } from '../jail/plan.js';

export interface BarePlanInputs {
  /** the resolved executable (a host path) */
  executable: string;
  argv: string[];
  /** KEY=VALUE, as given to execve */
  env: string[];
  uid: number;
  gid: number;
  /** without CAP_SYS_ADMIN the kernel loads a seccomp filter only under no_new_privs */
  noNewPrivs: boolean;
}

export function buildBarePlan(inputs: BarePlanInputs): LaunchPlan {
  const name = inputs.executable.slice(inputs.executable.lastIndexOf('/') + 1) || 'trace';
  const steps: PlanStep[] = [
    { phase: 'config', op: 'clone', namespaces: [], describe: 'start the tracer (no namespaces: the trace runs outside any jail)' },
    { phase: 'config', op: 'forward-signals', signals: FORWARDED_SIGNALS, describe: 'forward signals to the traced program' },
    { phase: 'jail', op: 'fork-service', describe: 'fork the traced program from the tracer' },
    // only 0, 1 and 2 reach the program: not the trace pipe, nor anything else jailctl holds
    { phase: 'service', op: 'close-fds', describe: 'close every descriptor but 0, 1 and 2 at exec' },
  ];
  if (inputs.noNewPrivs) steps.push({ phase: 'service', op: 'no-new-privs', describe: 'set no_new_privs (needed to load the tracing filter without root)' });
  steps.push({
    phase: 'service', op: 'execve', path: inputs.executable, argv: inputs.argv, env: inputs.env, exitIfMissing: 127, exitIfDenied: 126,
    describe: `execute ${inputs.executable}`,
  });
  return {
    name,
    namespaces: [],
    summary: {
      command: inputs.argv,
      mounts: 0,
      user: { uid: inputs.uid, gid: inputs.gid, groups: [] },
      capabilities: [],
      seccomp: null,
      cgroup: [],
    },
    steps,
  };
}
