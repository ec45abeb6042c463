// `jailctl service NAME COMMAND [ARGS]` for every other rc.common command (edge): running,
// enable, disable, enabled, depends and the script's extra_command/EXTRA_COMMANDS (dropbear's
// killclients ...). The script talks to the terminal itself, its exit status is the command's,
// and what it asks of procd is carried out as for start. Also the script's status_service.
import { JailctlError } from '../errors.js';
import { emptyReport, type ApplyReport } from './apply.js';
import { scriptPath, type ServiceContext } from './context.js';
import { runningSnapshot } from './inspect.js';
import { performAction, rcdOf } from './perform.js';
import { readServiceRecord } from './record.js';
import { runInitScript } from './script/evaluate.js';

/** rc.common's commands jailctl has verbs of its own for (status, trace, logs ...). */
export const OWN_VERBS = ['start', 'stop', 'restart', 'reload', 'boot', 'shutdown', 'status', 'trace', 'logs'];

export interface CommandOutcome {
  status: number;
  report: ApplyReport;
}

/** Runs a command the script knows; an unknown one is refused with the list it knows. */
export async function runCommand(context: ServiceContext, command: string, args: readonly string[]): Promise<CommandOutcome> {
  const known = describeScript(context).commands;
  if (!known.includes(command) || command.startsWith('_')) {
    throw new JailctlError('USAGE', `service ${context.name}: unknown command "${command}"; the script knows ${known.filter((c) => !OWN_VERBS.includes(c)).join(', ')} (and jailctl: ${OWN_VERBS.join(', ')}, list, reload-config)`);
  }
  const report = emptyReport();
  const { result } = await performAction(context, command, args, { output: 'inherit', report });
  return { status: result.status, report };
}

/** What the script says of itself (hooks, commands, START/STOP), without running any command. */
export function describeScript(context: ServiceContext) {
  return runInitScript({ script: scriptPath(context), name: context.name, configDir: context.configDir, action: '_describe', rcd: rcdOf(context) }).description;
}

/** The script's status_service, when it has one and the service was started: its output and status. */
export function scriptStatus(context: ServiceContext): { output: string[]; status: number } | undefined {
  const record = readServiceRecord(context.stateDir, context.name);
  if (record === undefined || !record.description.hooks.includes('status_service')) return undefined;
  const result = runInitScript({ script: record.script, name: context.name, configDir: context.configDir, action: 'status', running: runningSnapshot(context.stateDir), rcd: rcdOf(context) });
  return { output: result.output, status: result.status };
}
