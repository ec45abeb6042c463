// Reading a --spec file (edge: touches the file system): JSON, schema check, and paths made
// absolute against the file's own folder before it is merged with the flags.
import { dirname, resolve } from 'node:path';
import validateJailSpec from '../generated/jail-spec.validate.js';
import { JailctlError } from '../errors.js';
import { readInputText } from '../io/input-file.js';
import { INPUT_LIMITS } from '../io/input-limits.js';
import { formatSchemaErrors } from '../schema/format-errors.js';
import { describeJsonSyntaxError } from '../schema/json-syntax.js';
import type { RawJailSpec } from './spec.js';

export function readJailSpecFile(file: string): RawJailSpec {
  const text = readInputText(file, '--spec', INPUT_LIMITS.spec);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text, which may be a secret file given by mistake
    throw new JailctlError('SPEC_INVALID', `--spec ${file}: ${describeJsonSyntaxError(text)}`, { path: file, hint: 'see profiles/schema/jail-spec.schema.json' });
  }
  if (!validateJailSpec(json)) {
    const lines = formatSchemaErrors(file, json, validateJailSpec.errors ?? []);
    throw new JailctlError('SPEC_INVALID', lines.join('\n'), { path: file, hint: 'see profiles/schema/jail-spec.schema.json' });
  }
  return absolutize(json as RawJailSpec, dirname(resolve(file)));
}

function absolutize(raw: RawJailSpec, dir: string): RawJailSpec {
  const abs = (p: string): string => (p.startsWith('/') ? p : resolve(dir, p));
  const bind = (arg: string): string => {
    const colon = arg.indexOf(':');
    return colon < 0 ? abs(arg) : `${abs(arg.slice(0, colon))}${arg.slice(colon)}`;
  };
  const out: RawJailSpec = { ...raw };
  if (raw.ro) out.ro = raw.ro.map(bind);
  if (raw.rw) out.rw = raw.rw.map(bind);
  if (raw.caps) out.caps = abs(raw.caps);
  if (raw.seccomp) out.seccomp = abs(raw.seccomp);
  return out;
}
