// Signal numbers and byte order of the host, from node:os (kept apart so the codec stays testable).
import * as os from 'node:os';

export { os };

/** Host signal number for a name like "SIGTERM"; undefined if the host has no such signal. */
export function hostSignalNumber(name: string): number | undefined {
  return (os.constants.signals as Record<string, number | undefined>)[name];
}
