// Small flag parsers shared by the commands. Errors are JailctlErrors naming the flag.
import { InvalidArgumentError } from 'commander';
import { JailctlError } from '../errors.js';

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function parseInteger(flag: string): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${flag} expects a whole number, got "${value}"`);
    return Number(value);
  };
}

export function parseKeyValue(arg: string, flag: string): [string, string] {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new JailctlError('USAGE', `${flag} "${arg}": expected KEY=VALUE`);
  return [arg.slice(0, eq), arg.slice(eq + 1)];
}
