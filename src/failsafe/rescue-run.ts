// Carries out a RescuePlan (edge): firewall rules first, then the jailed service, stopped after
// the authenticated number of seconds, then the rules removed again.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { JailctlError } from '../errors.js';
import { findOnPath } from '../io/find-on-path.js';
import { hostSearchPath } from '../jail/spec.js';
import type { CommandStep, FirewallTools, RescuePlan } from './rescue.js';

/** Grace period between SIGTERM and SIGKILL when the rescue time is up. */
const KILL_AFTER_MS = 5_000;

/** Looked up once at start (the listener reads its surroundings only then). */
export function findFirewallTools(path = hostSearchPath()): FirewallTools {
  const tools: FirewallTools = {};
  const withSbin = `${path}:/usr/sbin:/sbin`;
  for (const name of ['nft', 'iptables', 'ip6tables'] as const) {
    const found = findOnPath(name, withSbin);
    if (found !== undefined) tools[name] = found;
  }
  return tools;
}

function runStep(step: CommandStep): string | undefined {
  const r = spawnSync(step.argv[0]!, step.argv.slice(1), { input: step.input ?? '', encoding: 'utf8', timeout: 10_000 });
  if (r.error !== undefined) return `${step.argv.join(' ')}: ${r.error.message}`;
  if (r.status !== 0) return `${step.argv.join(' ')}: ${r.signal !== null ? `killed by ${r.signal}` : `exit ${r.status}`}: ${r.stderr.trim().split('\n')[0] ?? ''}`;
  return undefined;
}

export interface RunningRescue {
  /** resolves once the service has exited and the rules are gone */
  done: Promise<void>;
  stop(): void;
}

/** Installs the rules and starts the service; throws (rules removed again) if either fails. */
export async function startRescue(plan: RescuePlan, log: (line: string) => void): Promise<RunningRescue> {
  const removeRules = () => plan.firewallDown.forEach((step) => runStep(step));
  for (const step of plan.firewallUp) {
    const failure = runStep(step);
    if (failure !== undefined) {
      removeRules();
      throw new JailctlError('IO_FAILED', `rescue: cannot restrict port ${plan.port} to ${plan.allowedIpv4}: ${failure}`);
    }
  }
  let child: ChildProcess;
  try {
    child = await spawnService(plan.service);
  } catch (err) {
    removeRules();
    throw new JailctlError('IO_FAILED', `rescue: cannot start ${plan.service.join(' ')}: ${(err as Error).message}`, { cause: err });
  }
  let killTimer: NodeJS.Timeout | undefined;
  const stop = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    killTimer ??= setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
  };
  const stopTimer = setTimeout(stop, plan.seconds * 1000);
  const done = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
    clearTimeout(stopTimer);
    if (killTimer !== undefined) clearTimeout(killTimer);
    removeRules();
    log(`failsafe: rescue service ended (${signal ?? `exit ${code}`}); port ${plan.port} closed again`);
    resolve();
  }));
  return { done, stop };
}

function spawnService(argv: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('spawn', () => resolve(child));
    child.once('error', reject);
  });
}
