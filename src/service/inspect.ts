// `service NAME status`, `service list` and `service NAME logs` (edge): read the state folder and
// /proc, never the init script, so they work for anyone and change nothing.
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { JailctlError } from '../errors.js';
import { readInputTextIfExists } from '../io/input-file.js';
import { INPUT_LIMITS } from '../io/input-limits.js';
import { scriptPath, type ServiceContext } from './context.js';
import { bootTimeMs, firstChildOf, launcherAlive, processAlive, sleep } from './proc.js';
import { listRecordedServices, readServiceRecord, readTextIfExists, serviceDir, type ServiceRecord } from './record.js';
import { buildServiceStatus, parseLauncherState, type InstanceFacts, type ServiceStatus } from './status.js';

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name]));

export function readServiceStatus(stateDir: string, name: string): ServiceStatus {
  const record = readServiceRecord(stateDir, name);
  const facts = new Map<string, InstanceFacts>();
  for (const inst of record?.instances ?? []) {
    const state = parseLauncherState(readTextIfExists(inst.stateFile) ?? '');
    const alive = launcherAlive(inst.launcherPid);
    const jail = state?.jail || (alive ? firstChildOf(inst.launcherPid) : undefined);
    const service = state !== undefined && state.service > 0 && processAlive(state.service) ? state.service : alive && jail ? firstChildOf(jail) : undefined;
    facts.set(inst.instance, { launcherAlive: alive, state, jailPid: alive ? jail : undefined, servicePid: alive ? service : undefined });
  }
  return buildServiceStatus(name, record, facts, { bootMs: bootTimeMs(), wallMs: Date.now() }, (n) => SIGNAL_NAMES.get(n));
}

/** procd_running's answers for scripts: "SERVICE INSTANCE running|stopped" per recorded instance. */
export function runningSnapshot(stateDir: string): string {
  return listRecordedServices(stateDir).flatMap((name) => readServiceStatus(stateDir, name).instances.map((i) => `${name} ${i.instance} ${i.state === 'running' || i.state === 'tracing' ? 'running' : 'stopped'}\n`)).join('');
}

/** The one-line error for a NAME that is neither a script in --initd nor a service with state. */
export function missingScriptError(context: ServiceContext): JailctlError | undefined {
  const script = scriptPath(context);
  try {
    statSync(script);
    return undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || readServiceRecordOrUnreadable(context.stateDir, context.name) !== undefined) return undefined;
  }
  return new JailctlError('PATH_MISSING', `init script ${script}: no such script`, { path: script, hint: 'check the service name, and pass the folder of init scripts with --initd DIR' });
}

/** The record, 'unreadable' when the state folder cannot be read, or undefined when there is none. */
function readServiceRecordOrUnreadable(stateDir: string, name: string): ServiceRecord | 'unreadable' | undefined {
  try {
    return readServiceRecord(stateDir, name);
  } catch (err) {
    if (err instanceof JailctlError) return 'unreadable';
    throw err;
  }
}

export interface ServiceListing {
  /** one per procd init script in --initd and per service with state; `status` undefined when unreadable */
  services: { name: string; status?: ServiceStatus; unreadable?: string }[];
  /** files of --initd left out: not procd init scripts (a host's sysvinit scripts) */
  leftOut: string[];
}

