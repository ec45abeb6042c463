// HostFacts: everything the pure planners may learn about the host, behind one interface.
// Planners receive it as a parameter; src/jail/host-fs.ts is the real implementation and
// test/helpers/fake-host.ts an in-memory one. Paths are absolute host paths.
import type { InputLimit } from '../io/input-limits.js';

export type FileKind = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

export interface FileInfo {
  kind: FileKind;
  /** permission bits and setuid/setgid/sticky (mode & 0o7777) */
  mode: number;
  uid: number;
  gid: number;
  size: number;
}

export interface HostFacts {
  /** kernel/audit arch name of the host, e.g. "x86_64", "aarch64" */
  readonly arch: string;
  /** lstat(2): does not follow a final symlink; undefined if the path does not exist */
  lstat(path: string): FileInfo | undefined;
  /** readlink(2); undefined if not a symlink or missing */
  readlink(path: string): string | undefined;
  /** bytes [offset, offset+length) of a file, following symlinks; shorter at EOF; undefined if unreadable */
  readRange(path: string, offset: number, length: number): Uint8Array | undefined;
  /**
   * A whole (small) text file, following symlinks; undefined if missing or unreadable. Only a
   * regular file is read (anything else but a directory throws, naming the path), at most
   * `input.limit` bytes (default INPUT_LIMITS.host). With `input`, the file is one the user
   * named: messages start with `input.what` (the option), and a directory throws too.
   */
  readText(path: string, input?: { what: string; limit: InputLimit }): string | undefined;
  /** directory entry names, sorted; undefined if not a readable directory */
  readDir(path: string): string[] | undefined;
}
