// `jailctl run [options] -- COMMAND [ARGS...]`: flags -> RawJailSpec -> plan -> launcher.
// With --learn the jail runs traced under its profile and Node stays to record what it lacked.
import type { Command } from 'commander';
import { JailctlError } from '../../errors.js';
import type { RunContext } from '../../jail/run.js';
import { addJailOptions, toRawSpec, type JailFlags } from '../jail-options.js';
import { toJson } from '../output.js';

interface RunFlags extends JailFlags {
  dryRun?: boolean;
  learn?: string;
  savePlan?: string;
  arch?: string;
  root?: string;
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
    .option('--save-plan <file>', 'write the plan and the fingerprints of every path it depends on to FILE for `jailctl-launch --plan FILE`; start nothing')
    .option('--arch <arch>', 'with --save-plan or --dry-run and --root: plan for this architecture (x86_64, aarch64, arm, mipsel, mips ...)')
    .option('--root <dir>', "with --save-plan or --dry-run: plan against this root filesystem (a device's, as an image builder stages it)")
    .addHelpText('after', [
      '',
      "Exit status: COMMAND's own; 128+N if it died of signal N; 125 if the jail could not be built (or",
      'the options are wrong: one line says why, and COMMAND never starts); 126 if COMMAND exists but',
      'cannot be executed; 127 if COMMAND, its #! interpreter, its ELF interpreter or a library it',
      'needs does not exist. With --memory, an OOM kill in the jail is also said in one line.',
      'With --save-plan nothing starts: `jailctl-launch --plan FILE` runs the plan without Node.js, with',
      'the same statuses, and refuses a stale, corrupt or foreign plan with one line and 125.',
    ].join('\n'))
    .action(async (args: string[], flags: RunFlags) => {
      const context: RunContext = { raw: toRawSpec(args, flags), dryRun: flags.dryRun === true, cwd: process.cwd(), warn: (line) => process.stderr.write(`jailctl: warning: ${line}\n`) };
      if (flags.spec !== undefined) context.specFile = flags.spec;
      await addSaving(context, flags);
      if (flags.learn !== undefined) return learn(context, flags.learn);
      const { runJail } = await import('../../jail/run.js');
      await runJail(context);
    });
}

/** --save-plan, --arch, --root: which combinations mean something. */
async function addSaving(context: RunContext, flags: RunFlags): Promise<void> {
  const usage = (message: string, hint: string) => new JailctlError('USAGE', message, { hint });
  if (flags.savePlan !== undefined && (flags.dryRun === true || flags.learn !== undefined)) {
    throw usage(`--save-plan cannot be combined with ${flags.dryRun === true ? '--dry-run' : '--learn'}`, 'save the plan, then run it with jailctl-launch --plan FILE');
  }
  if (flags.savePlan !== undefined) context.savePlan = flags.savePlan;
  if (flags.arch === undefined && flags.root === undefined) return;
  if (flags.savePlan === undefined && flags.dryRun !== true) throw usage('--arch and --root plan for another machine: they need --save-plan FILE or --dry-run', 'add --save-plan FILE');
  if (flags.root === undefined) throw usage('--arch needs --root DIR: the target\'s root filesystem, where its programs and libraries are found', 'add --root DIR');
  const [{ resolveArch }, { kernelArch }] = await Promise.all([import('../../profile/arch.js'), import('../../jail/host-fs.js')]);
  context.target = { arch: resolveArch(flags.arch ?? kernelArch()).name, root: flags.root };
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
