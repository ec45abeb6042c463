// Signal numbers: the host's from node:os, another machine's (a plan saved with --arch) from the
// kernel's two numberings among the architectures jailctl knows: asm-generic/signal.h (x86, arm,
// aarch64, riscv, powerpc) and arch/mips/include/uapi/asm/signal.h (the caller picks one by
// arch: src/native imports nothing above it). Pure but for the host lookup.
import { constants } from 'node:os';

export const GENERIC_SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGIOT: 6, SIGBUS: 7, SIGFPE: 8,
  SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16,
  SIGCHLD: 17, SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24,
  SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPOLL: 29, SIGPWR: 30, SIGSYS: 31,
};

export const MIPS_SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGIOT: 6, SIGEMT: 7, SIGFPE: 8,
  SIGKILL: 9, SIGBUS: 10, SIGSEGV: 11, SIGSYS: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGUSR1: 16,
  SIGUSR2: 17, SIGCHLD: 18, SIGPWR: 19, SIGWINCH: 20, SIGURG: 21, SIGIO: 22, SIGPOLL: 22, SIGSTOP: 23,
  SIGTSTP: 24, SIGCONT: 25, SIGTTIN: 26, SIGTTOU: 27, SIGVTALRM: 28, SIGPROF: 29, SIGXCPU: 30, SIGXFSZ: 31,
};

/** Host signal number for a name like "SIGTERM"; undefined if the host has no such signal. */
export function hostSignalNumber(name: string): number | undefined {
  return (constants.signals as Record<string, number | undefined>)[name];
}

/** Whose signal numbers: this host's, or one of the kernel's two numberings. */
export type SignalNumbering = 'host' | 'generic' | 'mips';

/** The number of a signal in `numbering`; undefined if it has none. */
export function signalNumber(name: string, numbering: SignalNumbering = 'host'): number | undefined {
  if (numbering === 'host') return hostSignalNumber(name);
  const table = numbering === 'mips' ? MIPS_SIGNALS : GENERIC_SIGNALS;
  return Object.hasOwn(table, name) ? table[name] : undefined;
}
