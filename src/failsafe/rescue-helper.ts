// `jailctl failsafe rescue-run` (edge), the RESCUE helper the failsafe daemon starts with the
// authenticated ALLOWED_IPV4 PORT SECONDS: it decides (rescue.ts) and carries out (rescue-run.ts)
// the rescue, answers the daemon with one byte on fd 3 (an ACK status: 0 OK, 1 REFUSED,
// 2 IOERR), then stays until the service has ended and its firewall rules are gone.
import { closeSync, writeSync } from 'node:fs';
import { JailctlError } from '../errors.js';
import { splitWords, type RescueConfig } from './config.js';
import { AckStatus, parseIpv4, type RescueParam } from './protocol.js';
import { buildRescuePlan } from './rescue.js';
import { findFirewallTools, startRescue } from './rescue-run.js';

/** Where the daemon reads the answer. */
export const STATUS_FD = 3;

export interface RescueHelperContext {
  config: RescueConfig;
  param: RescueParam;
  /** argv that runs jailctl itself, for `jailctl run` of the service */
  self: string[];
  log: (line: string) => void;
  warn: (line: string) => void;
  answer: (status: AckStatus) => void;
}

export interface RescueArgs {
  rescueCmd: string;
  rescueJail: string[];
  /** ALLOWED_IPV4 PORT SECONDS, as the daemon appends them (it has checked the packet; checked again) */
  allow: string;
  port: string;
  seconds: string;
}

export function parseRescueArgs(args: RescueArgs): { config: RescueConfig; param: RescueParam } {
  const number = (text: string, what: string) => {
    if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new JailctlError('USAGE', `rescue-run: ${what} "${text}" is not 0-65535`);
    return Number(text);
  };
  if (parseIpv4(args.allow) === null) throw new JailctlError('USAGE', `rescue-run: "${args.allow}" is not an IPv4 address`);
  return {
    config: { command: splitWords(args.rescueCmd), jailOptions: args.rescueJail.flatMap(splitWords) },
    param: { allowedIpv4: args.allow, port: number(args.port, 'port'), seconds: number(args.seconds, 'seconds') },
  };
}

/** Writes the answer once, to fd 3 (the daemon's pipe), and closes it. */
export function answerOnStatusFd(status: AckStatus): void {
  try {
    writeSync(STATUS_FD, Buffer.of(status));
    closeSync(STATUS_FD);
  } catch {
    // documented fallback: run by hand, without the daemon's pipe; the log lines tell the outcome
  }
}

export async function runRescueHelper(ctx: RescueHelperContext): Promise<number> {
  const decision = buildRescuePlan(ctx.config, ctx.param, findFirewallTools(), ctx.self);
  if (!decision.ok) {
    ctx.warn(`failsafe: rescue refused: ${decision.reason}`);
    ctx.answer(AckStatus.REFUSED);
    return 0;
  }
  const { plan } = decision;
  let running;
  try {
    running = await startRescue(plan, ctx.log);
  } catch (err) {
    ctx.warn(`failsafe: rescue failed: ${(err as Error).message}`);
    ctx.answer(AckStatus.IOERR);
    return 0;
  }
  ctx.answer(AckStatus.OK);
  ctx.log(`failsafe: rescue service on port ${plan.port} for ${plan.seconds} s, reachable only from ${plan.allowedIpv4}`);
  const stop = () => running.stop();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await running.done;
  return 0;
}
