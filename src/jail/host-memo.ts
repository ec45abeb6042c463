// HostFacts that remember what they read (pure wrapper): for one pass over thousands of paths
// that share their directories (a trace's mount list), each lstat, readlink and readdir of a
// path reaches the host once, and file bytes (ELF headers, one small read after another) are
// read in whole blocks, each once. Only for passes short enough that the host does not change.
import type { FileInfo, HostFacts } from './host.js';

export function memoizeHost(host: HostFacts): HostFacts {
  // null stands for a remembered undefined: one lookup per call
  const lstats = new Map<string, FileInfo | null>();
  const links = new Map<string, string | null>();
  const dirs = new Map<string, string[] | null>();
  return {
    arch: host.arch,
    lstat: (path) => {
      let info = lstats.get(path);
      if (info === undefined) lstats.set(path, (info = host.lstat(path) ?? null));
      return info ?? undefined;
    },
    readlink: (path) => {
      let target = links.get(path);
      if (target === undefined) links.set(path, (target = host.readlink(path) ?? null));
      return target ?? undefined;
    },
    // a copy: callers may sort or change the list they get
    readDir: (path) => {
      let names = dirs.get(path);
      if (names === undefined) dirs.set(path, (names = host.readDir(path) ?? null));
      return names?.slice();
    },
    readRange: blockReader(host),
    readText: (path) => host.readText(path),
  };
}

/** Bytes are read in blocks of this size, aligned */
const BLOCK = 4096;

/** readRange served from whole blocks, each read once (a run of missing blocks in one read). */
function blockReader(host: HostFacts): HostFacts['readRange'] {
  // per path: block index -> its bytes (shorter than BLOCK at end of file); null: unreadable
  const files = new Map<string, Map<number, Uint8Array> | null>();
  return (path, offset, length) => {
    if (length <= 0 || offset < 0) return host.readRange(path, offset, length);
    let blocks = files.get(path);
    if (blocks === null) return undefined;
    if (blocks === undefined) files.set(path, (blocks = new Map()));
    const first = Math.floor(offset / BLOCK);
    const last = Math.floor((offset + length - 1) / BLOCK);
    let missing = first;
    while (missing <= last && blocks.has(missing)) missing++;
    if (missing <= last && !readBlocks(host, path, blocks, missing, last)) {
      files.set(path, null);
      return undefined;
    }
    const out = new Uint8Array(length);
    let got = 0;
    for (let b = first; b <= last && got < length; b++) {
      const bytes = blocks.get(b)!;
      const from = b === first ? offset - b * BLOCK : 0;
      const part = bytes.subarray(Math.min(from, bytes.length), Math.min(bytes.length, from + length - got));
      out.set(part, got);
      got += part.length;
      if (bytes.length < BLOCK) break; // end of file
    }
    return out.subarray(0, got);
  };
}

/** Reads blocks from..to (at least `from` is missing); false when the file cannot be read. */
function readBlocks(host: HostFacts, path: string, blocks: Map<number, Uint8Array>, from: number, to: number): boolean {
  const bytes = host.readRange(path, from * BLOCK, (to - from + 1) * BLOCK);
  if (bytes === undefined) return false;
  for (let b = from; b <= to; b++) {
    const start = (b - from) * BLOCK;
    // a block past the end of the file is empty, like a read there
    if (!blocks.has(b)) blocks.set(b, bytes.slice(Math.min(start, bytes.length), Math.min(bytes.length, start + BLOCK)));
  }
  return true;
}
