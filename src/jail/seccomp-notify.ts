// The filter `jailctl run --seccomp` installs when the jail's pid 1 must answer some calls itself
// (SECCOMP_RET_USER_NOTIF), and what pid 1 answers. Pure: decided here as plan data, carried out
// by native/notify.c, which only answers.
//
// Two reasons to notify instead of letting the kernel decide:
// - named refusals: the profile's kills (KILL_PROCESS, and KILL_THREAD: SCMP_ACT_KILL, procd
//   legacy's policy 0) become USER_NOTIF, so pid 1 can log which call was refused before it kills
//   the process (a bare SIGSYS names nothing). pid 1 cannot end one thread alone: a thread kill
//   ends the process, as the kernel's does for a single-threaded one (the caller is its only
//   thread and is blocked in the call, so no thread can appear meanwhile). Unlike the tracer this
//   replaces (SECCOMP_RET_TRACE), a service cannot answer for pid 1: only pid 1 holds the listener,
//   and the filter refuses the service a listener of its own (seccomp(2) with
//   SECCOMP_FILTER_FLAG_NEW_LISTENER), the one thing that could win over ours: of two filters
//   returning USER_NOTIF the newest is the one notified.
// - profiles without execve (procd applies its filter after the service's execve, so OpenWrt's
//   own profiles list none): execve becomes USER_NOTIF, pid 1 lets the service's own first execve
//   continue (jailctl's code makes it, before any code of the service runs) and answers every
//   later one as the profile says.
// pid 1 gets every other answer from the profile's own program run over the call's registers,
// so continuing on an ALLOW there is exactly the kernel's ALLOW.
import { JailctlError } from '../errors.js';
import { ARCHES, kernelGroupOf, resolveArch, resolveSyscall, syscallTable, type ArchName } from '../profile/arch.js';
import { assemble, insn, jumpIf, label, type AsmItem } from '../profile/bpf-asm.js';
import { BPF, BPF_MAXINSNS, SECCOMP_DATA, SECCOMP_RET, SECCOMP_RET_ACTION_FULL, argWordOffset, encodeProgram, mapReturns, type Insn } from '../profile/bpf.js';
import { resolveErrno } from '../profile/errno.js';
import { FILTER_FLAGS } from '../profile/compile-actions.js';
import { compileFilter } from '../profile/compile.js';
import { isAllowing } from '../profile/describe.js';
import type { Action, SeccompProfile } from '../profile/model.js';
import type { SeccompListener, SeccompNotify, SyscallId } from './plan.js';

/** The handshake call's number above the ABI's base: far past every syscall, below x32's bit. */
export const HANDSHAKE_OFFSET = 0xfff0;

export interface RunFilter {
  /** struct sock_filter array in the target's byte order */
  filter: Uint8Array;
  /** SECCOMP_FILTER_FLAG_* bits for seccomp(2) */
  flags: number;
  /** set when the filter is installed with a listener pid 1 takes */
  listener?: SeccompListener;
  notify?: SeccompNotify;
}

export interface NotifyOptions {
  /** name refused calls (the profile's KILL_PROCESS and KILL_THREAD) instead of a bare SIGSYS (default true) */
  nameRefusals?: boolean;
}

const NOTIFY: Action = { kind: 'NOTIFY' };

/** The filter for `profile` on `arch`, notifying pid 1 where it must answer. */
export function buildRunFilter(profile: SeccompProfile, arch: ArchName | string, options: NotifyOptions = {}): RunFilter {
  const target = resolveArch(arch).name;
  const nameRefusals = options.nameRefusals !== false && usesKill(profile);
  const gateExec = !allowsExecve(profile);
  if (!nameRefusals && !gateExec) {
    const plain = compileFilter(profile, target);
    return { filter: plain.program, flags: plain.flags };
  }
  const installed = compileFilter(gateExec ? withExecveNotified(profile) : profile, target);
  const notifying = nameRefusals ? mapReturns(installed.instructions, killsNotify) : installed.instructions;
  const handshake: SyscallId = { auditArch: ARCHES[target].auditArch, nr: handshakeNumber(target) };
  const program = withNotifyPrefix(notifying, target, handshake);
  const answer = mapReturns(compileFilter(profile, target).instructions, answerFor(target));
  return {
    filter: encodeProgram(program, ARCHES[target].endian),
    flags: listenerFlags(installed.flags),
    listener: { handshakeNr: handshake.nr },
    notify: {
      handshake,
      execGates: gateExec ? [{ auditArch: ARCHES[target].auditArch, nr: syscallTable(target).syscalls['execve']! }] : [],
      answer: encodeProgram(answer, ARCHES[target].endian),
      names: syscallNames(target),
    },
  };
}

