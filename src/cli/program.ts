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
  hooked = true;
  const onError = (stream: NodeJS.WriteStream, what: string) => (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT_OUTPUT_CLOSED);
    if (stream !== process.stderr) process.stderr.write(`jailctl: cannot write to ${what}: ${err.message}\n`);
    process.exit(EXIT_JAILCTL_FAILED);
  };
  whenFirstUsed('stderr', (stream) => stream.on('error', onError(stream, 'standard error')));
  let wroteStdout = false;
  whenFirstUsed('stdout', (stream) => {
    stream.on('error', onError(stream, 'standard output'));
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((...args: unknown[]) => {
      wroteStdout = true;
      return write(...args);
    }) as typeof stream.write;
  });
  process.on('exit', () => {
    if (!wroteStdout || !stdoutWasClosed()) return;
    process.stderr.write('jailctl: cannot write to standard output: EBADF: it was closed when jailctl started\n');
    process.exitCode = EXIT_JAILCTL_FAILED;
  });
}

/** Runs `setup` on process.stdout or process.stderr when something first uses it, not now:
 * Node makes the stream (loading node:stream, and net for a pipe or terminal) on first use, and
 * a command that prints nothing (a trace writing only files) then never pays for it. */
function whenFirstUsed(name: 'stdout' | 'stderr', setup: (stream: NodeJS.WriteStream) => void): void {
  const own = Object.getOwnPropertyDescriptor(process, name);
  // documented fallback: a Node that defines these otherwise gets them set up now
  if (own?.get === undefined || own.configurable !== true) return setup(process[name]);
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: own.enumerable ?? true,
    get() {
      Object.defineProperty(process, name, own);
      const stream = process[name];
      created.push(stream);
      setup(stream);
      return stream;
    },
  });
}

/** process.stdout and process.stderr once something used them (whenFirstUsed), after runCli has
 * set that up (else both are looked at). */
const created: NodeJS.WriteStream[] = [];
let hooked = false;

/**
 * Ends the process now that the command is done, rather than after Node has torn its heap down
 * (a few milliseconds, much of a short trace): on the next turn of the loop, after any write error
 * reported on the next tick has been handled, and once stdout and stderr hold nothing unwritten
 * (a pipe takes what it has room for; the rest is written as the reader reads).
 */
export function exitOnceFlushed(): void {
  const streams = hooked ? created : [process.stdout, process.stderr];
  const check = (): void => {
    if (streams.every((stream) => stream.writableLength === 0)) process.exit();
    // rare (a profile larger than a pipe, a slow reader): look again shortly
    else setTimeout(check, 2);
  };
  setImmediate(check);
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
