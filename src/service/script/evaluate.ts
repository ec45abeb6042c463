// Running an action of an init script through jailctl's rc.common + procd shim (edge): the real
// shell runs the real script; what it asks of procd comes back as an action log (actions.ts).
// Syntax errors and shim errors become one line naming the script; everything else the script
// prints is handed back, in order, for the caller to show as it is.
import { spawnSync, type StdioOptions } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { JailctlError, isErrnoError } from '../../errors.js';
import { readInputTextIfExists } from '../../io/input-file.js';
import { INPUT_LIMITS } from '../../io/input-limits.js';
import { packageRoot } from '../../io/package-root.js';
import type { ProcdService } from '../procd.js';
import { parseActionLog, type ScriptAction, type ScriptDescription } from './actions.js';
import { prepareScriptEnvironment, type ScriptEnvironment } from './environment.js';
import { runInSandbox } from './sandbox-run.js';
import type { ShellChoice } from './shell.js';
import type { LibrarySource } from './view.js';

export interface ScriptRun {
  script: string;
  /** the service name (the script's file name) */
  name: string;
  /** UCI packages for config_load (default /etc/config) */
  configDir: string;
  /** an rc.common command, `_hook NAME` or `_describe` */
  action: string;
  args?: string[];
  /** procd_running's answers: lines "SERVICE INSTANCE running|stopped" */
  running?: string;
  /** enable/disable: the rc.d folder and the prefix its links point through */
  rcd?: { dir: string; link: string };
  /** capture: handed back in the result; inherit: the caller's terminal (extra commands) */
  output?: 'capture' | 'inherit';
  /** a dry run: the script runs in a throwaway view of the file system (sandbox.ts) */
  sandbox?: boolean;
  timeoutMs?: number;
}

export interface ScriptResult {
  actions: ScriptAction[];
  description: ScriptDescription;
  /** the shell's exit status (128 + N when signal N killed it) */
  status: number;
  /** the signal that killed the shell, when one did (SIGKILL ...) */
  signal?: string;
  /** what the script printed on stdout and stderr, in order (when captured) */
  output: string[];
  /** where the script found OpenWrt's libraries (environment.ts) */
  source: LibrarySource;
}

const SHIM_FILES = ['rc.common', 'procd.sh', 'procd-ubus.sh', 'functions.sh'];

/** src/service/shim of jailctl's installation, bundled or not. */
export function findShimDir(): string {
  const fromEnv = process.env['JAILCTL_SHIM_DIR'];
  if (fromEnv) return fromEnv;
  const shim = join(packageRoot(), 'src', 'service', 'shim');
  if (existsSync(join(shim, 'rc.common'))) return shim;
  throw new JailctlError('NOT_SUPPORTED', `jailctl's procd shim (${SHIM_FILES.join(', ')}) is missing from the installation`, {
    hint: 'reinstall jailctl, or point JAILCTL_SHIM_DIR at a folder holding src/service/shim',
  });
}

/**
 * jailctl's own installation (a checkout or the installed package: dist/jailctl.mjs, profiles/,
 * build/Release), given to scripts as JAILCTL_ROOT so that a shipped script can name jailctl's
 * files; undefined when this jailctl runs from elsewhere.
 */
export function findInstallRoot(): string | undefined {
  const root = packageRoot();
  return existsSync(join(root, 'dist', 'jailctl.mjs')) ? root : undefined;
}