const KILLS = new Set(['KILL_PROCESS', 'KILL_THREAD']);

function usesKill(profile: SeccompProfile): boolean {
  return KILLS.has(profile.defaultAction.kind) || profile.rules.some((r) => KILLS.has(r.action.kind));
}

/**
 * Whether every execve is allowed: one unconditional allowing rule and no other, or no rule
 * and an allowing default. Anything else (conditions on its pointer arguments, a refusal) is
 * gated: pid 1 answers it, from the profile's own program, so gating never changes a decision.
 */
export function allowsExecve(profile: SeccompProfile): boolean {
  const rules = profile.rules.filter((r) => r.syscall === 'execve');
  if (rules.length === 0) return isAllowing(profile.defaultAction);
  return rules.every((r) => r.args.length === 0 && isAllowing(r.action));
}

/** The profile with every execve notifying (gated): its own execve rules give way to one that notifies. */
export function withExecveNotified(profile: SeccompProfile): SeccompProfile {
  return { ...profile, rules: [...profile.rules.filter((r) => r.syscall !== 'execve'), { syscall: 'execve', action: NOTIFY, args: [] }] };
}

/**
 * What the kernel evaluates: the profile's own program, its kills (rules, default and other
 * ABIs) notifying so pid 1 can name them. Decided as the profile decides: only the returns change.
 */
const killsNotify = (value: number): number => {
  const action = (value & SECCOMP_RET_ACTION_FULL) >>> 0;
  return action === SECCOMP_RET.KILL_PROCESS || action === SECCOMP_RET.KILL_THREAD ? SECCOMP_RET.USER_NOTIF : value;
};

/**
 * What pid 1 evaluates: the profile's own program, every return reduced to what pid 1 can carry
 * out from outside: ALLOW (and LOG) continue, ERRNO fails the call, TRACE fails it with ENOSYS
 * (what the kernel does when no tracer is attached), and KILL_THREAD, TRAP or NOTIFY kill the
 * process after naming the call.
 */
function answerFor(target: ArchName): (value: number) => number {
  const enosys = resolveErrno(ARCHES[target].errnoFamily, 'ENOSYS') ?? 38;
  return (value) => {
    const action = (value & SECCOMP_RET_ACTION_FULL) >>> 0;
    if (action === SECCOMP_RET.ALLOW || action === SECCOMP_RET.LOG) return SECCOMP_RET.ALLOW;
    if (action === SECCOMP_RET.ERRNO) return value;
    if (action === SECCOMP_RET.TRACE) return (SECCOMP_RET.ERRNO | enosys) >>> 0;
    return SECCOMP_RET.KILL_PROCESS;
  };
}

/** An unused number of the native ABI: the one call pid 1 answers 0 without running anything. */
export function handshakeNumber(arch: ArchName): number {
  const table = syscallTable(arch);
  const nr = table.base + HANDSHAKE_OFFSET;
  if (Object.values(table.syscalls).includes(nr)) throw new JailctlError('NOT_SUPPORTED', `syscall ${nr} exists on ${arch}: no number is free for the seccomp handshake`);
  return nr;
}

const SECCOMP_SET_MODE_FILTER = 1;
const NEW_LISTENER = 8;
const EPERM = 1; // the same number in every errno family

/**
 * What comes before the profile's program: the handshake call (native ABI) notifies, and
 * seccomp(SECCOMP_SET_MODE_FILTER, flags with NEW_LISTENER) fails with EPERM on every ABI of the
 * kernel (int arguments: low words only). Built here, ahead of the profile's own rules for
 * seccomp, so no rule order of the profile can change it. Our own filter is loaded before it.
 */
