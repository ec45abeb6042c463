// The `uci` command as OpenWrt's (cli.c): options -c -C -d -f -m -n -N -p -P -q -s -S -t -X,
// commands get, set, add, add_list, del_list, delete, rename, reorder, revert, commit, show,
// export, changes, import, batch, and uci's messages and exit statuses ("uci: Entry not found",
// 1; 255 with the usage for a bad command). Options end at the command, as with musl's getopt.
import { readFileSync } from 'node:fs';
import { runPackageCommand, runSectionCommand, runAddCommand, UciSession } from './commands.js';
import { runImportCommand } from './import.js';
import { addDeltaPath, defaultContext, setSavedir } from './store.js';

export interface UciIo {
  out(text: string): void;
  err(text: string): void;
  /** standard input, read on first use (import, batch) */
  input(): string;
}

const OPTIONS_WITH_ARGUMENT = new Set(['c', 'C', 'd', 'f', 'p', 'P', 't']);
const KNOWN_OPTIONS = new Set(['c', 'C', 'd', 'f', 'm', 'n', 'N', 'p', 'P', 'q', 's', 'S', 't', 'X']);

const USAGE = `Usage: %s [<options>] <command> [<arguments>]

Commands:
\tbatch
\texport     [<config>]
\timport     [<config>]
\tchanges    [<config>]
\tcommit     [<config>]
\tadd        <config> <section-type>
\tadd_list   <config>.<section>.<option>=<string>
\tdel_list   <config>.<section>.<option>=<string>
\tshow       [<config>[.<section>[.<option>]]]
\tget        <config>.<section>[.<option>]
\tset        <config>.<section>[.<option>]=<value>
\tdelete     <config>[.<section>[[.<option>][=<id>]]]
\trename     <config>.<section>[.<option>]=<name>
\trevert     <config>[.<section>[.<option>]]
\treorder    <config>.<section>=<position>

Options:
\t-c <path>  set the search path for config files (default: /etc/config)
\t-C <path>  set the search path for config override files (default: /var/run/uci)
\t-d <str>   set the delimiter for list values in uci show
\t-f <file>  use <file> as input instead of stdin
\t-m         when importing, merge data into an existing package
\t-n         name unnamed sections on export
\t-N         don't name unnamed sections
\t-p <path>  add a search path for config change files
\t-P <path>  add a search path for config change files and use as default
\t-t <path>  set save path for config change files
\t-q         quiet mode (don't print error messages)
\t-s         force strict mode (stop on parser errors, default)
\t-S         disable strict mode
\t-X         do not use extended syntax on 'show'

`;

/** Runs `uci ARGS`; returns the exit status. `appname` is how the messages name the command. */
export function runUciCli(args: readonly string[], io: UciIo, appname = 'uci'): number {
  const ctx = defaultContext();
  const session = new UciSession(ctx, io, appname);
  let input: () => string = io.input;
  const usage = () => io.err(USAGE.replace('%s', appname));
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    for (let j = 1; j < arg.length; j++) {
      const flag = arg[j]!;
      if (!KNOWN_OPTIONS.has(flag)) {
        usage();
        return 0;
      }
      let value: string | undefined;
      if (OPTIONS_WITH_ARGUMENT.has(flag)) {
        value = j + 1 < arg.length ? arg.slice(j + 1) : args[++i];
        if (value === undefined) {
          usage();
          return 0;
        }
        j = arg.length;
      }
      switch (flag) {
        case 'c': ctx.confdir = value!; break;
        case 'C': ctx.conf2dir = value === '' ? undefined : value; break;
        case 'd': session.delimiter = value!; break;
        case 'f': {
          const file = value!;
          try {
            const text = readFileSync(file, 'utf8');
            input = () => text;
          } catch (err) {
            io.err(`uci: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (err as Error).message}\n`);
            return 1;
          }
          break;
        }
        case 'm': session.merge = true; break;
        case 'n': ctx.exportNames = true; break;
        case 'N': ctx.exportNames = false; break;
        case 'p': addDeltaPath(ctx, value!); break;
        case 'P': setSavedir(ctx, value!); session.noCommit = true; break;
        case 'q': session.quiet = true; break;
        case 's': ctx.strict = true; break;
        case 'S': ctx.strict = false; ctx.printErrors = true; break;
        case 't': setSavedir(ctx, value!); break;
        case 'X': session.extendedShow = false; break;
      }
    }
  }
  session.input = input;
  const command = args.slice(i);
  if (command.length === 0) {
    usage();
    return 0;
  }
  const status = runCommand(session, command, false);
  if (status === 255) usage();
  return status;
}

/** uci_cmd: dispatches one command (also each line of `batch`). */
export function runCommand(session: UciSession, argv: readonly string[], inBatch: boolean): number {
  const name = argv[0]!.toLowerCase();
  switch (name) {
    case 'batch': return inBatch ? 255 : runBatch(session);
    case 'get': case 'set': case 'add_list': case 'del_list': case 'del': case 'delete':
    case 'ren': case 'rename': case 'revert': case 'reorder':
      return runSectionCommand(session, name, argv);
    case 'show': case 'export': case 'commit': case 'changes':
      return runPackageCommand(session, name, argv);
    case 'import': return runImportCommand(session, argv);
    case 'add': return runAddCommand(session, argv);
    case 'help': session.io.err(USAGE.replace('%s', session.appname)); return 0;
    default: return 255;
  }
}

/** uci batch: one command per line (at most three words, quoted as in config files), until
 * `exit` or the end of the input; each command's packages are read afresh. */
function runBatch(session: UciSession): number {
  for (const argv of session.batchCommands()) {
    if (argv.length === 0) continue;
    if (argv.length > 3) {
      session.error('Too many arguments\n');
      continue;
    }
    if (argv[0]!.toLowerCase() === 'exit') return 0;
    const status = runCommand(session, argv, true);
    if (status === 255) session.error('Unknown command\n');
    session.unloadAll();
  }
  return 0;
}
