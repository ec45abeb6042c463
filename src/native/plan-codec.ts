// Encodes a LaunchPlan into the flat binary form native/plan.c reads: per step an op code,
// phase, flags, integers and strings. Pure. Integers are little-endian on every machine and the
// launcher assembles them byte by byte, so a plan means the same to a big-endian (mips) launcher.
import { JailctlError } from '../errors.js';
import { LeWriter } from './le-writer.js';
import { signalNumber, type SignalNumbering } from './os-signals.js';
import type { LaunchPlan, PlanStep } from '../jail/plan.js';
import { CAPTURE_KINDS, MNT_DETACH, OPF_OPTIONAL, OP_CODES, PHASE_CODES, PLAN_MAGIC, mountAttrs, mountFlags, namespaceFlags } from './ops.js';

// integers as numbers where planning has them so (LeWriter.int: no BigInt per value)
type Operand = { ints: (number | bigint)[]; strs: (string | Uint8Array)[] };

function operands(step: PlanStep, signals: SignalNumbering): Operand {
  switch (step.op) {
    case 'clone': return { ints: [namespaceFlags(step.namespaces)], strs: [] };
    case 'forward-signals': return { ints: step.signals.map((s) => signalNumberOrThrow(s, signals)), strs: [] };
    case 'write-child-file': return { ints: [], strs: [step.file, step.content] };
    case 'mkdir': return { ints: [step.mode], strs: [step.path] };
    case 'write-file': return { ints: [], strs: [step.path, step.content] };
    case 'attach-cgroup': return { ints: [], strs: [step.procsFile] };
    case 'rmdir': return { ints: [], strs: [step.path] };
    case 'mount': return { ints: [mountFlags(step.flags)], strs: [step.source, step.target, step.fstype, step.data, step.procDir] };
    case 'bind': return { ints: [step.recursive ? 1n : 0n], strs: [step.source, step.target, step.procDir] };
    case 'remount': return { ints: [mountFlags(step.flags)], strs: [step.target, step.procDir] };
    case 'setattr': return { ints: [mountAttrs(step.set), mountAttrs(step.clear), step.recursive ? 1n : 0n], strs: [step.target] };
    case 'mkfile': return { ints: [step.mode], strs: [step.path] };
    case 'symlink': return { ints: [], strs: [step.target, step.path] };
    case 'pivot-root': return { ints: [], strs: [step.newRoot, step.putOld] };
    case 'umount': return { ints: [step.detach ? MNT_DETACH : 0n], strs: [step.target] };
    case 'chdir': return { ints: [], strs: [step.path] };
    case 'sethostname': return { ints: [], strs: [step.hostname] };
    case 'loopback-up': return { ints: [], strs: [step.interface] };
    case 'unshare': return { ints: [namespaceFlags(step.namespaces)], strs: [] };
    case 'fork-service': return { ints: [], strs: [] };
    case 'rlimit': return { ints: [step.number, step.soft, step.hard], strs: [] };
    case 'setgroups': return { ints: step.gids, strs: [] };
    case 'setresgid': return { ints: [step.gid], strs: [] };
    case 'keepcaps': return { ints: [step.on ? 1n : 0n], strs: [] };
    case 'setresuid': return { ints: [step.uid], strs: [] };
    case 'caps': return {
      ints: [step.bounding, step.effective, step.permitted, step.inheritable, step.ambient, step.securebits ?? -1],
      strs: [],
    };
    case 'no-new-privs': return { ints: [], strs: [] };
    case 'setsid': return { ints: [], strs: [] };
    case 'close-fds': return { ints: [], strs: [] };
    case 'seccomp': return { ints: [step.flags, step.listener ? 1n : 0n, step.listener?.handshakeNr ?? -1], strs: [step.filter] };
    case 'execve': return {
      ints: [step.argv.length, step.env.length, step.exitIfMissing, step.exitIfDenied],
      strs: [step.path, ...step.argv, ...step.env],
    };
    case 'trace': return {
      ints: [step.fd, ...step.captures.flatMap((c) => [c.auditArch, c.nr, CAPTURE_KINDS[c.kind], c.arg, c.auxArg, c.flagsArg])],
      strs: [],
    };
    case 'trace-me': return { ints: [], strs: [] };
    case 'seccomp-notify': return {
      ints: [step.handshake.auditArch, step.handshake.nr, step.execGates.length, ...step.execGates.flatMap((g) => [g.auditArch, g.nr]), ...step.names.flatMap((d) => [d.auditArch, d.nr])],
      strs: [step.answer, ...step.names.map((d) => d.name)],
    };
    case 'open-proc': return { ints: [], strs: [] };
    case 'keyring': return { ints: [], strs: [] };
    case 'die-with-parent': return { ints: [step.parentPid], strs: [] };
    case 'parent-death-signal': return { ints: [signalNumberOrThrow(step.signal, signals)], strs: [] };
    case 'report-count': return { ints: [], strs: [step.file, step.key, step.once, step.many.before, step.many.after] };
    case 'trace-counter': {
      const r = step.recorder;
      if (r === undefined) return { ints: [step.auditArch], strs: [step.filter] };
      return { ints: [step.auditArch, r.ringBytes, r.nrOffset, r.probeNr], strs: [step.filter, r.filter, r.spec] };
    }
    case 'supervise': return {
      ints: [step.respawn ? 1n : 0n, step.thresholdMs, step.timeoutMs, step.retry, step.termTimeoutMs, step.readyFd, step.hookArgv.length, step.hookEnv.length],
      strs: [step.stateFile, step.logFile, step.syslogIdent, step.pidfile, ...step.hookArgv, ...step.hookEnv],
    };
  }
}

function signalNumberOrThrow(name: string, signals: SignalNumbering): number {
  const number = signalNumber(name, signals);
  if (number === undefined) throw new JailctlError('JAIL_INVALID', `unknown signal ${name}${signals === 'host' ? '' : ` (${signals} numbering)`}`);
  return number;
}

/** The plan as native/plan.c expects it; `signals`: the numbering of the machine it is for
 * (mips differs), this host's by default. */
export function encodeLaunchPlan(plan: LaunchPlan, signals: SignalNumbering = 'host'): Uint8Array {
  const w = new LeWriter();
  w.raw(new TextEncoder().encode(PLAN_MAGIC));
  w.str(plan.name);
  w.u32(plan.steps.length);
  for (const step of plan.steps) {
    const { ints, strs } = operands(step, signals);
    w.u32(OP_CODES[step.op]);
    w.u32(PHASE_CODES[step.phase]);
    w.u32(step.optional === true ? OPF_OPTIONAL : 0);
    w.u32(ints.length);
    w.u32(strs.length);
    for (const i of ints) {
      if (typeof i === 'bigint') w.i64(i);
      else w.int(i);
    }
    w.str(step.describe);
    w.str(step.hint ?? '');
    for (const s of strs) w.str(s);
  }
  return w.bytes();
}
