// The state folder of a started service (edge): STATE/NAME/service.json (what we started, as
// the script asked for it, so that the next start or reload can tell what changed), and per
// instance the launcher's state file and the log. It outlives the CLI; the launcher keeps its
// state file current, we only read it.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { JailctlError, isErrnoError } from '../errors.js';
import { readInputTextIfExists } from '../io/input-file.js';
import { INPUT_LIMITS } from '../io/input-limits.js';
import { writeFileAtomic } from '../io/write-atomic.js';
import { EMPTY_DESCRIPTION, type ScriptDescription } from './script/actions.js';
import type { ConfigTrigger, ProcdInstance } from './procd.js';

const RECORD = 'service.json';

export interface InstanceRecord {
  instance: string;
  /** 0 for an instance that could not start (see failure) */
  launcherPid: number;
  /** why the instance could not start: it is not running, and the next start tries again */
  failure?: string;
  /** the instance as the script asked for it */
  config: ProcdInstance;
  /** sha256 of each `procd_set_param file` when it was started (procd compares their md5) */
  fileHashes: Record<string, string>;
  stateFile: string;
  logFile: string;
  termTimeoutMs: number;
  namespaces: string[];
  features: string[];
  mounts: number;
  user: { uid: number; gid: number };
  capabilities: string[];
  seccomp: string | null;
  /** cgroup folders the launcher creates and removes */
  cgroup: string[];
  pidfile?: string;
}

export interface ServiceRecord {
  version: 1;
  name: string;
  script: string;
  /** supervise: `service start`; trace: `service trace` (the tracer is a Node process) */
  mode: 'supervise' | 'trace';
  startedAt: number;
  tracerPid?: number;
  instances: InstanceRecord[];
  /** the script's hooks and commands when it was last run */
  description: ScriptDescription;
  /** procd_add_reload_trigger and config.change triggers, for `service reload-config` */
  triggers: ConfigTrigger[];
}

export function serviceDir(stateDir: string, name: string): string {
  return join(stateDir, name);
}

export function ensureServiceDir(stateDir: string, name: string): string {
  const dir = serviceDir(stateDir, name);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
  } catch (err) {
    throw new JailctlError('IO_FAILED', `cannot create the state folder ${dir} (${isErrnoError(err) ? err.code : String(err)})`, { path: dir, hint: 'pass a writable --state DIR', cause: err });
  }
  return dir;
}

export function readServiceRecord(stateDir: string, name: string): ServiceRecord | undefined {
  const text = readTextIfExists(join(serviceDir(stateDir, name), RECORD));
  if (text === undefined) return undefined;
  try {
    const record = JSON.parse(text) as ServiceRecord;
    if (record.version !== 1 || !Array.isArray(record.instances)) return undefined;
    // records written before procd's lifecycle lack these
    record.description ??= EMPTY_DESCRIPTION;
    record.triggers ??= [];
    for (const inst of record.instances) {
      inst.config ??= {};
      inst.fileHashes ??= {};
    }
    return record;
  } catch {
    return undefined; // documented fallback: a torn or foreign file reads as "not started"
  }
}

export function writeServiceRecord(stateDir: string, record: ServiceRecord): void {
  writeFileAtomic(join(ensureServiceDir(stateDir, record.name), RECORD), `${JSON.stringify(record, null, 2)}\n`);
}

export function removeServiceRecord(stateDir: string, name: string): void {
  rmSync(join(serviceDir(stateDir, name), RECORD), { force: true });
}

/** Names of services with a record in the state folder. */
export function listRecordedServices(stateDir: string): string[] {
  try {
    return readdirSync(stateDir).filter((n) => readTextIfExists(join(stateDir, n, RECORD)) !== undefined).sort();
  } catch {
    return []; // documented fallback: no state folder yet means nothing was started
  }
}

/** A record or state file, which only jailctl writes: a symlink there is refused, not followed. */
export function readTextIfExists(path: string): string | undefined {
  return readInputTextIfExists(path, '', INPUT_LIMITS.state, { noFollow: true });
}
