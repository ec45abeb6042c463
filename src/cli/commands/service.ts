// `jailctl service NAME COMMAND [ARGS]`, `jailctl service list` and `jailctl service
// reload-config`: flags -> ServiceContext -> one call into src/service (loaded with import() on
// use). Prints what the script printed as it is, jailctl's notes, then the status line; decides
// only the exit status from what the core reports.
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { JailctlError } from '../../errors.js';
import { DEFAULT_CONFIG_DIR, DEFAULT_INITD, DEFAULT_STATE_DIR, type ServiceContext } from '../../service/context.js';
import { DEFAULT_OVERLAY_DIR } from '../../service/harden/overlay.js';
import type { ServiceStatus } from '../../service/status.js';
import { EXIT_JAILCTL_FAILED } from '../exit-codes.js';
import { printError, toJson } from '../output.js';
import { parseInteger } from '../parse.js';

interface ServiceFlags {
  initd: string;
  state: string;
  config: string;
  rcd?: string;
  json?: boolean;
  follow?: boolean;
  lines?: number;
  merge?: boolean;
  output?: string;
  dryRun?: boolean;
  settle?: number;
  overlays: string;
  for?: number;
  check?: boolean;
  remove?: boolean;
  procdDir: string;
  seccompStrict?: boolean;
}

const VERBS = ['start', 'stop', 'restart', 'reload', 'boot', 'shutdown', 'status', 'trace', 'harden', 'unharden', 'logs', 'save-plan', 'enable', 'disable', 'enabled', 'running'];
/** LSB: `status` exits 3 when the service is not running, 1 when it was started but is not (all) running. */
const EXIT_NOT_RUNNING = 1;
/** LSB: `status` of a service that is not installed is "program or service status is unknown". */
const EXIT_STATUS_UNKNOWN = 4;

export function registerService(program: Command): void {
  program
    .command('service')
    .description('run procd init scripts as procd would: start, stop, restart, reload, status, trace, logs, enable ...; list them; reload-config')
    .usage('NAME start|stop|restart|reload|boot|status|trace|harden|unharden|logs|enable|disable|enabled|running|COMMAND [ARGS...] [options]\n       jailctl service NAME save-plan -o DIR [options]\n       jailctl service list [options]\n       jailctl service reload-config [options]')
    .argument('<name>', 'the init script (its file name in --initd), "list" or "reload-config"')
    .argument('[command]', `${VERBS.join('|')}, or one of the script's extra commands`)
    .argument('[args...]', 'passed to the script, as to /etc/init.d/NAME COMMAND ARGS')
    .option('--initd <dir>', 'folder of init scripts', DEFAULT_INITD)
    .option('--state <dir>', 'where started services keep their state and logs', DEFAULT_STATE_DIR)
    .option('--config <dir>', "UCI packages for the scripts' config_load", DEFAULT_CONFIG_DIR)
    .option('--rcd <dir>', 'enable/disable: the folder of S??NAME/K??NAME links (default: rc.d beside --initd)')
    .option('--json', 'status, list: machine-readable output')
    .option('-f, --follow', 'logs: keep printing what the service writes (until Ctrl-C)')
    .addOption(new Option('-n, --lines <n>', 'logs: only the last N lines').argParser(parseInteger('--lines')))
    .option('--merge', 'trace: merge with the existing profile instead of replacing it')
    .option('-o, --output <file>', "trace: write the profile here (default: the script's seccomp path, or /tmp/NAME.json); save-plan: the folder for NAME.INSTANCE.plan")
    .option('--dry-run', 'start, restart, boot, trace: run start_service in a throwaway view of the file system and print the launch plans')
    .option('--overlays <dir>', 'hardening overlays (NAME.json), written by harden, applied by start', DEFAULT_OVERLAY_DIR)
    .addOption(new Option('--for <seconds>', 'harden: stop the traced service after this many seconds').argParser(parseInteger('--for')))
    .option('--check', 'harden: run the hardened service traced and report calls that now fail')
    .option('--remove', 'harden: remove the overlay (as unharden)')
    .option('--procd-dir <dir>', "harden: where procd's files go (DIR/seccomp/NAME.json, DIR/capabilities/NAME.json)", '/etc')
    .addOption(new Option('--settle <ms>', 'start, restart, reload, boot: how long a started instance must stay up to count as running').argParser(parseInteger('--settle')))
    .option('--seccomp-strict', 'start, restart, reload, boot: refuse a seccomp profile runc, crun or procd would accept with warnings')
    .addHelpText('after', '\nstatus exits 0 when every instance runs, 3 when the service is stopped, 1 otherwise, 4 when there is\nno such script (and no state); start, restart, reload and boot likewise exit 0 only when every\ninstance runs; any command on a script that does not exist exits 125 (status: 4).')
    .action(async (name: string, command: string | undefined, args: string[], flags: ServiceFlags) => runService(name, command, args, flags));
}

