// Was jailctl started with its standard output closed (`jailctl --version >&-`)? Node reopens a
// closed fd 0-2 on /dev/null (O_RDWR) before any JavaScript runs, so output would vanish and the
// command would exit 0. A C tool fails there with EBADF; so do we, when we wrote something.
import { readFileSync, readlinkSync } from 'node:fs';

const O_ACCMODE = 0o3;
const O_RDWR = 0o2;

/** fd 1 is /dev/null opened read-write (what Node puts there) while fd 2 is not /dev/null: a
 * daemon(3) or init system that sends all output to /dev/null gives all three the same file,
 * and that is not a closed stdout. */
export function stdoutWasClosed(fdinfo = readFdinfo(1), target1 = readTarget(1), target2 = readTarget(2)): boolean {
  if (target1 !== '/dev/null' || target2 === '/dev/null' || fdinfo === undefined) return false;
  const flags = /^flags:\s*([0-7]+)$/m.exec(fdinfo);
  return flags !== null && (parseInt(flags[1]!, 8) & O_ACCMODE) === O_RDWR;
}

function readFdinfo(fd: number): string | undefined {
  try {
    return readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
  } catch {
    return undefined;
  }
}

function readTarget(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}
