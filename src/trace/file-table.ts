// The files of a trace (pure): one entry per path, with the syscalls made on it, what the
// successful ones needed, and how the others failed, folded in call by call. What a kind of call
// implies (writes, creates, removes) is worked out once per kind, not once per call.
import type { FileUse, PathCall } from './file-access.js';

export interface FileAccess {
  /** absolute, or as the program gave it when its directory was not known (see `absolute`) */
  path: string;
  absolute: boolean;
  /** syscalls made on the path, first seen first */
  syscalls: string[];
  /** what the successful calls needed; empty when every call failed */
  uses: FileUse[];
  /** read or write intent: of the successful calls, or of the attempts when none succeeded */
  access: 'read' | 'write';
  /** the tree created it: mkdir, mknod, link/symlink/rename target, O_EXCL, or O_CREAT after ENOENT */
  created: boolean;
  /** opened with O_CREAT or creat(2) and not known to be new: created unless it existed */
  mayCreate: boolean;
  removed: boolean;
  /** made, entered or opened as a directory */
  directory: boolean;
  ok: number;
  /** failed calls by errno name (ENOENT ...) */
  errors: Record<string, number>;
}

/** A PathCall with what follows from its uses, for folding many calls of one kind. */
export interface FileCall extends PathCall {
  /** it writes, creates or removes */
  writes: boolean;
  creates: boolean;
  removes: boolean;
  /** when it succeeds, it changes the working directory or a directory descriptor */
  movesBase: boolean;
}

export function fileCallOf(call: PathCall, movesBase = false): FileCall {
  const has = (use: FileUse): boolean => call.uses.includes(use);
  return { ...call, writes: has('write') || has('create') || has('remove'), creates: has('create'), removes: has('remove'), movesBase };
}

export class FileTable {
  private readonly files = new Map<string, FileAccess>();

  /** Folds in one call on `path` that failed with `errno` (undefined: it succeeded). */
  note(path: string, absolute: boolean, syscall: string, call: FileCall, errno: string | undefined): void {
    let entry = this.files.get(path);
    if (entry === undefined) {
      entry = { path, absolute, syscalls: [], uses: [], access: 'read', created: false, mayCreate: false, removed: false, directory: false, ok: 0, errors: {} };
      this.files.set(path, entry);
    }
    updateFile(entry, syscall, call, errno);
  }

  /** Every file, by path (UTF-16 code units, as `<` orders strings). */
  sorted(): FileAccess[] {
    // the paths are the keys, each once: sorted natively, without a comparator called per pair
    return [...this.files.keys()].sort().map((path) => this.files.get(path)!);
  }
}

// indexed loops, no closures: this runs for every traced call, mostly before V8 optimizes it
function updateFile(entry: FileAccess, syscall: string, call: FileCall, errno: string | undefined): void {
  if (!entry.syscalls.includes(syscall)) entry.syscalls.push(syscall);
  if (errno !== undefined) {
    entry.errors[errno] = (entry.errors[errno] ?? 0) + 1;
    if (entry.ok === 0 && call.writes) entry.access = 'write';
    return;
  }
  if (entry.ok++ === 0) entry.access = 'read'; // the first success
  const uses = call.uses;
  for (let i = 0; i < uses.length; i++) if (!entry.uses.includes(uses[i]!)) entry.uses.push(uses[i]!);
  if (call.writes) entry.access = 'write';
  if (call.directory) entry.directory = true;
  if (call.creates || call.exclusive) entry.created = true;
  else if (call.mayCreate) {
    // a file that was missing (ENOENT) or removed before it was opened with O_CREAT is new
    if (entry.removed || (entry.errors['ENOENT'] ?? 0) > 0) entry.created = true;
    else if (!entry.created) entry.mayCreate = true;
  }
  if (call.removes) entry.removed = true;
  else if (call.creates || call.mayCreate || call.exclusive) entry.removed = false;
}
