// `jailctl failsafe listen` (edge): reads its configuration and key once, derives the keys and
// zeroes K (key material is never a string), opens UDP and raw-frame endpoints, and feeds every
// packet to the verifier. Writes nothing but the flag (and the key, only if the file has none)
// and, jailed, the reboot request. Never crashes on a packet and never answers with more bytes
// than it received.
import { spawn } from 'node:child_process';
import { JailctlError } from '../errors.js';
import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { performance } from 'node:perf_hooks';
import { findLanAddresses, resolveListenerConfig, type ListenFlags, type ListenerConfig } from './config.js';
import { prepareFlag, resolveFlagPath, setFlag } from './flag.js';
import { failsafeSection, generateKey, keyFromConfig, readUciFile } from './keystore.js';
import { AckStatus, Action, decodeRescueParam, deriveKeys, describeAction, wipeKeys, type DerivedKeys } from './protocol.js';
import { checkRebootFifo, requestReboot } from './reboot-request.js';
import { wipeSecrets, type MaskedUci } from './secret-uci.js';
import { buildRescuePlan, type FirewallTools } from './rescue.js';
import { findFirewallTools, startRescue, type RunningRescue } from './rescue-run.js';
import { openRawEndpoint, openUdpEndpoint, type Endpoint, type Reply } from './transport.js';
import { Verifier, type Verdict } from './verifier.js';

/** After a trigger in --window mode: keep re-sending the ACK to a retransmitted TRIGGER this long. */
const WINDOW_LINGER_MS = 2_000;
/** Internal errors reported per run before going quiet (a flood must not flood the log). */
const MAX_REPORTED_ERRORS = 10;

export interface ListenContext {
  flags: ListenFlags;
  /** argv that runs jailctl itself, for `jailctl run` of the rescue service */
  self: string[];
  log: (line: string) => void;
  warn: (line: string) => void;
}

export interface Prepared {
  config: ListenerConfig;
  keys: DerivedKeys;
  flagPath?: string;
  tools: FirewallTools;
}

/**
 * Everything read from the system, once, before the first packet. Settings are checked before
 * anything is written; a key is created only in an existing file that has none (FAILSAFE.md: the
 * listener makes it on first start), so a mistyped --config creates nothing.
 */
export function prepareListener(ctx: ListenContext): Prepared {
  const file = ctx.flags.config;
  let masked = readUciFile(file);
  if (masked === undefined) {
    throw new JailctlError('PATH_MISSING', `--config ${file}: no such file`, { path: file, hint: `create the key with \`jailctl failsafe keygen --config ${file}\`` });
  }
  try {
    const addresses = (ifaces: string[]) => findLanAddresses(ifaces, networkInterfaces());
    const config = resolveListenerConfig(failsafeSection(masked.doc), ctx.flags, addresses);
    const flagPath = config.failsafeEnabled ? resolveFlagPath(config.flagPath) : undefined;
    if (config.failsafeEnabled && config.rebootFifo !== undefined) checkRebootFifo(config.rebootFifo);
    if (failsafeSection(masked.doc)?.options.get('key') === undefined) {
      const { devId } = generateKey(file, false);
      ctx.log(`failsafe: no key in ${file}; created one (dev_id ${devId.toString('hex')})`);
      wipeSecrets(masked);
      masked = readUciFile(file);
    }
    const keys = deriveFromConfig(masked, file);
    const prepared: Prepared = { config, keys, tools: config.rescue === undefined ? {} : findFirewallTools() };
    if (flagPath !== undefined) {
      try {
        prepareFlag(flagPath);
      } catch (err) {
        wipeKeys(keys);
        throw err;
      }
      prepared.flagPath = flagPath;
    }
    return prepared;
  } finally {
    wipeSecrets(masked);
  }
}

