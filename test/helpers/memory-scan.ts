// Looks for byte strings in another process's memory (/proc/PID/mem, root): every readable and
// writable mapping (heap, stacks, V8's spaces, anonymous memory), which is where key material
// would linger. Read-only mappings are file contents and cannot hold a key read at run time.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

export type Needles = Record<string, Buffer>;

const CHUNK = 16 << 20;

/** How often each needle occurs in the process's writable memory. */
export function scanMemory(pid: number, needles: Needles): Record<string, number> {
  const found: Record<string, number> = Object.fromEntries(Object.keys(needles).map((k) => [k, 0]));
  const longest = Math.max(...Object.values(needles).map((n) => n.length));
  const buffer = Buffer.alloc(CHUNK + longest);
  const fd = openSync(`/proc/${pid}/mem`, 'r');
  try {
    for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) rw/.exec(line);
      if (m === null || line.endsWith('[vvar]')) continue;
      const start = BigInt(`0x${m[1]}`);
      const size = Number(BigInt(`0x${m[2]}`) - start);
      // chunks overlap by `longest` bytes so that no needle is cut in two
      for (let offset = 0; offset < size; offset += CHUNK) {
        const length = Math.min(CHUNK + longest, size - offset);
        let read: number;
        try {
          read = readSync(fd, buffer, 0, length, start + BigInt(offset));
        } catch {
          break; // documented fallback: a mapping that went away or cannot be read holds nothing to find
        }
        const view = buffer.subarray(0, read);
        for (const [name, needle] of Object.entries(needles)) {
          const limit = offset + CHUNK < size ? CHUNK : read;
          for (let at = view.indexOf(needle); at >= 0 && at < limit; at = view.indexOf(needle, at + 1)) found[name]!++;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return found;
}
