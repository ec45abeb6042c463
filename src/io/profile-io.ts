// The real ProfileIo (edge): files for the `jailctl profile` commands and `run --seccomp`.
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { JailctlError, isErrnoError } from '../errors.js';
import { archFromNode, type ArchName } from '../profile/arch.js';
import type { ProfileIo } from '../profile/actions.js';
import { writeFileAtomic } from './write-atomic.js';

/** Whole file; a missing or unreadable file is PROFILE_UNREADABLE naming the path and errno. */
export function readFileBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    const why = isErrnoError(err) ? err.code : String(err);
    const hint = isErrnoError(err) && err.code === 'EISDIR' ? 'pass a file, not a directory' : 'check the path and its permissions';
    throw new JailctlError('PROFILE_UNREADABLE', `${path}: cannot read the file (${why})`, { path, hint, cause: err });
  }
}

export function readFileText(path: string): string {
  return Buffer.from(readFileBytes(path)).toString('utf8');
}

/** What a Docker-format profile is decided for on this host when nothing else is said: its arch and kernel. */
export function hostDockerOptions(): { arch: ArchName; kernel: string } {
  return { arch: archFromNode(), kernel: release() };
}

export function createProfileIo(): ProfileIo {
  return {
    hostArch: () => archFromNode(),
    kernelRelease: () => release(),
    stdoutIsTty: process.stdout.isTTY === true,
    readText: readFileText,
    readBytes: readFileBytes,
    writeAtomic: (path, data) => writeFileAtomic(path, data),
  };
}