/** FAILSAFE.md: after deriving, only K_c2d, K_d2c and dev_id are kept; K is zeroed whatever happens. */
function deriveFromConfig(masked: MaskedUci | undefined, file: string): DerivedKeys {
  const k = keyFromConfig(masked, file);
  try {
    return deriveKeys(k);
  } finally {
    k.fill(0);
  }
}

export class Listener {
  readonly verifier: Verifier;
  readonly finished: Promise<number>;
  private endpoints: Endpoint[] = [];
  private rescue: RunningRescue | undefined;
  private windowTimer: NodeJS.Timeout | undefined;
  private errors = 0;
  private ending = false;
  private acting = false;
  private started = false;
  private windowExpired = false;
  private resolveFinished: (code: number) => void = () => undefined;

  constructor(private readonly prepared: Prepared, private readonly ctx: ListenContext) {
    const { config } = prepared;
    this.verifier = new Verifier({
      keys: prepared.keys,
      now: () => performance.now(),
      random: (size) => randomBytes(size),
      enabled: { failsafe: config.failsafeEnabled, rescue: config.rescue !== undefined },
    });
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
  }

  /** Opens every endpoint; on any failure closes the ones already open and wipes the keys. */
  async open(): Promise<string[]> {
    const { config } = this.prepared;
    const onPacket = (packet: Buffer, reply: Reply, from: string) => this.handle(packet, reply, from);
    const onError = (line: string) => this.reportError(line);
    try {
      for (const udp of config.udp) this.endpoints.push(await openUdpEndpoint(udp.address, udp.port, onPacket, onError));
      for (const ifname of config.ifaces) this.endpoints.push(openRawEndpoint(ifname, onPacket, onError));
    } catch (err) {
      await this.shutdown(125);
      throw err;
    }
    this.started = true;
    if (config.windowMs !== undefined) this.windowTimer = setTimeout(() => this.windowEnded(), config.windowMs);
    return this.endpoints.map((e) => e.description);
  }

