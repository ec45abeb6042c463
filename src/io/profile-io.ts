// The real ProfileIo (edge): files for the `jailctl profile` commands and `run --seccomp`, read
// through the one input reader (input-file.ts: regular files only, size-capped).
import { release } from 'node:os';
import { archFromNode, type ArchName } from '../profile/arch.js';
import type { ProfileIo } from '../profile/actions.js';
import { readInputFile } from './input-file.js';
import { writeFileAtomic } from './write-atomic.js';

/** What a Docker-format profile is decided for on this host when nothing else is said: its arch and kernel. */
export function hostDockerOptions(): { arch: ArchName; kernel: string } {
  return { arch: archFromNode(), kernel: release() };
}

export function createProfileIo(): ProfileIo {
  return {
    hostArch: () => archFromNode(),
    kernelRelease: () => release(),
    stdoutIsTty: process.stdout.isTTY === true,
    readText: (path, what, limit) => readInputFile(path, what, limit).toString('utf8'),
    readBytes: (path, what, limit) => readInputFile(path, what, limit),
    writeAtomic: (path, data) => writeFileAtomic(path, data),
  };
}
