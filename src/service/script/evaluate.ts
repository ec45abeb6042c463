// Running an init script through jailctl's rc.common + procd shim (edge): the real shell
// evaluates the real script; we only read the JSON it leaves behind. Syntax errors, shim
// errors and shell failures become one line naming the script (and the line the shell gives).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JailctlError, isErrnoError } from '../../errors.js';
import { packageRoot } from '../../io/package-root.js';
import { parseProcdService, type ProcdService } from '../procd.js';
import { prepareScriptEnvironment, type ScriptEnvironment } from './environment.js';
import type { ShellChoice } from './shell.js';
import type { LibrarySource } from './view.js';

export interface EvaluateOptions {
  script: string;
  /** the service name (the script's file name) */
  name: string;
  /** UCI packages for config_load (default /etc/config) */
  configDir: string;
  action: 'dump' | 'stop';
  timeoutMs?: number;
}

export interface Evaluated {
  service: ProcdService;
  /** what the script wrote on stderr (its own warnings, "command not found" ...) */
  warnings: string[];
}

const SHIM_FILES = ['rc.common', 'procd.sh', 'functions.sh'];

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

/** Evaluates the script; throws JailctlError naming it on any problem. */
export function evaluateInitScript(options: EvaluateOptions): Evaluated {
  checkScript(options.script);
  const work = mkdtempSync(join(tmpdir(), 'jailctl-eval-'));
  try {
    const environment = prepareScriptEnvironment({ script: options.script, shimDir: findShimDir(), configDir: options.configDir, work });
    checkSyntax(options.script, environment.shell);
    const warnings = environment.warnings;
    const out = join(work, 'service.json');
    const result = runShim(options, environment, out);
    const shimError = readIfExists(`${out}.err`);
    if (shimError !== undefined) throw scriptError(options.script, shimError.trim().split('\n')[0]!);
    if (result.error !== undefined) throw new JailctlError('SPEC_INVALID', `init script ${options.script}: ${result.error}`, { hint: 'a script must not wait for anything while it is evaluated' });
    const stderrLines = result.stderr.split('\n').filter((l) => l.trim() !== '');
    if (result.status !== 0) throw shellFailure(options.script, stderrLines, result.status, environment.source);
    if (options.action === 'stop') return { service: { name: options.name, script: options.script, instances: {} }, warnings: [...warnings, ...stderrLines] };
    const json = readIfExists(out);
    if (json === undefined) {
      throw new JailctlError('SPEC_INVALID', `init script ${options.script}: start_service did not return (the script exited early)`, { hint: 'remove the exit from start_service' });
    }
    return { service: parseProcdService(json, options.script), warnings: [...warnings, ...stderrLines.map((l) => stripScript(options.script, l))] };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
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
  const line = r.stderr.split('\n').find((l) => l.trim() !== '') ?? `sh -n exited with status ${r.status}`;
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

function runShim(options: EvaluateOptions, environment: ScriptEnvironment, out: string) {
  const env: NodeJS.ProcessEnv = {
    HOME: '/',
    JAILCTL_SHIM: findShimDir(),
    JAILCTL_OUT: out,
    JAILCTL_SERVICE: options.name,
    ...environment.env,
  };
  const root = findInstallRoot();
  if (root !== undefined) env['JAILCTL_ROOT'] = root;
  const [program, ...args] = environment.command('. "$JAILCTL_SHIM/rc.common"', [options.script, options.script, options.action]);
  const r = spawnSync(program!, args, {
    env, cwd: '/', encoding: 'utf8', timeout: options.timeoutMs ?? 30_000, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const error = r.error !== undefined ? `evaluation did not finish (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})` : undefined;
  return { status: r.status, stderr: r.stderr ?? '', error };
}

function scriptError(script: string, message: string): JailctlError {
  const hint = message.startsWith('procd_set_param: unknown parameter') ? 'check the spelling against the list; jailctl refuses what procd would silently ignore' : undefined;
  return new JailctlError('SPEC_INVALID', `init script ${script}: ${message}`, { path: script, ...(hint ? { hint } : {}) });
}

const OPENWRT_LIBS = /(?:cannot|can't) open .*(\/lib\/functions|\/usr\/share\/libubox\/jshn\.sh|\/lib\/functions\/[\w.-]+)/;

function shellFailure(script: string, lines: string[], status: number | null, source: LibrarySource): JailctlError {
  const last = lines[lines.length - 1];
  const message = last === undefined ? `the shell exited with status ${status}` : stripScript(script, last);
  const missingInclude = last !== undefined && /(?:cannot|can't) open/.test(last);
  const hint = missingInclude && source === 'shim-folder' && OPENWRT_LIBS.test(last)
    ? "jailctl provides OpenWrt's libraries at their paths only inside a mount namespace, which could not be made here (see the warnings); run jailctl as root, or where unshare works"
    : missingInclude
      ? "the script includes a file this host does not have (jailctl provides /lib/functions.sh, /lib/functions/{network,service,system,procd}.sh, /lib/config/uci.sh and /usr/share/libubox/jshn.sh; other files come with the script's package)"
      : 'run the script by hand (sh -x) to see where it stops';
  return new JailctlError('SPEC_INVALID', `init script ${script}: ${message}`, { path: script, hint });
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (isErrnoError(err) && err.code === 'ENOENT') return undefined;
    throw err;
  }
}
