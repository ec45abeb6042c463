// Writing an output file so readers never see half of it (edge): the data goes to a temporary
// file in the same directory (rename(2) is atomic only within one file system), is flushed to
// disk, and then renamed over the target. On any failure the temporary file is removed and the
// target is untouched.
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { JailctlError, isErrnoError } from '../errors.js';

export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', mode);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    removeQuietly(temp);
    const why = isErrnoError(err) ? err.code : String(err);
    throw new JailctlError('IO_FAILED', `cannot write ${path} (${why})`, {
      path,
      cause: err,
      hint: 'check that the directory exists and is writable; the previous file, if any, is unchanged',
    });
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // documented fallback: the temporary file may never have been created
  }
}