export function notifyPrefix(target: ArchName, handshake: SyscallId): AsmItem[] {
  const endian = ARCHES[target].endian;
  const byArch = new Map<number, number[]>();
  for (const abi of kernelGroupOf(target)) {
    const nr = resolveSyscall(abi, 'seccomp');
    if (nr !== undefined) byArch.set(ARCHES[abi].auditArch, [...(byArch.get(ARCHES[abi].auditArch) ?? []), nr]);
  }
  if (!byArch.has(handshake.auditArch)) byArch.set(handshake.auditArch, []);
  const arches = [...byArch.keys()];
  const items: AsmItem[] = [insn(BPF.LD | BPF.W | BPF.ABS, SECCOMP_DATA.ARCH)];
  arches.forEach((auditArch, i) => {
    if (i > 0) items.push(label(`pre.arch${i}`));
    items.push(jumpIf(BPF.JEQ, auditArch, `pre.abi${i}`, i + 1 < arches.length ? `pre.arch${i + 1}` : 'pre.rest'));
  });
  arches.forEach((auditArch, i) => {
    const tests: [number, string][] = byArch.get(auditArch)!.map((nr) => [nr, 'pre.seccomp']);
    if (auditArch === handshake.auditArch) tests.unshift([handshake.nr, 'pre.notify']);
    items.push(label(`pre.abi${i}`), insn(BPF.LD | BPF.W | BPF.ABS, SECCOMP_DATA.NR));
    tests.forEach(([nr, then], j) => {
      if (j > 0) items.push(label(`pre.abi${i}.${j}`));
      items.push(jumpIf(BPF.JEQ, nr, then, j + 1 < tests.length ? `pre.abi${i}.${j + 1}` : 'pre.rest'));
    });
    if (tests.length === 0) items.push({ op: 'ja', target: 'pre.rest' });
  });
  items.push(
    label('pre.seccomp'), insn(BPF.LD | BPF.W | BPF.ABS, argWordOffset(0, 'lo', endian)),
    jumpIf(BPF.JEQ, SECCOMP_SET_MODE_FILTER, 'pre.flags', 'pre.rest'),
    label('pre.flags'), insn(BPF.LD | BPF.W | BPF.ABS, argWordOffset(1, 'lo', endian)),
    jumpIf(BPF.JSET, NEW_LISTENER, 'pre.eperm', 'pre.rest'),
    label('pre.eperm'), insn(BPF.RET | BPF.K, (SECCOMP_RET.ERRNO | EPERM) >>> 0),
    label('pre.notify'), insn(BPF.RET | BPF.K, SECCOMP_RET.USER_NOTIF),
    label('pre.rest'),
  );
  return items;
}

/** The prefix in front of the compiled program (its jumps are relative: it moves as a whole). */
export function withNotifyPrefix(program: readonly Insn[], target: ArchName, handshake: SyscallId): Insn[] {
  const prefix = assemble(notifyPrefix(target, handshake));
  if (prefix.length + program.length > BPF_MAXINSNS) {
    throw new JailctlError('PROFILE_TOO_LARGE', `seccomp filter needs ${prefix.length + program.length} BPF instructions with jailctl's notification checks; the kernel accepts at most ${BPF_MAXINSNS}`, {
      hint: 'merge rules with equal conditions, or drop architectures you do not need',
    });
  }
  return [...prefix, ...program];
}

/** NEW_LISTENER, and TSYNC_ESRCH beside TSYNC (seccomp(2) refuses TSYNC with a listener without it). */
export function listenerFlags(flags: number): number {
  let bits = flags | FILTER_FLAGS['SECCOMP_FILTER_FLAG_NEW_LISTENER']!;
  if (bits & FILTER_FLAGS['SECCOMP_FILTER_FLAG_TSYNC']!) bits |= FILTER_FLAGS['SECCOMP_FILTER_FLAG_TSYNC_ESRCH']!;
  return bits;
}

/** Every syscall of every ABI the host kernel runs, labelled "name" or "name (abi)". */
export function syscallNames(host: ArchName): (SyscallId & { name: string })[] {
  return kernelGroupOf(host).flatMap((abi) =>
    Object.entries(syscallTable(abi).syscalls).map(([name, nr]) => ({ auditArch: ARCHES[abi].auditArch, nr, name: abi === host ? name : `${name} (${abi})` })),
  );
}