function baseContext(flags: ServiceFlags): Omit<ServiceContext, 'name'> {
  return {
    initd: resolve(flags.initd), stateDir: resolve(flags.state), configDir: resolve(flags.config), overlayDir: resolve(flags.overlays),
    ...(flags.rcd !== undefined ? { rcd: resolve(flags.rcd) } : {}), ...(flags.seccompStrict ? { seccompStrict: true } : {}),
  };
}

async function runService(name: string, command: string | undefined, args: string[], flags: ServiceFlags): Promise<void> {
  if (command === undefined && name === 'list') return printList(flags);
  if (command === undefined && name === 'reload-config') return reloadConfig(flags);
  if (command === undefined) {
    throw new JailctlError('USAGE', `service ${name}: no command given; expected ${VERBS.join(', ')} or one of the script's commands`, {
      hint: 'usage: jailctl service NAME start|stop|restart|reload|status|..., jailctl service list, jailctl service reload-config',
    });
  }
  const context: ServiceContext = { name, ...baseContext(flags) };
  const { missingScriptError } = await import('../../service/inspect.js');
  // no script and nothing recorded: a typo, not a stopped service (a started one keeps its state)
  const missing = missingScriptError(context);
  if (missing !== undefined) throw Object.assign(missing, { exitStatus: command === 'status' ? EXIT_STATUS_UNKNOWN : EXIT_JAILCTL_FAILED });
  try {
    await runVerb(context, command, args, flags);
  } catch (err) {
    const { ScriptError } = await import('../../service/script/evaluate.js');
    if (err instanceof ScriptError) printLines(err.output);
    throw err;
  }
}

async function runVerb(context: ServiceContext, command: string, args: string[], flags: ServiceFlags): Promise<void> {
  switch (command) {
    case 'start': case 'boot': case 'restart':
      return flags.dryRun ? printPlans(context, args) : start(context, command, args, flags);
    case 'reload': return start(context, 'reload', args, flags);
    case 'stop': case 'shutdown': return stop(context, command);
    case 'status': return printStatus(context, flags.json === true);
    case 'logs': return logs(context, flags);
    case 'trace': return trace(context, flags);
    case 'harden': return flags.remove ? unharden(context) : harden(context, flags);
    case 'unharden': return unharden(context);
    case 'save-plan': return savePlans(context, flags.output);
    default: return scriptCommand(context, command, args);
  }
}

/** Each instance's plan for `jailctl-launch --plan FILE`, one path per line on stdout. */
async function savePlans(context: ServiceContext, dir: string | undefined): Promise<void> {
  if (dir === undefined) throw new JailctlError('USAGE', `service ${context.name} save-plan: no folder given`, { hint: 'add -o DIR: each instance is written as DIR/NAME.INSTANCE.plan' });
  const { saveServicePlans } = await import('../../service/save-plan.js');
  const { files, lines } = saveServicePlans(context, resolve(dir));
  printLines(lines);
  for (const file of files) process.stdout.write(`${file}\n`);
}

/** What the script printed, verbatim, and jailctl's notes: on stderr, stdout is the status. */
function printLines(lines: readonly string[]): void {
  for (const line of lines) process.stderr.write(`${line}\n`);
}