/** Runs the action; throws JailctlError naming the script for what is not the script's own doing. */
export function runInitScript(run: ScriptRun): ScriptResult {
  checkScript(run.script);
  const work = mkdtempSync(join(tmpdir(), 'jailctl-eval-'));
  try {
    const environment = prepareScriptEnvironment({ script: run.script, shimDir: findShimDir(), configDir: run.configDir, work });
    checkSyntax(run.script, environment.shell);
    const log = join(work, 'actions');
    writeFileSync(log, '');
    writeFileSync(join(work, 'running'), run.running ?? '');
    const outFile = join(work, 'output');
    const shell = runShim(run, environment, work, outFile);
    const output = [...environment.warnings.map((w) => `jailctl: warning: ${w}`), ...readLines(outFile).map((l) => stripScript(run.script, l))];
    const shimError = readIfExists(`${log}.err`);
    if (shimError !== undefined) throw withOutput(scriptError(run.script, shimError.trim().split('\n')[0]!), output);
    if (shell.error !== undefined) throw withOutput(new JailctlError('SPEC_INVALID', `init script ${run.script}: ${shell.error}`, { ...(shell.hint !== undefined ? { hint: shell.hint } : {}) }), output);
    const { actions, description } = parseActionLog(readIfExists(log) ?? '', run.script);
    return { actions, description, status: shell.status, ...(shell.signal !== undefined ? { signal: shell.signal } : {}), output, source: environment.source };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface EvaluateOptions {
  script: string;
  name: string;
  configDir: string;
  action: 'dump' | 'stop';
  timeoutMs?: number;
}

/** start_service's service set ('dump') or the stop command's run, with what the script printed. */
export function evaluateInitScript(options: EvaluateOptions): { service: ProcdService; warnings: string[] } {
  const result = runInitScript({ script: options.script, name: options.name, configDir: options.configDir, action: options.action === 'dump' ? 'start' : 'stop', ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) });
  if (options.action === 'stop') return { service: { name: options.name, script: options.script, instances: {}, triggers: [] }, warnings: result.output };
  const set = [...result.actions].reverse().find((a) => a.op === 'set');
  if (set === undefined || set.op !== 'set') throw withOutput(explainEarlyExit(options.script, result, 'start_service'), result.output);
  return { service: set.service, warnings: result.output };
}

/** An error that carries what the script printed before it (shown above the error line). */
export class ScriptError extends JailctlError {
  output: string[] = [];
}

function withOutput(err: JailctlError, output: string[]): ScriptError {
  const e = new ScriptError(err.code, err.message, { ...(err.hint !== undefined ? { hint: err.hint } : {}), ...(err.path !== undefined ? { path: err.path } : {}) });
  e.output = output;
  return e;
}

function checkScript(script: string): void {
  let isFile: boolean;
  try {
    isFile = statSync(script).isFile();
  } catch (err) {
    const why = isErrnoError(err) ? err.code : String(err);
    throw new JailctlError('PATH_MISSING', `init script ${script}: cannot read it (${why})`, { path: script, hint: 'check the service name and --initd' });
  }
  if (!isFile) throw new JailctlError('SPEC_INVALID', `init script ${script}: not a regular file`, { path: script });
}

/** `sh -n`: the shell reports the first syntax error with its line. */
function checkSyntax(script: string, shell: ShellChoice): void {
  const r = spawnSync(shell.argv[0]!, [...shell.argv.slice(1), '-n', script], { encoding: 'utf8', timeout: 10_000 });
  if (r.status === 0) return;
  const line = r.stderr.split('\n').find((l) => l.trim() !== '') ?? `sh -n ${describeShellEnd({ status: r.status ?? SHELL_NOT_RUN, ...(r.signal !== null ? { signal: r.signal } : {}) })}`;
  throw new JailctlError('SPEC_INVALID', `init script ${script}: ${stripScript(script, line)}`, { path: script, hint: 'fix the shell syntax; `sh -n SCRIPT` shows the same error' });
}

/** "SCRIPT: 12: msg" (dash) or "SCRIPT: line 12: msg" (ash, bash) -> "line 12: msg". */
export function stripScript(script: string, line: string): string {
  let rest = line.startsWith(`${script}: `) ? line.slice(script.length + 2) : line;
  // ash names the file it is running, rc.common, for errors in the script's own functions;
  // the line numbers are the script's
  rest = rest.replace(/^\S*\/rc\.common: (?=(?:line )?\d+: )/, '');
  rest = rest.replace(/^(?:\.: )?(?:line )?(\d+): /, 'line $1: ');
  return rest;
}

/** procd-semantics' shim variables, then the OpenWrt environment's (PATH, the UCI cache, the
 * tools: environment.ts). */
function shimEnv(run: ScriptRun, environment: ScriptEnvironment, work: string): Record<string, string> {
  const env: Record<string, string> = {
    HOME: '/',
    JAILCTL_SHIM: findShimDir(),
    JAILCTL_ACTIONS: join(work, 'actions'),
    JAILCTL_RUNNING: join(work, 'running'),
    JAILCTL_SERVICE: run.name,
    ...environment.env,
  };
  if (run.rcd !== undefined) {
    env['JAILCTL_RCD'] = run.rcd.dir;
    env['JAILCTL_RCD_LINK'] = run.rcd.link;
  }
  const root = findInstallRoot();
  if (root !== undefined) env['JAILCTL_ROOT'] = root;
  return env;
}

/** neither an exit status nor a signal (spawnSync could not run it): jailctl's own failure */
const SHELL_NOT_RUN = 125;

const TIMEOUT_HINT = 'a script must not wait for anything while it runs';

/** How the shell ended, in words: "exited with status 2", "was killed by SIGKILL". */
export function describeShellEnd(result: { status: number; signal?: string }): string {
  return result.signal !== undefined ? `was killed by ${result.signal}` : `exited with status ${result.status}`;
}

function runShim(run: ScriptRun, environment: ScriptEnvironment, work: string, outFile: string): { status: number; signal?: string; error?: string; hint?: string } {
  // the shell (shell.ts) in the evaluation's mount namespace (view.ts), wrapped once more by the
  // dry run's throwaway view: runInSandbox runs the same argv
  const argv = environment.command('. "$JAILCTL_SHIM/rc.common"', [run.script, run.script, run.action, ...(run.args ?? [])]);
  const env = shimEnv(run, environment, work);
  const timeout = run.timeoutMs ?? 60_000;
  const out = openSync(outFile, 'w');
  try {
    if (run.sandbox === true) {
      const r = runInSandbox({ argv, env, work, stdout: out, timeoutMs: timeout });
      return r.error === undefined ? r : { ...r, hint: r.error.startsWith('it did not finish') ? TIMEOUT_HINT : 'report this, with /proc/self/mountinfo: the dry run cannot protect this host' };
    }
    const stdio: StdioOptions = run.output === 'inherit' ? ['inherit', 'inherit', 'inherit'] : ['ignore', out, out];
    const r = spawnSync(argv[0]!, argv.slice(1), { env, cwd: '/', timeout, stdio });
    if (r.error !== undefined) return { status: 125, error: `it did not finish (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`, hint: TIMEOUT_HINT };
    if (r.signal !== null) return { status: 128 + (constants.signals[r.signal] ?? 0), signal: r.signal };
    return { status: r.status ?? SHELL_NOT_RUN };
  } finally {
    closeSync(out);
  }
}

function readLines(file: string): string[] {
  return (readIfExists(file) ?? '').split('\n').filter((l) => l.trim() !== '');
}

function scriptError(script: string, message: string): JailctlError {
  const hint = message.startsWith('procd_set_param: unknown parameter') ? 'check the spelling against the list; jailctl refuses what procd would silently ignore' : undefined;
  return new JailctlError('SPEC_INVALID', `init script ${script}: ${message}`, { path: script, ...(hint ? { hint } : {}) });
}

const OPENWRT_LIBS = /(?:cannot|can't) open .*(\/lib\/functions|\/usr\/share\/libubox\/jshn\.sh|\/lib\/functions\/[\w.-]+)/;

/** Why an action ended before it asked procd anything: the script's last words, and a hint. */
export function explainEarlyExit(script: string, result: ScriptResult, what: string): JailctlError {
  const last = result.output.filter((l) => !l.startsWith('jailctl: ')).pop();
  const missingInclude = last !== undefined && /(?:cannot|can't) open/.test(last);
  const hint = missingInclude && result.source === 'shim-folder' && OPENWRT_LIBS.test(last)
    ? "jailctl provides OpenWrt's libraries at their paths only inside a mount namespace, which could not be made here (see the warnings); run jailctl as root, or where unshare works"
    : missingInclude
      ? "the script includes a file this host does not have (jailctl provides /lib/functions.sh, /lib/functions/{network,service,system,procd}.sh, /lib/config/uci.sh and /usr/share/libubox/jshn.sh; other files come with the script's package)"
      : 'run the script by hand (sh -x) to see where it stops';
  return new JailctlError('SPEC_INVALID', `init script ${script}: ${what} did not finish: the script ${describeShellEnd(result)}${last !== undefined ? ` after "${last}"` : ''}`, { path: script, hint });
}

/** What the shim wrote into our temporary folder (the script could put anything there). */
function readIfExists(path: string): string | undefined {
  return readInputTextIfExists(path, 'the procd shim output', INPUT_LIMITS.spec, { noFollow: true });
}
