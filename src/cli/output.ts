// The only place that prints errors. A JailctlError becomes "jailctl: message" (one line per
// problem) and an optional "hint:" line; anything else is a bug and says so, without a stack
// trace unless JAILCTL_DEBUG is set.
import { JailctlError } from '../errors.js';
import { encodeRaw } from '../io/raw-bytes.js';
import { EXIT_JAILCTL_FAILED } from './exit-codes.js';

export function printError(err: unknown): void {
  if (err instanceof JailctlError) {
    // paths and arguments with non-UTF-8 bytes are printed with those bytes, as a C tool would
    for (const line of err.message.split('\n')) process.stderr.write(encodeRaw(`jailctl: ${line}\n`));
    if (err.hint !== undefined) process.stderr.write(encodeRaw(`hint: ${err.hint}\n`));
  } else {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`jailctl: internal error: ${message}\n`);
    process.stderr.write('hint: this is a bug in jailctl; run again with JAILCTL_DEBUG=1 for details and report it\n');
  }
  if (process.env['JAILCTL_DEBUG'] && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
}

/** Prints the error and ends the process with `code`. */
export function fail(err: unknown, code = EXIT_JAILCTL_FAILED): never {
  printError(err);
  process.exit(code);
}

/** JSON with bigints as decimal strings and byte arrays summarized. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Uint8Array) return { bytes: v.length, hex: Buffer.from(v).toString('hex') };
      return v;
    },
    2,
  );
}