async function start(context: ServiceContext, action: 'start' | 'boot' | 'restart' | 'reload', args: string[], flags: ServiceFlags): Promise<void> {
  const [{ startService, DEFAULT_SETTLE_MS }, { formatFlappingLine, formatStatusLine, statusExitCode }, { stopLeftError }] = await Promise.all([
    import('../../service/start.js'), import('../../service/status.js'), import('../../service/instances.js'),
  ]);
  const outcome = await startService(context, action, args, flags.settle);
  printLines(outcome.report.lines);
  for (const failure of outcome.report.failures) printError(failure);
  if (outcome.report.left.length > 0) throw stopLeftError(context.name, outcome.report.left);
  const { status } = outcome;
  if (outcome.noSet) {
    const line = status.state === 'stopped' ? `${context.name}: stopped` : formatStatusLine(status);
    process.stdout.write(`${line} (the script exited before it sent its instances: nothing changed)\n`);
    process.exitCode = statusExitCode(status) === 0 ? 0 : EXIT_NOT_RUNNING;
    return;
  }
  if (outcome.noInstances && status.instances.length === 0) {
    process.stdout.write(`${context.name}: stopped (start_service opened no instance)\n`);
    process.exitCode = EXIT_NOT_RUNNING;
    return;
  }
  const flapping = status.instances.find((i) => outcome.flapping.includes(i.instance));
  if (flapping !== undefined) {
    process.stdout.write(`${formatFlappingLine(context.name, flapping, flags.settle ?? DEFAULT_SETTLE_MS)}\n`);
    process.exitCode = EXIT_NOT_RUNNING;
    return;
  }
  const already = action === 'start' && outcome.unchanged && status.state === 'running' ? ' (already running)' : '';
  process.stdout.write(`${formatStatusLine(status)}${already}\n`);
  const nothingRuns = status.instances.every((i) => i.state === 'failed');
  // one-shot instances that ran and exited 0 (no respawn) did what they were started for
  const completed = status.instances.length > 0 && status.instances.every((i) => i.state === 'exited' && i.lastExit === 'exit 0');
  // as before procd's lifecycle: no instance could be built at all is jailctl's failure (125)
  if (outcome.report.failures.length > 0 && nothingRuns) process.exitCode = EXIT_JAILCTL_FAILED;
  else if (statusExitCode(status) !== 0 && !completed) process.exitCode = EXIT_NOT_RUNNING;
}

async function stop(context: ServiceContext, action: 'stop' | 'shutdown'): Promise<void> {
  const { stopService } = await import('../../service/stop.js');
  const { wasRunning, lines } = await stopService(context, action);
  printLines(lines);
  process.stdout.write(`${context.name}: stopped${wasRunning ? '' : ' (was not running)'}\n`);
}

async function scriptCommand(context: ServiceContext, command: string, args: string[]): Promise<void> {
  const { runCommand } = await import('../../service/command.js');
  const { status, report } = await runCommand(context, command, args);
  printLines(report.lines);
  for (const failure of report.failures) printError(failure);
  process.exitCode = status;
}

/** The plans on stdout; an instance that could not be planned on stderr, exiting as start would. */
async function printPlans(context: ServiceContext, args: string[]): Promise<void> {
  const { planService, dryRunPlans } = await import('../../service/start.js');
  const planned = planService(context, 'start', { sandbox: true, args });
  printLines(planned.lines);
  const { plans, failures } = dryRunPlans(context, planned);
  if (failures.length > 0 && plans.length === 0) throw failures.length === 1 ? failures[0] : new JailctlError('SPEC_INVALID', failures.map((f) => f.message).join('\n'));
  for (const failure of failures) printError(failure);
  process.stdout.write(`${toJson(plans)}\n`);
  if (failures.length > 0) process.exitCode = EXIT_NOT_RUNNING;
}

