// The command line, given the commands to offer: commander wiring only. Every command's errors
// end here as one line (plus a hint) and exit status 125, never a stack trace. Command files load
// their heavy modules with import() inside the action, so a command pays only for what it uses.
import { Command, CommanderError } from 'commander';
import { addExamples, expandHelpCommand } from './examples.js';
import { EXIT_JAILCTL_FAILED, EXIT_OUTPUT_CLOSED, exitCodeFor } from './exit-codes.js';
import { fail } from './output.js';
import { stdoutWasClosed } from './stdout-closed.js';

export type Commands = Readonly<Record<string, (program: Command) => void>>;

/** The program with every command, or only `only` when it names one: defining every option of
 * every command costs milliseconds at each start, and only help needs them all. */
export function buildProgram(commands: Commands, only?: string): Command {
  const program = new Command();
  program
    .name('jailctl')
    .description('Linux service jailer and seccomp orchestrator')
    .version('0.1.0')
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text.startsWith('error:') ? `jailctl: ${text.slice(7)}` : text) });
  const single = only !== undefined && Object.hasOwn(commands, only) ? commands[only] : undefined;
  // a Set: one register function may offer several commands (uci, jshn, validate-data)
  for (const register of new Set(single === undefined ? Object.values(commands) : [single])) register(program);
  addExamples(program);
  return program;
}

/** A reader that goes away (`jailctl profile explain P | head`) ends us quietly with 141, as
 * SIGPIPE ends a C tool; any other output error is one line, not an unhandled 'error' event.
 * Output written to a standard output that was closed when we started fails like EBADF. */
function handleOutputErrors(): void {
  for (const [name, stream] of [['standard output', process.stdout], ['standard error', process.stderr]] as const) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(EXIT_OUTPUT_CLOSED);
      if (stream !== process.stderr) process.stderr.write(`jailctl: cannot write to ${name}: ${err.message}\n`);
      process.exit(EXIT_JAILCTL_FAILED);
    });
  }
  let wroteStdout = false;
  const write = process.stdout.write.bind(process.stdout) as (...args: unknown[]) => boolean;
  process.stdout.write = ((...args: unknown[]) => {
    wroteStdout = true;
    return write(...args);
  }) as typeof process.stdout.write;
  process.on('exit', () => {
    if (!wroteStdout || !stdoutWasClosed()) return;
    process.stderr.write('jailctl: cannot write to standard output: EBADF: it was closed when jailctl started\n');
    process.exitCode = EXIT_JAILCTL_FAILED;
  });
}

export async function runCli(given: string[], commands: Commands): Promise<void> {
  handleOutputErrors();
  const argv = expandHelpCommand(given);
  const program = buildProgram(commands, argv[2]);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed the message; help and version are not errors, but their
      // output must reach its file: let a write error (/dev/full) arrive before exiting
      if (err.exitCode === 0) return;
      process.exit(EXIT_JAILCTL_FAILED);
    }
    fail(err, exitCodeFor(err));
  }
}
