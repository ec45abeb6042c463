// `jailctl trace [options] [--jail [run options]] -- COMMAND [ARGS...]`: flags -> TraceContext ->
// one trace session (src/trace/session.ts); prints the live line, the summary and --json.
import { Option, type Command } from 'commander';
import { JailctlError } from '../../errors.js';
import type { TraceProgress } from '../../trace/aggregate.js';
import type { TraceContext } from '../../trace/session.js';
import { addJailOptions, givenJailOptions, toRawSpec, type JailFlags } from '../jail-options.js';
import { toJson } from '../output.js';
import { stderrIsTerminal } from '../terminal.js';

interface TraceFlags extends JailFlags {
  output?: string;
  stats?: string;
  mounts?: string;
  merge?: boolean;
  defaultAction?: string;
  json?: boolean;
  jail?: boolean;
  dryRun?: boolean;
  for?: 'runc' | 'crun';
}

export function registerTrace(program: Command): void {
  const command = program
    .command('trace')
    .description("run COMMAND traced (every process and thread it starts) and write its seccomp profile, stats and mount list")
    .usage('[-o PROFILE] [--stats FILE] [--mounts FILE] [--merge] [--env KEY=VALUE] [--jail [run options]] -- COMMAND [ARGS...]')
    .argument('[command...]', 'the command and its arguments')
    .passThroughOptions()
    .option('-o, --output <profile>', 'write the OCI seccomp profile here (default: print it when the program ends)')
    .option('--stats <file>', 'write call counts, files and sockets here (JSON)')
    .option('--mounts <file>', 'write the mounts a jail needs here, as a jail spec for `jailctl run --spec`')
    .option('--merge', 'fold each output file that exists into the new one (counts added) instead of replacing it')
    .option('--default-action <action>', "the profile's default action: kill-process (default), kill-thread, trap, errno[:ERRNO], trace[:N], log")
    .addOption(new Option('--for <runtime>', "the profile is for this OCI runtime: also allow what its own init does after loading the filter").choices(['runc', 'crun']))
    .option('--json', "print a machine-readable summary on stdout when the program ends (the program's own standard output goes to standard error)")
    .option('--jail', 'trace inside the jail `jailctl run` would build from the run options (all but --seccomp)');
  addJailOptions(command)
    .option('--dry-run', 'print the traced launch plan as JSON and exit')
    .addHelpText('after', [
      '',
      'The program gets the environment `jailctl run` gives it: PATH, plus each --env (with or without --jail).',
      'The exit status is the traced program\'s own (128+N if it died of signal N); 127 or 126 if it cannot be run.',
    ].join('\n'))
    .action(async (args: string[], flags: TraceFlags) => {
      process.exitCode = await trace(args, flags);
    });
}

async function trace(args: string[], flags: TraceFlags): Promise<number> {
  const session = await import('../../trace/session.js');
  const context = await toContext(args, flags);
  if (flags.dryRun) {
    process.stdout.write(`${toJson((await session.planTraceSession(context, warn)).plan)}\n`);
    return 0;
  }
  const live = flags.json !== true && stderrIsTerminal();
  const outcome = await session.runTraceSession(context, { warn, ...(live ? { progress: drawProgress } : {}) });
  if (live) process.stderr.write('\r\x1b[K');
  if (outcome.profileText !== undefined && flags.json !== true) process.stdout.write(outcome.profileText);
  if (flags.json) process.stdout.write(`${JSON.stringify(session.summarizeTrace(outcome))}\n`);
  else if (live) for (const line of [progressText(session.summarizeTrace(outcome)), ...outcome.written]) process.stderr.write(`jailctl trace: ${line}\n`);
  return outcome.exitCode;
}

async function toContext(args: string[], flags: TraceFlags): Promise<TraceContext> {
  // --env also sets the environment of a trace outside a jail (PATH and nothing else otherwise)
  const given = givenJailOptions(flags).filter((flag) => flag !== '--env');
  if (flags.jail !== true && given.length > 0) {
    throw new JailctlError('USAGE', `${given.join(', ')}: run options need --jail`, { hint: 'jailctl trace --jail [run options] -- COMMAND' });
  }
  const outputs: TraceContext['outputs'] = { merge: flags.merge === true };
  if (flags.output !== undefined) outputs.profile = flags.output;
  if (flags.stats !== undefined) outputs.stats = flags.stats;
  if (flags.mounts !== undefined) outputs.mounts = flags.mounts;
  if (flags.for !== undefined) outputs.runtime = flags.for;
  if (flags.defaultAction !== undefined) {
    const [{ parseDefaultAction }, { archFromNode }] = await Promise.all([import('../../trace/profile-from-trace.js'), import('../../profile/arch.js')]);
    outputs.defaultAction = parseDefaultAction(flags.defaultAction, archFromNode());
  }
  const context: TraceContext = { command: args, cwd: process.cwd(), env: { ...process.env }, outputs, stdoutToStderr: flags.json === true };
  const raw = toRawSpec([], flags);
  if (flags.jail === true) context.jail = { raw, ...(flags.spec !== undefined ? { specFile: flags.spec } : {}) };
  else if (raw.env !== undefined) context.setEnv = raw.env;
  return context;
}

function warn(line: string): void {
  process.stderr.write(`jailctl: warning: ${line}\n`);
}

let lastLine = '';

function drawProgress(progress: TraceProgress): void {
  const line = progressText(progress);
  if (line === lastLine) return;
  lastLine = line;
  process.stderr.write(`\r\x1b[K${line}`);
}

function progressText(p: TraceProgress): string {
  return `${p.processes} processes, ${p.syscalls} syscalls seen, ${p.distinct} distinct`;
}
