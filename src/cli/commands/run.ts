// `jailctl run [options] -- COMMAND [ARGS...]`: flags -> RawJailSpec -> plan -> launcher.
// With --learn the jail runs traced under its profile and Node stays to record what it lacked.
import type { Command } from 'commander';
import type { RunContext } from '../../jail/run.js';
import { addJailOptions, toRawSpec, type JailFlags } from '../jail-options.js';
import { toJson } from '../output.js';

interface RunFlags extends JailFlags {
  dryRun?: boolean;
  learn?: string;
}

export function registerRun(program: Command): void {
  const command = program
    .command('run')
    .description('run COMMAND in a new jail (namespaces, tmpfs root, no capabilities, seccomp)')
    .usage('[options] -- COMMAND [ARGS...]')
    .argument('[command...]', 'the command and its arguments')
    .passThroughOptions();
  addJailOptions(command)
    .option('--learn <file>', 'with --seccomp: allow the calls the profile lacks, and write them to FILE (a profile to merge)')
    .option('--dry-run', 'print the launch plan as JSON and exit')
    .action(async (args: string[], flags: RunFlags) => {
      const context: RunContext = { raw: toRawSpec(args, flags), dryRun: flags.dryRun === true, cwd: process.cwd(), warn: (line) => process.stderr.write(`jailctl: warning: ${line}\n`) };
      if (flags.spec !== undefined) context.specFile = flags.spec;
      if (flags.learn !== undefined) return learn(context, flags.learn);
      const { runJail } = await import('../../jail/run.js');
      await runJail(context);
    });
}

async function learn(context: RunContext, file: string): Promise<void> {
  const { planLearning, runLearning } = await import('../../trace/learn.js');
  if (context.dryRun) {
    process.stdout.write(`${toJson(planLearning(context).plan)}\n`);
    return;
  }
  const outcome = await runLearning(context, file);
  if (outcome.written && process.stderr.isTTY) {
    const what = outcome.learned.length === 0 ? 'nothing outside the profile' : `${outcome.learned.length} calls outside the profile (${outcome.learned.join(', ')})`;
    process.stderr.write(`jailctl: learned ${what}; wrote ${file}\n`);
  }
  process.exitCode = outcome.exitCode;
}
