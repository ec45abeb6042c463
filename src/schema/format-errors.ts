// ajv errors -> one line per problem: file, JSON path, bad value, what is accepted. Pure.
// Values and keys from the file are shown only when they cannot be a secret (safe-text.ts): a
// file that fails the schema may not be the kind of file it was meant to be at all.
import type { ErrorObject } from 'ajv';
import { isPlainText, showString, showValue } from './safe-text.js';

function valueAt(data: unknown, pointer: string): unknown {
  let node: unknown = data;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** The JSON pointer with any key that could be a secret replaced by its length. */
function safePointer(pointer: string): string {
  return pointer.split('/').map((raw, i) => {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    return i === 0 || isPlainText(key) ? raw : `<${key.length} characters>`;
  }).join('/');
}

/** One ajv error as the JSON path it is about and what is wrong there. */
export interface SchemaFinding {
  /** JSON pointer, or "(top level)" */
  path: string;
  message: string;
  /** set for a key the schema does not know (additionalProperties) */
  unknownKey?: string;
}

export function describeSchemaErrors(data: unknown, errors: readonly ErrorObject[]): SchemaFinding[] {
  return errors.map((e) => {
    const path = e.instancePath === '' ? '(top level)' : safePointer(e.instancePath);
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      return { path, message: `unknown key ${showString(extra)}`, unknownKey: extra };
    }
    if (e.keyword === 'enum') {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      return { path, message: `${showValue(valueAt(data, e.instancePath))} is not one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}` };
    }
    if (e.keyword === 'propertyNames') {
      const name = (e.params as { propertyName: string }).propertyName;
      return { path, message: `key ${showString(name)} is not allowed` };
    }
    const got = e.instancePath === '' ? '' : ` (got ${showValue(valueAt(data, e.instancePath))})`;
    return { path, message: `${e.message ?? 'is invalid'}${got}` };
  });
}

/** One message per ajv error, e.g. `spec.json: /ro/0: must be string (got 1)`. */
export function formatSchemaErrors(file: string, data: unknown, errors: readonly ErrorObject[]): string[] {
  return describeSchemaErrors(data, errors).map((f) => `${file}: ${f.path}: ${f.message}`);
}