async function printStatus(context: ServiceContext, json: boolean): Promise<void> {
  const [{ readServiceStatus }, { formatStatus, statusExitCode }, { scriptStatus }] = await Promise.all([
    import('../../service/inspect.js'), import('../../service/status.js'), import('../../service/command.js'),
  ]);
  const status: ServiceStatus = readServiceStatus(context.stateDir, context.name);
  const script = scriptStatus(context);
  if (json) process.stdout.write(`${toJson(script === undefined ? status : { ...status, script })}\n`);
  else {
    const lines = formatStatus(status);
    if (script !== undefined) lines.push(`status_service (exit ${script.status}):`, ...script.output.map((l) => `  ${l}`));
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  process.exitCode = statusExitCode(status);
}

async function printList(flags: ServiceFlags): Promise<void> {
  const [{ listServices }, { formatStatusLine }] = await Promise.all([import('../../service/inspect.js'), import('../../service/status.js')]);
  const { services, leftOut } = listServices(baseContext(flags));
  if (leftOut.length > 0) {
    const shown = leftOut.slice(0, 5).join(', ') + (leftOut.length > 5 ? ` and ${leftOut.length - 5} more` : '');
    process.stderr.write(`jailctl: note: left out ${leftOut.length} file${leftOut.length === 1 ? '' : 's'} of ${resolve(flags.initd)} that ${leftOut.length === 1 ? 'is no procd init script' : 'are no procd init scripts'} (no USE_PROCD=1): ${shown}\n`);
  }
  if (flags.json) {
    process.stdout.write(`${toJson(services.map((s) => s.status ?? { name: s.name, state: 'unknown', error: s.unreadable }))}\n`);
    return;
  }
  // a state folder this user may not read (root's /var/run/jailctl): the script is listed, its state is unknown
  process.stdout.write(services.map((s) => `${s.status !== undefined ? formatStatusLine(s.status) : `${s.name}: state unknown (${s.unreadable})`}\n`).join(''));
}

async function reloadConfig(flags: ServiceFlags): Promise<void> {
  const { reloadConfig: reload } = await import('../../service/triggers.js');
  const { changed, report } = await reload(baseContext(flags));
  printLines(report.lines);
  for (const failure of report.failures) printError(failure);
  process.stdout.write(`reload-config: ${changed.length === 0 ? 'no package changed' : `changed: ${changed.join(', ')}`}\n`);
  if (report.failures.length > 0) process.exitCode = EXIT_NOT_RUNNING;
}

async function logs(context: ServiceContext, flags: ServiceFlags): Promise<void> {
  const { showLogs } = await import('../../service/inspect.js');
  await showLogs(context.stateDir, context.name, {
    follow: flags.follow === true,
    write: (text) => process.stdout.write(text),
    ...(flags.lines !== undefined ? { lines: flags.lines } : {}),
    ...(flags.follow ? { stop: new Promise<void>((resolve) => process.once('SIGINT', () => resolve())) } : {}),
  });
}

async function trace(context: ServiceContext, flags: ServiceFlags): Promise<void> {
  const { planTrace, traceService } = await import('../../service/trace/trace.js');
  if (flags.dryRun) {
    const { planned, traced } = planTrace(context, flags.output, true);
    printLines(planned.lines);
    process.stdout.write(`${toJson(traced.map((t) => ({ instance: t.instance, profile: t.output, plan: t.plan })))}\n`);
    return;
  }
  const summary = await traceService(context, {
    merge: flags.merge === true,
    ...(flags.output !== undefined ? { output: flags.output } : {}),
    onLines: printLines,
    onWarning: (line) => process.stderr.write(`jailctl: warning: ${line}\n`),
    onStarted: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`${summary}\n`);
}

async function harden(context: ServiceContext, flags: ServiceFlags): Promise<void> {
  const { hardenService, checkHardening } = await import('../../service/harden/harden.js');
  const run = {
    ...(flags.for !== undefined ? { forSeconds: flags.for } : {}),
    onLines: printLines,
    onStarted: (line: string) => process.stdout.write(`${line}\n`),
  };
  if (flags.check) {
    const failures = await checkHardening(context, run);
    if (failures.length === 0) process.stdout.write(`${context.name}: check: nothing that succeeded in the traced run fails hardened\n`);
    else process.stdout.write(`${context.name}: check: ${failures.length} call(s) fail hardened that succeeded in the traced run:\n${failures.map((l) => `  ${l}\n`).join('')}`);
    process.exitCode = failures.length === 0 ? 0 : EXIT_NOT_RUNNING;
    return;
  }
  const lines = await hardenService(context, { ...run, procdDir: resolve(flags.procdDir), onWarning: (line) => process.stderr.write(`jailctl: warning: ${line}\n`) });
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function unharden(context: ServiceContext): Promise<void> {
  const { removeOverlay } = await import('../../service/harden/overlay-file.js');
  const had = removeOverlay(context);
  process.stdout.write(`${context.name}: ${had ? 'overlay removed' : 'no overlay'}; the next start runs the script as it asks${had ? ' (restart a running service to apply)' : ''}\n`);
}
