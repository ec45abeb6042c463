// `jailctl profile check|compile|disasm|merge|diff|explain`: flags -> src/profile/actions.ts.
import { Command, Option } from 'commander';
import { JailctlError } from '../../errors.js';
import type { BpfFormat, Output, ReadOptions } from '../../profile/actions.js';
import type { RuntimeName } from '../../profile/presets.js';
import { EXIT_CHECK_FAILED, EXIT_JAILCTL_FAILED } from '../exit-codes.js';
import { fail } from '../output.js';

interface ReadFlags { caps?: string; kernel?: string; strict?: boolean }
interface ArchFlag extends ReadFlags { arch?: string }
interface CompileFlags extends ArchFlag { output?: string; format: BpfFormat; stats?: string }
interface ExplainFlags extends ArchFlag { stats?: string }
interface CheckFlags extends ArchFlag { for?: RuntimeName }
interface MergeFlags extends ReadFlags { output: string; preset?: RuntimeName }

const ARCH_HELP = 'target architecture (x86_64, aarch64, mipsel ...; default: the host)';
const RUNTIMES = ['runc', 'crun'];

function print(output: Output): void {
  warn(output.warnings ?? []);
  process.stdout.write(output.stdout);
}

function warn(lines: readonly string[]): void {
  for (const line of lines) process.stderr.write(`jailctl: warning: ${line}\n`);
}

/** --strict, and how a Docker-format profile is decided (--caps, --kernel). */
function addReadOptions(command: Command, strict: boolean): Command {
  if (strict) command.option('--strict', 'refuse what runc, crun or procd accept with a warning (unknown names, duplicate rules, no execve ...)');
  return command
    .option('--caps <caps>', 'Docker-format profiles: the capability set the caps conditions are decided for: docker (default), none, all, CAP_A,CAP_B, or a capabilities JSON file')
    .option('--kernel <version>', 'Docker-format profiles: the kernel version minKernel is compared with (default: the running kernel)');
}

async function readOptions(flags: ReadFlags): Promise<ReadOptions> {
  const opts: ReadOptions = {};
  if (flags.strict === true) opts.strict = true;
  if (flags.kernel !== undefined) opts.kernel = flags.kernel;
  if (flags.caps !== undefined) {
    const [{ resolveCapsOption }, { readInputText }, { INPUT_LIMITS }] = await Promise.all([import('../../jail/caps.js'), import('../../io/input-file.js'), import('../../io/input-limits.js')]);
    const caps = resolveCapsOption(flags.caps, (file) => readInputText(file, '--caps', INPUT_LIMITS.caps));
    if (caps !== undefined) opts.caps = caps;
  }
  return opts;
}

/** The profile library and file access, loaded on use (the syscall tables are large). */
async function load() {
  const [actions, io] = await Promise.all([import('../../profile/actions.js'), import('../../io/profile-io.js')]);
  return { ...actions, io: io.createProfileIo() };
}

export function registerProfile(program: Command): void {
  const profile = program
    .command('profile')
    .description('check, compile and compare seccomp profiles (OCI runtime-spec, Docker/Podman or procd legacy JSON)');

  addReadOptions(profile
    .command('check')
    .description('validate profiles: one line per problem, exit 1 if any; warnings for what is accepted and ignored')
    .argument('<files...>', 'profile files')
    .option('--arch <arch>', ARCH_HELP)
    .addOption(new Option('--for <runtime>', "also check that the runtime's own init can run under the profile").choices(RUNTIMES)), true)
    .action(async (files: string[], flags: CheckFlags) => {
      const { checkProfileFiles, io } = await load();
      const report = checkProfileFiles(files, flags.arch, io, { ...(await readOptions(flags)), ...(flags.for === undefined ? {} : { runtime: flags.for }) });
      warn(report.warnings);
      if (report.ok.length > 0) process.stdout.write(`${report.ok.join('\n')}\n`);
      if (report.problems.length === 0) return;
      // an unreadable file is a usage problem (125) rather than a finding about a profile (1)
      const code = report.unreadable > 0 ? EXIT_JAILCTL_FAILED : EXIT_CHECK_FAILED;
      fail(new JailctlError('PROFILE_INVALID', report.problems.join('\n')), code);
    });

  addReadOptions(profile
    .command('compile')
    .description('compile a profile to a seccomp BPF program')
    .argument('<file>', 'profile file')
    .option('--arch <arch>', ARCH_HELP)
    .option('-o, --output <file>', 'write here (atomically) instead of stdout')
    .addOption(new Option('--format <format>', 'raw: struct sock_filter array in target byte order; hex; asm: listing').choices(['raw', 'hex', 'asm']).default('raw'))
    .option('--stats <file>', 'syscall counts from `jailctl trace --stats`: frequent syscalls are decided first'), true)
    .action(async (file: string, flags: CompileFlags) => {
      const { compileProfileFile, io } = await load();
      print(compileProfileFile({ file, format: flags.format, ...optional(flags, 'arch', 'stats'), ...(flags.output === undefined ? {} : { out: flags.output }), ...(await readOptions(flags)) }, io));
    });

  profile
    .command('disasm')
    .description('list a compiled BPF program (raw struct sock_filter array)')
    .argument('<file>', 'BPF file, as written by `profile compile --format raw`')
    .option('--arch <arch>', 'the arch it was compiled for (byte order, names; default: the host)')
    .action(async (file: string, flags: ArchFlag) => {
      const { disassembleFile, io } = await load();
      print(disassembleFile(file, flags.arch, io));
    });

  addReadOptions(profile
    .command('merge')
    .description('merge profiles into one OCI profile allowing what any of them allows')
    .argument('<files...>', 'profile files')
    .requiredOption('-o, --output <file>', 'the merged profile (written atomically)')
    .addOption(new Option('--preset <runtime>', "also allow what the runtime's own init does after loading the filter").choices(RUNTIMES)), false)
    .action(async (files: string[], flags: MergeFlags) => {
      const { mergeProfileFiles, io } = await load();
      print(mergeProfileFiles(files, flags.output, io, { ...(await readOptions(flags)), ...(flags.preset === undefined ? {} : { preset: flags.preset }) }));
    });

  addReadOptions(profile
    .command('diff')
    .description('what changed between two profiles: default action, architectures, flags, per syscall')
    .argument('<a>', 'the old profile')
    .argument('<b>', 'the new profile'), false)
    .action(async (a: string, b: string, flags: ReadFlags) => {
      const { diffProfileFiles, io } = await load();
      print(diffProfileFiles(a, b, io, await readOptions(flags)));
    });

  addReadOptions(profile
    .command('explain')
    .description('a readable table of a profile: syscall, action, conditions (and calls, with --stats)')
    .argument('<file>', 'profile file')
    .option('--arch <arch>', ARCH_HELP)
    .option('--stats <file>', 'syscall counts from `jailctl trace --stats`'), false)
    .action(async (file: string, flags: ExplainFlags) => {
      const { explainProfileFile, io } = await load();
      print(explainProfileFile({ file, ...optional(flags, 'arch', 'stats'), ...(await readOptions(flags)) }, io));
    });
}

/** The given keys of `flags` that are set (exactOptionalPropertyTypes: no `undefined` values). */
function optional<T extends object, K extends keyof T>(flags: T, ...keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (flags[key] !== undefined) out[key] = flags[key];
  return out;
}
