// The real ProfileIo (edge): files for the `jailctl profile` commands, read through the one
// input reader (input-file.ts: regular files only, size-capped).
import { archFromNode } from '../profile/arch.js';
import type { ProfileIo } from '../profile/actions.js';
import { readInputFile } from './input-file.js';
import { writeFileAtomic } from './write-atomic.js';

export function createProfileIo(): ProfileIo {
  return {
    hostArch: () => archFromNode(),
    stdoutIsTty: process.stdout.isTTY === true,
    readText: (path, what, limit) => readInputFile(path, what, limit).toString('utf8'),
    readBytes: (path, what, limit) => readInputFile(path, what, limit),
    writeAtomic: (path, data) => writeFileAtomic(path, data),
  };
}
