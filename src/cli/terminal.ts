// Is standard error a terminal? Asked by `jailctl trace` for its live line. process.stderr.isTTY
// would create the stream (and load node:stream, net and tty) even when nothing is ever printed,
// a few milliseconds of a short trace: fstat(2) first rules out what cannot be a terminal.
import { fstatSync } from 'node:fs';

/** Linux's memory devices (/dev/null, /dev/zero, /dev/full ...): character devices, never terminals. */
const MEM_MAJOR = 1;

/** The major number of a device number as Linux encodes it (glibc's gnu_dev_major). */
export function deviceMajor(rdev: number): number {
  return ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}

export function stderrIsTerminal(): boolean {
  try {
    const stat = fstatSync(2);
    // a terminal is a character device, and never one of the memory devices
    if (!stat.isCharacterDevice() || deviceMajor(stat.rdev) === MEM_MAJOR) return false;
  } catch {
    // documented fallback: fstat failed, so ask the stream itself
  }
  return process.stderr.isTTY === true;
}
