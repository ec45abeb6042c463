// Writing an output file so readers never see half of it (edge): the data goes to a temporary
// file in the same directory (rename(2) is atomic only within one file system), is flushed to
// disk, and then renamed over the target. On any failure the temporary file is removed and the
// target is untouched. A device, FIFO or socket (/dev/null, /dev/stdout) is written to in place,
// and a symlink keeps leading to the file it leads to, which is the one replaced.
import { accessSync, closeSync, constants, fsyncSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { JailctlError, isErrnoError } from '../errors.js';

export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const existing = statQuietly(path);
  // renamed over, /dev/null would become a regular file (as root, for every program after us)
  if (existing !== undefined && !existing.isFile() && !existing.isDirectory()) return writeInPlace(path, bytes);
  const target = existing?.isFile() === true ? realpathSync(path) : path;
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', mode);
    writeAll(fd, bytes);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, target);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    removeQuietly(temp);
    throw writeFailed(path, err, 'check that the directory exists and is writable; the previous file, if any, is unchanged');
  }
}

/**
 * Fails now, with the error writeFileAtomic(path) would fail with later, when it could not write
 * there: a directory, a device it may not write, a directory it cannot create files in. For
 * commands that run something first (a trace) and must not find out only at the end.
 */
export function checkWritable(path: string, hint: string): void {
  const existing = statQuietly(path);
  if (existing?.isDirectory() === true) throw new JailctlError('IO_FAILED', `cannot write ${path} (EISDIR)`, { path, hint });
  try {
    if (existing !== undefined && !existing.isFile()) return accessSync(path, constants.W_OK);
    // the temporary file writeFileAtomic makes, made and removed
    const target = existing !== undefined ? realpathSync(path) : path;
    const probe = join(dirname(target), `.${basename(target)}.${process.pid}.probe.tmp`);
    closeSync(openSync(probe, 'wx', 0o600));
    unlinkSync(probe);
  } catch (err) {
    throw writeFailed(path, err, hint);
  }
}

function writeInPlace(path: string, bytes: Uint8Array): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'w');
    writeAll(fd, bytes);
  } catch (err) {
    throw writeFailed(path, err, 'check that it can be opened for writing');
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
}

function writeFailed(path: string, err: unknown, hint: string): JailctlError {
  const why = isErrnoError(err) ? err.code : String(err);
  return new JailctlError('IO_FAILED', `cannot write ${path} (${why})`, { path, cause: err, hint });
}

function statQuietly(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    // documented fallback: a missing target (or a dangling link) is simply created
    return undefined;
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // documented fallback: the temporary file may never have been created
  }
}
