// Ctrl-C (or SIGTERM/SIGHUP) during a start, reload or stop (edge): instead of dying between
// spawning a supervisor and recording it, jailctl notes the signal and the caller stops at its
// next safe point, undoing what it started, and exits 128 + the signal.
import { constants } from 'node:os';
import { JailctlError } from '../errors.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export class InterruptedError extends JailctlError {
  readonly exitStatus: number;
  constructor(signal: NodeJS.Signals, what: string) {
    super('SERVICE_INTERRUPTED', `${what}: interrupted by ${signal}; what this run had started is stopped again`);
    this.exitStatus = 128 + (constants.signals[signal] ?? 0);
  }
}

export interface InterruptGuard {
  /** throws InterruptedError once a signal came */
  check(): void;
  readonly signal: NodeJS.Signals | undefined;
  release(): void;
}

export function trapInterrupts(what: string): InterruptGuard {
  let got: NodeJS.Signals | undefined;
  const handler = (signal: NodeJS.Signals): void => { got ??= signal; };
  for (const s of SIGNALS) process.on(s, handler);
  return {
    check: () => { if (got !== undefined) throw new InterruptedError(got, what); },
    get signal() { return got; },
    release: () => { for (const s of SIGNALS) process.off(s, handler); },
  };
}
