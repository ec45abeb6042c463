// Runtime presets: what an OCI runtime's own init does between loading the container's filter
// and execve of the container's program. A profile traced from the program alone lacks these,
// so runc's init (Go) or crun's is killed before the program starts. `trace --for RUNTIME`,
// `profile merge --preset RUNTIME` and `profile check --for RUNTIME` use them. Pure.
//
// Measured with strace on runc 1.1.5 and crun 1.8.1 (Debian 12, x86_64): every call of the init
// process and its threads after seccomp() returned, up to execve, with noNewPrivileges true
// (the filter is loaded last) and false (loaded before the ids and capabilities are set).
// test/integration/oci-runtimes.test.ts runs both runtimes with traced profiles to keep it true.
import { resolveSyscall, type ArchName } from './arch.js';
import { isAllowing, ruleText } from './describe.js';
import type { Rule, SeccompProfile } from './model.js';

export type RuntimeName = 'runc' | 'crun';
export const RUNTIME_NAMES: readonly RuntimeName[] = ['runc', 'crun'];

interface RuntimePreset {
  /** syscall names in every spelling an ABI may use; only those of the profile's ABIs are added */
  names: readonly string[];
  /** what the init is, for messages */
  what: string;
}

export const RUNTIME_PRESETS: Readonly<Record<RuntimeName, RuntimePreset>> = {
  runc: {
    what: "runc's init (Go)",
    names: [
      // noNewPrivileges true: runc loads the filter, closes fds, signals its parent, execs
      'close', 'openat', 'futex', 'write', 'getpid', 'epoll_ctl', 'fstatfs', 'fstatfs64', 'getdents64', 'execve',
      // noNewPrivileges false: the filter comes before setgroups/setuid/capset and the final chdir
      'read', 'fcntl', 'fcntl64', 'chdir', 'getcwd', 'getppid', 'capget', 'capset', 'prctl', 'newfstatat', 'fstatat64',
      'fstat', 'fstat64', 'setgroups', 'setgroups32', 'setgid', 'setgid32', 'setuid', 'setuid32', 'faccessat', 'faccessat2',
      // the Go runtime's other threads (the filter is synced to all of them): scheduler, signals, GC
      'rt_sigreturn', 'sigreturn', 'rt_sigprocmask', 'sigaltstack', 'sched_yield', 'nanosleep', 'epoll_pwait', 'tgkill',
      'gettid', 'mmap', 'munmap', 'madvise', 'exit', 'exit_group',
    ],
  },
  crun: {
    what: "crun's init",
    names: [
      // noNewPrivileges true: close the remaining fds, execve
      'close', 'execve',
      // noNewPrivileges false: the filter comes before setresuid/setresgid/capset
      'prctl', 'setresgid', 'setresgid32', 'setresuid', 'setresuid32', 'capset', 'rt_sigprocmask', 'rt_sigaction',
      // reporting a failed execve to crun and ending
      'write', 'exit', 'exit_group',
    ],
  },
};

/** The preset's names that exist on at least one of `abis`. */
export function presetNames(runtime: RuntimeName, abis: readonly ArchName[]): string[] {
  return RUNTIME_PRESETS[runtime].names.filter((name) => abis.some((abi) => resolveSyscall(abi, name) !== undefined));
}

export interface PresetResult {
  profile: SeccompProfile;
  /** names the preset added */
  added: string[];
  /** what the user should know: names the profile refuses that the runtime needs, kill-thread */
  notes: string[];
}

/**
 * Allows what the runtime's init needs: a name without a rule gets an ALLOW rule at the end; a
 * name whose first rule refuses it unconditionally is left as the profile says, with a note (the
 * runtime's init will be killed or fail there). The added rule is unconditional, so it wins over
 * the name's conditional rules (libseccomp), and a note says so when one of them refuses.
 */
export function applyRuntimePreset(profile: SeccompProfile, runtime: RuntimeName, abis: readonly ArchName[]): PresetResult {
  const added: string[] = [];
  const notes: string[] = [];
  const rules: Rule[] = [...profile.rules];
  for (const name of presetNames(runtime, abis)) {
    const first = profile.rules.find((r) => r.syscall === name && r.args.length === 0);
    const conditional = profile.rules.find((r) => r.syscall === name && r.args.length > 0);
    if (first !== undefined) {
      if (!isAllowing(first.action)) notes.push(`${RUNTIME_PRESETS[runtime].what} needs ${name}, which this profile refuses (${ruleText(first)}): the container will not start`);
      continue;
    }
    if (conditional === undefined && isAllowing(profile.defaultAction)) continue;
    const refusal = profile.rules.find((r) => r.syscall === name && r.args.length > 0 && !isAllowing(r.action));
    if (refusal !== undefined) notes.push(`${RUNTIME_PRESETS[runtime].what} needs ${name} whatever its arguments: the ALLOW added for it wins over ${ruleText(refusal)}, as an unconditional rule does in libseccomp`);
    rules.push({ syscall: name, action: { kind: 'ALLOW' }, args: [] });
    added.push(name);
  }
  notes.push(...runtimeCautions(profile, runtime));
  return { profile: { ...profile, rules }, added, notes };
}

/** What the runtime's init needs that the profile does not allow (profile check --for). */
export function missingForRuntime(profile: SeccompProfile, runtime: RuntimeName, abis: readonly ArchName[]): string[] {
  return presetNames(runtime, abis).filter((name) => {
    // an unconditional rule decides alone (libseccomp); conditional rules alone may refuse
    const unconditional = profile.rules.find((r) => r.syscall === name && r.args.length === 0);
    if (unconditional !== undefined) return !isAllowing(unconditional.action);
    return profile.rules.some((r) => r.syscall === name) || !isAllowing(profile.defaultAction);
  });
}

/**
 * SECCOMP_RET_KILL_THREAD kills one thread: runc's init is a Go program whose other threads then
 * wait forever (the container hangs), and a multithreaded program keeps running without it.
 */
export function runtimeCautions(profile: SeccompProfile, runtime: RuntimeName): string[] {
  const killsThreads = profile.defaultAction.kind === 'KILL_THREAD' || profile.rules.some((r) => r.action.kind === 'KILL_THREAD');
  if (!killsThreads) return [];
  return [`the profile kills single threads (SCMP_ACT_KILL or SCMP_ACT_KILL_THREAD): under ${runtime} a refused call ${runtime === 'runc' ? "leaves runc's init hanging" : 'leaves a multithreaded program running without that thread'}; use SCMP_ACT_KILL_PROCESS`];
}