/** Every procd init script in --initd (and every service with state but no script), with its status. */
export function listServices(context: Omit<ServiceContext, 'name'>): ServiceListing {
  let files: string[] = [];
  try {
    files = readdirSync(context.initd).filter((n) => !n.startsWith('.') && isFile(join(context.initd, n)));
  } catch (err) {
    throw new JailctlError('PATH_MISSING', `--initd ${context.initd}: cannot list it (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { path: context.initd, hint: 'pass the folder of init scripts with --initd DIR' });
  }
  const scripts = files.filter((n) => isProcdScript(join(context.initd, n)));
  const names = [...new Set([...scripts, ...listRecordedServices(context.stateDir)])].sort();
  return { services: names.map((name) => statusOrWhyNot(context.stateDir, name)), leftOut: files.filter((n) => !scripts.includes(n)).sort() };
}

function statusOrWhyNot(stateDir: string, name: string): ServiceListing['services'][number] {
  try {
    return { name, status: readServiceStatus(stateDir, name) };
  } catch (err) {
    if (!(err instanceof JailctlError)) throw err;
    return { name, unreadable: err.message };
  }
}

/** What the evaluation runs (the shim's rc.common refuses the rest): a script setting USE_PROCD. */
function isProcdScript(path: string): boolean {
  let text: string;
  try {
    text = readInputTextIfExists(path, '', INPUT_LIMITS.script) ?? '';
  } catch {
    return false; // documented fallback: a script we cannot read is not one we could run
  }
  return /^\s*USE_PROCD=["']?[^\s"']/m.test(text);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false; // documented fallback: a dangling entry is not a script
  }
}

/** Log files of a service: per instance, from its record or whatever logs the folder holds. */
export function logFilesOf(stateDir: string, name: string): { instance: string; file: string }[] {
  const record = readServiceRecord(stateDir, name);
  if (record !== undefined) return record.instances.map((i) => ({ instance: i.instance, file: i.logFile }));
  const dir = serviceDir(stateDir, name);
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.log')).sort();
  } catch {
    names = []; // documented fallback: never started, reported below
  }
  if (names.length === 0) {
    throw new JailctlError('PATH_MISSING', `${name}: no log in ${dir}`, { path: dir, hint: 'start the service first (jailctl service NAME start), with the same --state' });
  }
  return names.map((n) => ({ instance: n.slice(0, -4), file: join(dir, n) }));
}

export interface LogOptions {
  follow: boolean;
  /** last N lines of each file (undefined: everything) */
  lines?: number;
  write: (text: string) => void;
  /** stops following when it resolves */
  stop?: Promise<void>;
}

/** Prints the logs; with several instances every line is prefixed with its instance name. */
export async function showLogs(stateDir: string, name: string, options: LogOptions): Promise<void> {
  const files = logFilesOf(stateDir, name);
  const prefix = files.length > 1;
  const offsets = new Map<string, number>();
  for (const { instance, file } of files) {
    const text = readInputTextIfExists(file, '', INPUT_LIMITS.log, { noFollow: true }) ?? '';
    offsets.set(file, Buffer.byteLength(text));
    options.write(decorate(tail(text, options.lines), prefix ? instance : undefined));
  }
  if (!options.follow) return;
  let stopped = false;
  void options.stop?.then(() => { stopped = true; });
  while (!stopped) {
    await sleep(200);
    for (const { instance, file } of files) {
      const chunk = readFrom(file, offsets.get(file) ?? 0);
      if (chunk.length === 0) continue;
      offsets.set(file, (offsets.get(file) ?? 0) + chunk.length);
      options.write(decorate(chunk.toString('utf8'), prefix ? instance : undefined));
    }
  }
}

function tail(text: string, lines: number | undefined): string {
  if (lines === undefined) return text;
  const all = text.split('\n');
  if (all[all.length - 1] === '') all.pop();
  return all.length === 0 ? '' : `${all.slice(-lines).join('\n')}\n`;
}

function decorate(text: string, instance: string | undefined): string {
  if (instance === undefined || text === '') return text;
  return text.replace(/^(?=.)/gm, `${instance}: `);
}

function readFrom(file: string, offset: number): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return Buffer.alloc(0); // documented fallback: a log not created yet has nothing new
  }
  try {
    const chunks: Buffer[] = [];
    for (let at = offset; ;) {
      const buf = Buffer.alloc(65536);
      const n = readSync(fd, buf, 0, buf.length, at);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      at += n;
    }
    return Buffer.concat(chunks);
  } finally {
    closeSync(fd);
  }
}
