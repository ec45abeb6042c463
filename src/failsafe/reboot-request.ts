// The reboot request of a jailed listener (edge). In its jail the listener can neither reboot the
// host (no CAP_SYS_BOOT; in a pid namespace reboot(2) and `kill 1` reach only the jail) nor run a
// reboot command (no shell there), so once the flag is set and verified it writes one line,
// "reboot", into a FIFO whose reader outside the jail runs the reboot command
// (init.d/failsafe-listener's reboot instance). Never blocks: no reader is a reported error.
import { closeSync, constants, fstatSync, openSync, statSync, writeSync } from 'node:fs';
import { JailctlError, isErrnoError } from '../errors.js';
import { ioError } from './keystore.js';

export const REBOOT_REQUEST = 'reboot\n';
const HINT = 'create it with mkfifo and keep a reader on it (init.d/failsafe-listener does both), or use --reboot-cmd';

/** At start: PATH must be a FIFO now, not only when a trigger arrives. */
export function checkRebootFifo(path: string): void {
  let isFifo: boolean;
  try {
    isFifo = statSync(path).isFIFO();
  } catch (err) {
    throw ioError(`--reboot-fifo ${path}: cannot use it`, err, path);
  }
  if (!isFifo) throw new JailctlError('USAGE', `--reboot-fifo ${path}: not a FIFO`, { path, hint: HINT });
}

/** Writes the request in one write(2) (atomic: shorter than PIPE_BUF); throws when nobody reads. */
export function requestReboot(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    if (isErrnoError(err) && err.code === 'ENXIO') {
      throw new JailctlError('IO_FAILED', `reboot request: nothing reads ${path} (ENXIO); not rebooting`, { path, errno: 'ENXIO', hint: HINT });
    }
    throw ioError(`reboot request: cannot open ${path}`, err, path);
  }
  try {
    if (!fstatSync(fd).isFIFO()) throw new JailctlError('IO_FAILED', `reboot request: ${path} is not a FIFO; not rebooting`, { path, hint: HINT });
    const request = Buffer.from(REBOOT_REQUEST, 'ascii');
    const written = writeSync(fd, request);
    if (written !== request.length) throw new JailctlError('IO_FAILED', `reboot request: short write to ${path} (${written} of ${request.length} bytes)`, { path });
  } catch (err) {
    if (err instanceof JailctlError) throw err;
    throw ioError(`reboot request: cannot write to ${path}`, err, path);
  } finally {
    closeSync(fd);
  }
}
