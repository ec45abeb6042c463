// The jail options of `jailctl run`, shared with `jailctl trace --jail`: one definition of each
// flag and one translation into a RawJailSpec.
import { Command, Option } from 'commander';
import { JailctlError } from '../errors.js';
import type { RawJailSpec } from '../jail/spec.js';
import { collect, parseInteger, parseKeyValue } from './parse.js';

const SCALARS = ['name', 'hostname', 'proc', 'sys', 'dev', 'netns', 'userns', 'cgroupns', 'user', 'group', 'caps', 'seccomp', 'seccompStrict', 'allowSuidSgid', 'memory', 'pids', 'cpuWeight', 'cwd'] as const;

/** The flags as commander hands them over: lists of raw strings where the spec has objects. */
export type JailFlags = Pick<RawJailSpec, (typeof SCALARS)[number] | 'autoLibs' | 'baselineFilter'> & {
  ro: string[];
  rw: string[];
  tmpfs: string[];
  env: string[];
  rlimit: string[];
  spec?: string;
};

/** Adds every jail option to `command`; returns it for chaining. */
export function addJailOptions(command: Command): Command {
  return command
    .option('--name <name>', 'jail name (default: basename of COMMAND)')
    .option('--hostname <name>', 'hostname in the new UTS namespace (default: the jail name)')
    .option('--ro <path[:dest]>', 'bind PATH read-only at DEST (default DEST = PATH); repeatable', collect, [])
    .option('--rw <path[:dest]>', 'bind PATH read-write; repeatable', collect, [])
    .option('--tmpfs <dest>', 'writable tmpfs at DEST; repeatable', collect, [])
    .option('--proc', "mount /proc of the jail's pid namespace (/proc/sys read-only)")
    .option('--sys', 'mount /sys read-only')
    .option('--dev', 'a minimal /dev: null zero full random urandom tty, pts, shm')
    .option('--no-auto-libs', "do not add the command's ELF dependencies automatically")
    .option('--netns', 'new network namespace with only lo (up)')
    .option('--userns', 'run through a user namespace (root inside is uid 100000 outside)')
    .option('--cgroupns', 'new cgroup namespace')
    .option('--user <user>', 'run as USER (name from /etc/passwd or a uid)')
    .option('--group <group>', 'run as GROUP (name from /etc/group or a gid)')
    .option('--caps <file>', 'procd capabilities JSON; default: every capability dropped')
    .option('--seccomp <file>', 'seccomp profile (OCI, Docker/Podman or procd legacy JSON), applied last before execve')
    .option('--seccomp-strict', 'refuse a profile runc, crun or procd would accept with warnings (unknown names, duplicates ...)')
    .option('--no-baseline-filter', 'do not load the built-in baseline seccomp filter (README: Security model)')
    .option('--allow-suid-sgid', 'let the service set set-user/group-ID bits on files (refused by default)')
    .option('--env <key=value>', 'set an environment variable; repeatable (the environment is otherwise empty but for PATH)', collect, [])
    .option('--rlimit <name=soft[:hard]>', 'set a resource limit (nofile, nproc, as, core, ...); repeatable', collect, [])
    .option('--memory <bytes>', 'cgroup memory limit (bytes, or 64M)')
    .addOption(new Option('--pids <n>', 'cgroup limit on the number of processes').argParser(parseInteger('--pids')))
    .addOption(new Option('--cpu-weight <n>', 'cgroup CPU weight, 1-10000 (default 100)').argParser(parseInteger('--cpu-weight')))
    .option('--cwd <dir>', 'working directory inside the jail (default /)')
    .option('--spec <file>', 'JSON jail spec holding any of the above (profiles/schema/jail-spec.schema.json)');
}


/** The flags as a raw spec (what a --spec file holds), with `command` when given. */
export function toRawSpec(command: string[], flags: JailFlags): RawJailSpec {
  const raw: RawJailSpec = {};
  if (command.length > 0) raw.command = command;
  for (const key of SCALARS) if (flags[key] !== undefined) (raw as Record<string, unknown>)[key] = flags[key];
  // commander sets autoLibs=true by default for --no-auto-libs; only an explicit "no" counts
  if (flags.autoLibs === false) raw.autoLibs = false;
  if (flags.baselineFilter === false) raw.baselineFilter = false;
  if (flags.ro.length > 0) raw.ro = flags.ro;
  if (flags.rw.length > 0) raw.rw = flags.rw;
  if (flags.tmpfs.length > 0) raw.tmpfs = flags.tmpfs;
  if (flags.env.length > 0) raw.env = Object.fromEntries(flags.env.map((e) => parseKeyValue(e, '--env')));
  if (flags.rlimit.length > 0) raw.rlimits = Object.fromEntries(flags.rlimit.map((e) => parseKeyValue(e, '--rlimit')));
  if (raw.env !== undefined && Object.keys(raw.env).some((k) => k === '')) throw new JailctlError('USAGE', '--env: empty variable name');
  return raw;
}

/** The jail options that were given, as flags (--ro, --no-auto-libs ...). */
export function givenJailOptions(flags: JailFlags): string[] {
  const flag = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  const given = [...SCALARS, 'spec'].filter((key) => flags[key as keyof JailFlags] !== undefined).map(flag);
  for (const key of ['ro', 'rw', 'tmpfs', 'env', 'rlimit'] as const) if (flags[key].length > 0) given.push(flag(key));
  if (flags.autoLibs === false) given.push('--no-auto-libs');
  if (flags.baselineFilter === false) given.push('--no-baseline-filter');
  return given;
}