  /** Zeroes the keys, stops a running rescue, closes the endpoints; `finished` resolves to `code`. */
  async shutdown(code: number): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    if (this.windowTimer !== undefined) clearTimeout(this.windowTimer);
    this.verifier.wipe();
    if (this.started) this.ctx.log(`failsafe: stopping; packets seen: ${formatCounts(this.verifier.counts)}`);
    if (this.rescue !== undefined) {
      this.rescue.stop();
      await this.rescue.done;
    }
    await Promise.all(this.endpoints.map((e) => e.close()));
    this.resolveFinished(code);
  }

  private handle(packet: Buffer, reply: Reply, from: string): void {
    let verdict: Verdict;
    try {
      verdict = this.verifier.receive(packet);
    } catch (err) {
      this.reportError(`internal error on a packet from ${from}: ${(err as Error).message}`);
      return;
    }
    if (verdict.kind === 'reply') void this.send(packet.length, verdict.bytes, reply);
    else if (verdict.kind === 'act') void this.act(verdict.action, verdict.param, packet.length, reply, from);
  }

  /** The amplification guard, independent of the verifier: never more bytes than the request. */
  private async send(requestLength: number, bytes: Buffer, reply: Reply): Promise<void> {
    if (bytes.length > requestLength) return;
    await reply(bytes);
  }

  private async act(action: Action, param: Buffer, requestLength: number, reply: Reply, from: string): Promise<void> {
    let status: AckStatus;
    this.acting = true;
    try {
      status = action === Action.FAILSAFE_REBOOT ? this.setFlag() : await this.startRescue(param);
    } catch (err) {
      this.reportError(`${describeAction(action)} failed: ${(err as Error).message}`);
      status = AckStatus.IOERR;
    }
    const ack = this.verifier.finish(status);
    await this.send(requestLength, ack, reply);
    if (status !== AckStatus.OK) {
      this.acting = false;
      this.ctx.log(`failsafe: ${describeAction(action)} requested by ${from}: answered ${status === AckStatus.REFUSED ? 'REFUSED' : 'IOERR'}`);
      if (this.windowExpired) this.windowEnded();
      return;
    }
    this.ctx.log(`failsafe: ${describeAction(action)} triggered by ${from}`);
    if (action === Action.FAILSAFE_REBOOT) this.runRebootCommand();
    if (this.prepared.config.windowMs !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, WINDOW_LINGER_MS));
      await this.rescue?.done;
      await this.shutdown(0);
    }
  }

  /** Set and verified before anything else happens; a failure is ACK IOERR and no reboot. */
  private setFlag(): AckStatus {
    try {
      setFlag(this.prepared.flagPath!);
      return AckStatus.OK;
    } catch (err) {
      this.ctx.warn(`failsafe: ${(err as Error).message}; answering IOERR, not rebooting`);
      return AckStatus.IOERR;
    }
  }

  private async startRescue(param: Buffer): Promise<AckStatus> {
    const rescue = this.prepared.config.rescue!;
    const decision = buildRescuePlan(rescue, decodeRescueParam(param), this.prepared.tools, this.ctx.self);
    if (!decision.ok) {
      this.ctx.warn(`failsafe: rescue refused: ${decision.reason}`);
      return AckStatus.REFUSED;
    }
    const { plan } = decision;
    this.rescue = await startRescue(plan, this.ctx.log);
    this.ctx.log(`failsafe: rescue service on port ${plan.port} for ${plan.seconds} s, reachable only from ${plan.allowedIpv4}`);
    return AckStatus.OK;
  }

  private runRebootCommand(): void {
    const { rebootCmd: command, rebootFifo } = this.prepared.config;
    if (rebootFifo !== undefined) {
      try {
        requestReboot(rebootFifo);
        this.ctx.log(`failsafe: flag set; reboot requested through ${rebootFifo}`);
      } catch (err) {
        this.ctx.warn(`failsafe: ${(err as Error).message}`);
      }
      return;
    }
    if (command.trim() === '') {
      this.ctx.log('failsafe: flag set; no reboot command (--reboot-cmd is empty)');
      return;
    }
    this.ctx.log(`failsafe: flag set; running ${command}`);
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (err) => this.ctx.warn(`failsafe: cannot run the reboot command ${command}: ${err.message}`));
    child.on('exit', (code, signal) => {
      if (code !== 0) this.ctx.warn(`failsafe: the reboot command ${command} ended with ${signal ?? `exit ${code}`}`);
    });
  }

  private windowEnded(): void {
    this.windowExpired = true;
    if (this.verifier.triggered || this.acting) return;
    this.ctx.log('failsafe: window closed without a trigger');
    void this.shutdown(1);
  }

  private reportError(line: string): void {
    this.errors++;
    if (this.errors <= MAX_REPORTED_ERRORS) this.ctx.warn(`failsafe: ${line}`);
    if (this.errors === MAX_REPORTED_ERRORS) this.ctx.warn('failsafe: further errors are not reported');
  }
}

/** "malformed 12, tag 3, reply 1" (zero counts left out), for the log and the benchmark. */
export function formatCounts(counts: Readonly<Record<string, number>>): string {
  const parts = Object.entries(counts).filter(([, n]) => n > 0).map(([name, n]) => `${name} ${n}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/** Runs until SIGTERM/SIGINT (exit 0) or, with --window, until triggered (0) or the window ends (1). */
export async function runListener(ctx: ListenContext): Promise<number> {
  const prepared = prepareListener(ctx);
  const listener = new Listener(prepared, ctx);
  const onSignal = () => void listener.shutdown(0);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    const described = await listener.open();
    const { config, keys } = prepared;
    const actions = [config.failsafeEnabled ? 'failsafe' : '', config.rescue === undefined ? '' : 'rescue'].filter((a) => a !== '').join(', ') || 'none';
    ctx.log(`failsafe: listening on ${described.join(', ')}; dev_id ${keys.devId.toString('hex')}; actions: ${actions}`);
    return await listener.finished;
  } finally {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
  }
}
