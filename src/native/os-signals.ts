// Signal numbers of the host, from node:os (kept apart so the codec stays testable).
import { constants } from 'node:os';

/** Host signal number for a name like "SIGTERM"; undefined if the host has no such signal. */
export function hostSignalNumber(name: string): number | undefined {
  return (constants.signals as Record<string, number | undefined>)[name];
}
