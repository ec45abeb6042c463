// `jailctl service NAME save-plan -o DIR` (edge): each instance's plan, as `start` makes it but
// without the supervisor, stored as DIR/NAME.INSTANCE.plan for `jailctl-launch --plan FILE` to
// run in the foreground without Node (under procd, a shell loop, an image's own init). Beyond
// what planning looked at, the plans depend on the init script and the UCI folder (its entries
// and every file in it): a changed script or setting makes them stale. What the script computes
// at run time from elsewhere (an interface's address, a command's output) is not a file, so a
// plan does not notice it: save again when that changes.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PlanDependency } from '../jail/plan-cache.js';
import { storePlans, type PlanToStore } from '../jail/save-plan.js';
import { requireRoot, scriptPath, type ServiceContext } from './context.js';
import { allInstancesPlanned, planService } from './start.js';

/** The files the script's evaluation read besides HostFacts: the script and the UCI folder. */
function scriptDependencies(context: ServiceContext): PlanDependency[] {
  let packages: string[] = [];
  try {
    packages = readdirSync(context.configDir);
  } catch {
    // no UCI folder: its absence is the fact the plan records
  }
  return [
    { path: scriptPath(context), follow: true },
    { path: context.configDir, follow: true },
    ...packages.sort().map((name) => ({ path: join(context.configDir, name), follow: true })),
  ];
}

/** Runs start_service (as `start` does, side effects included: it is the script's start) and
 * writes one stored plan per instance into `dir`; returns their paths and the script's lines. */
export function saveServicePlans(context: ServiceContext, dir: string): { files: string[]; lines: string[] } {
  requireRoot('save-plan');
  const files: string[] = [];
  let lines: string[] = [];
  const make = (): PlanToStore[] => {
    const deps = new Map<string, Map<string, PlanDependency>>();
    const depsOf = (instance: string) => {
      const own = new Map<string, PlanDependency>();
      for (const dep of scriptDependencies(context)) own.set(`${dep.follow ? 1 : 0}${dep.path}`, dep);
      deps.set(instance, own);
      return own;
    };
    const planned = planService(context, 'start', { depsOf });
    lines = planned.lines;
    const instances = allInstancesPlanned(planned, context, 'save');
    files.length = 0;
    return instances.map(({ instance, plan }) => {
      const file = join(dir, `${context.name}.${instance.instance}.plan`);
      files.push(file);
      return { file, plan, deps: deps.get(instance.instance) ?? new Map<string, PlanDependency>() };
    });
  };
  storePlans(make, { refresh: `run jailctl service ${context.name} save-plan again` });
  return { files, lines };
}
