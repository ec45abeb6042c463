// `jailctl service NAME start|stop|restart|status|trace|logs` and `jailctl service list`:
// flags -> ServiceContext -> one call into src/service (loaded with import() on use). Prints;
// decides nothing.
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { JailctlError } from '../../errors.js';
import { DEFAULT_CONFIG_DIR, DEFAULT_INITD, DEFAULT_STATE_DIR, type ServiceContext } from '../../service/context.js';
import type { ServiceStatus } from '../../service/status.js';
import { toJson } from '../output.js';
import { parseInteger } from '../parse.js';

interface ServiceFlags {
  initd: string;
  state: string;
  config: string;
  json?: boolean;
  follow?: boolean;
  lines?: number;
  merge?: boolean;
  output?: string;
  dryRun?: boolean;
}

const ACTIONS = ['start', 'stop', 'restart', 'status', 'trace', 'logs', 'save-plan'];
/** LSB init-script convention: `status` exits 3 when the service is not running. */
const EXIT_NOT_RUNNING = 3;

export function registerService(program: Command): void {
  program
    .command('service')
    .description('run procd init scripts jailed: start, stop, restart, status, trace, logs, save-plan; or list them')
    .usage('NAME start|stop|restart|status|trace|logs [options]\n       jailctl service NAME save-plan -o DIR\n       jailctl service list [options]')
    .argument('<name>', 'the init script (its file name in --initd), or "list"')
    .argument('[action]', ACTIONS.join('|'))
    .option('--initd <dir>', 'folder of init scripts', DEFAULT_INITD)
    .option('--state <dir>', 'where started services keep their state and logs', DEFAULT_STATE_DIR)
    .option('--config <dir>', "UCI packages for the scripts' config_load", DEFAULT_CONFIG_DIR)
    .option('--json', 'status, list: machine-readable output')
    .option('-f, --follow', 'logs: keep printing what the service writes (until Ctrl-C)')
    .addOption(new Option('-n, --lines <n>', 'logs: only the last N lines').argParser(parseInteger('--lines')))
    .option('--merge', 'trace: merge with the existing profile instead of replacing it')
    .option('-o, --output <file>', "trace: write the profile here (default: the script's seccomp path, or /tmp/NAME.json); save-plan: the folder for NAME.INSTANCE.plan")
    .option('--dry-run', 'start, restart, trace: print the launch plans as JSON and stop')
    .addHelpText('after', '\nstatus exits 0 when the service runs and 3 when it does not.')
    .action(async (name: string, action: string | undefined, flags: ServiceFlags) => runService(name, action, flags));
}

async function runService(name: string, action: string | undefined, flags: ServiceFlags): Promise<void> {
  if (action === undefined && name === 'list') return printList(flags);
  if (action === undefined || !ACTIONS.includes(action)) {
    throw new JailctlError('USAGE', `service ${name}: ${action === undefined ? 'no action given' : `unknown action "${action}"`}; expected ${ACTIONS.join(', ')}`, {
      hint: 'usage: jailctl service NAME start|stop|restart|status|trace|logs|save-plan, or jailctl service list',
    });
  }
  const context: ServiceContext = { name, initd: resolve(flags.initd), stateDir: resolve(flags.state), configDir: resolve(flags.config) };
  switch (action) {
    case 'start': return flags.dryRun ? printPlans(context) : start(context, false);
    case 'stop': return stop(context);
    case 'restart': return flags.dryRun ? printPlans(context) : start(context, true);
    case 'status': return printStatus(context, flags.json === true);
    case 'logs': return logs(context, flags);
    case 'trace': return trace(context, flags);
    case 'save-plan': return savePlans(context, flags.output);
  }
}

async function savePlans(context: ServiceContext, dir: string | undefined): Promise<void> {
  if (dir === undefined) throw new JailctlError('USAGE', `service ${context.name} save-plan: no folder given`, { hint: 'add -o DIR: each instance is written as DIR/NAME.INSTANCE.plan' });
  const { saveServicePlans } = await import('../../service/save-plan.js');
  for (const file of saveServicePlans(context, resolve(dir))) process.stdout.write(`${file}\n`);
}

function warn(lines: readonly string[]): void {
  for (const line of lines) process.stderr.write(`jailctl: warning: ${line}\n`);
}

async function start(context: ServiceContext, restart: boolean): Promise<void> {
  const [{ startService }, { stopService }, { readServiceStatus }, { formatStatusLine }] = await Promise.all([
    import('../../service/start.js'), import('../../service/stop.js'), import('../../service/inspect.js'), import('../../service/status.js'),
  ]);
  if (restart) warn((await stopService(context)).warnings);
  const outcome = await startService(context);
  if (outcome.started) warn(outcome.warnings);
  const status = readServiceStatus(context.stateDir, context.name);
  process.stdout.write(`${formatStatusLine(status)}${outcome.started ? '' : ' (already running)'}\n`);
}

async function stop(context: ServiceContext): Promise<void> {
  const { stopService } = await import('../../service/stop.js');
  const { wasRunning, warnings } = await stopService(context);
  warn(warnings);
  process.stdout.write(`${context.name}: stopped${wasRunning ? '' : ' (was not running)'}\n`);
}

async function printPlans(context: ServiceContext): Promise<void> {
  const { planService, superviseInstances } = await import('../../service/start.js');
  const planned = planService(context);
  warn(planned.warnings);
  process.stdout.write(`${toJson(superviseInstances(context, planned).map((job) => job.plan))}\n`);
}

async function printStatus(context: ServiceContext, json: boolean): Promise<void> {
  const [{ readServiceStatus }, { formatStatus }] = await Promise.all([import('../../service/inspect.js'), import('../../service/status.js')]);
  const status: ServiceStatus = readServiceStatus(context.stateDir, context.name);
  process.stdout.write(json ? `${toJson(status)}\n` : `${formatStatus(status).join('\n')}\n`);
  if (status.state !== 'running') process.exitCode = EXIT_NOT_RUNNING;
}

async function printList(flags: ServiceFlags): Promise<void> {
  const [{ listServices }, { formatStatusLine }] = await Promise.all([import('../../service/inspect.js'), import('../../service/status.js')]);
  const all = listServices({ initd: resolve(flags.initd), stateDir: resolve(flags.state), configDir: resolve(flags.config) });
  process.stdout.write(flags.json ? `${toJson(all)}\n` : all.map((s) => `${formatStatusLine(s)}\n`).join(''));
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
    const { planned, traced } = planTrace(context, flags.output);
    warn(planned.warnings);
    process.stdout.write(`${toJson(traced.map((t) => ({ instance: t.instance, profile: t.output, plan: t.plan })))}\n`);
    return;
  }
  const summary = await traceService(context, {
    merge: flags.merge === true,
    ...(flags.output !== undefined ? { output: flags.output } : {}),
    onWarning: (line) => warn([line]),
    onStarted: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`${summary}\n`);
}
