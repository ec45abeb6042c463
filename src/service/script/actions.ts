// The action log the shim writes while a script runs (one JSON object per line): the service
// sets it sends (procd_close_service), procd_kill, procd_send_signal, the hooks to run once the
// instances exist, config.change events, and the script's description. Pure.
import { JailctlError } from '../../errors.js';
import { parseProcdService, type ProcdService } from '../procd.js';

export type ScriptAction =
  | { op: 'set'; method: 'set' | 'add'; service: ProcdService }
  | { op: 'kill'; service: string; instance?: string }
  | { op: 'signal'; service: string; instance?: string; signal: number | string }
  | { op: 'hook'; name: string }
  | { op: 'config-changed'; package: string };

/** What jailctl needs to know of a script besides what it asks procd. */
export interface ScriptDescription {
  /** the hooks it defines: service_running, service_started, service_stopped, reload_service, status_service */
  hooks: string[];
  /** every command rc.common accepts for it (start, stop ... and its extra commands) */
  commands: string[];
  /** START and STOP, for enable/disable ("" when unset) */
  start: string;
  stop: string;
}

export const EMPTY_DESCRIPTION: ScriptDescription = { hooks: [], commands: [], start: '', stop: '' };

/** Parses the log; a line that is not what the shim writes is a bug in the shim. */
export function parseActionLog(text: string, script: string): { actions: ScriptAction[]; description: ScriptDescription } {
  const actions: ScriptAction[] = [];
  let description = EMPTY_DESCRIPTION;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const entry = parseLine(line, script);
    if (entry.op === 'describe') description = describe(entry, script);
    else actions.push(action(entry, script));
  }
  return { actions, description };
}

type Entry = Record<string, unknown> & { op: string };

function parseLine(line: string, script: string): Entry {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw bad(script, `malformed JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || typeof (value as Entry).op !== 'string') throw bad(script, 'an entry without "op"');
  return value as Entry;
}

function action(e: Entry, script: string): ScriptAction {
  const str = (key: string): string => {
    if (typeof e[key] !== 'string') throw bad(script, `${e.op}: "${key}" is not a string`);
    return e[key] as string;
  };
  const opt = (key: string): { instance?: string } => (typeof e[key] === 'string' ? { instance: e[key] as string } : {});
  switch (e.op) {
    case 'set':
      return { op: 'set', method: e['method'] === 'add' ? 'add' : 'set', service: parseProcdService(JSON.stringify(e['service']), script) };
    case 'kill':
      return { op: 'kill', service: str('service'), ...opt('instance') };
    case 'signal':
      if (typeof e['signal'] !== 'number' && typeof e['signal'] !== 'string') throw bad(script, 'signal: no signal');
      return { op: 'signal', service: str('service'), signal: e['signal'], ...opt('instance') };
    case 'hook':
      return { op: 'hook', name: str('name') };
    case 'config-changed':
      return { op: 'config-changed', package: str('package') };
    default:
      throw bad(script, `unknown action "${e.op}"`);
  }
}

function describe(e: Entry, script: string): ScriptDescription {
  const list = (key: string): string[] => (Array.isArray(e[key]) && (e[key] as unknown[]).every((v) => typeof v === 'string') ? e[key] as string[] : []);
  if (typeof e['start'] !== 'string' || typeof e['stop'] !== 'string') throw bad(script, 'describe: START/STOP missing');
  return { hooks: list('hooks'), commands: [...new Set(list('commands'))], start: e['start'], stop: e['stop'] };
}

function bad(script: string, what: string): JailctlError {
  return new JailctlError('SPEC_INVALID', `init script ${script}: the procd shim wrote a bad action log: ${what}`);
}
