// Turning a launch plan into a traced one (pure): pid 1 becomes the tracer, the service stops
// for it before execve, and a one-instruction filter makes every syscall a seccomp-trace stop.
// Which arguments to capture (paths of file syscalls, socket families, unix socket addresses)
// is decided here, per ABI of the host's kernel.
import { JailctlError } from '../errors.js';
import { ARCHES, kernelGroupOf, resolveSyscall, syscallTable, type ArchName } from '../profile/arch.js';
import { BPF, encodeProgram, jump, SECCOMP_DATA, SECCOMP_RET, stmt, type Insn } from '../profile/bpf.js';
import type { LaunchPlan, PlanStep, TraceCapture } from '../jail/plan.js';
import type { RecorderPlan } from '../jail/plan.js';
import { COUNTER_NRS, EXIT_REGISTERS, recordSpec, recorderStops, ringBytes } from './kernel-recorder.js';

export { COUNTER_NRS } from './kernel-recorder.js';

/** File syscalls: [name, path arg, dirfd arg, flags/mode arg]. */
const PATH_SYSCALLS: readonly (readonly [string, number, number, number])[] = [
  ['open', 0, -1, 1], ['openat', 1, 0, 2], ['openat2', 1, 0, -1], ['creat', 0, -1, -1],
  ['stat', 0, -1, -1], ['lstat', 0, -1, -1], ['stat64', 0, -1, -1], ['lstat64', 0, -1, -1],
  ['newfstatat', 1, 0, 3], ['fstatat64', 1, 0, 3], ['statx', 1, 0, 2], ['statfs', 0, -1, -1], ['statfs64', 0, -1, -1],
  ['access', 0, -1, 1], ['faccessat', 1, 0, 2], ['faccessat2', 1, 0, 2],
  ['readlink', 0, -1, -1], ['readlinkat', 1, 0, -1], ['execve', 0, -1, -1], ['execveat', 1, 0, 4],
  ['mkdir', 0, -1, 1], ['mkdirat', 1, 0, 2], ['rmdir', 0, -1, -1], ['unlink', 0, -1, -1], ['unlinkat', 1, 0, 2],
  ['rename', 1, -1, -1], ['renameat', 3, 2, -1], ['renameat2', 3, 2, -1], ['link', 1, -1, -1], ['linkat', 3, 2, -1],
  ['symlink', 1, -1, -1], ['symlinkat', 2, 1, -1], ['mknod', 0, -1, 1], ['mknodat', 1, 0, 2],
  ['chdir', 0, -1, -1], ['chroot', 0, -1, -1], ['truncate', 0, -1, -1], ['truncate64', 0, -1, -1],
  ['chmod', 0, -1, 1], ['fchmodat', 1, 0, 2], ['chown', 0, -1, -1], ['lchown', 0, -1, -1], ['fchownat', 1, 0, 4],
  ['utimensat', 1, 0, 3], ['utimes', 0, -1, -1], ['inotify_add_watch', 1, -1, 2],
  ['getxattr', 0, -1, -1], ['lgetxattr', 0, -1, -1], ['setxattr', 0, -1, -1], ['uselib', 0, -1, -1],
];

/** [name, kind, arg, aux arg, flags arg]: socket families (and types) and unix socket addresses. */
const OTHER_CAPTURES: readonly (readonly [string, 'value' | 'bytes', number, number, number])[] = [
  ['socket', 'value', 0, -1, 1], ['socketpair', 'value', 0, -1, 1], ['connect', 'bytes', 1, 2, -1], ['bind', 'bytes', 1, 2, -1],
];

/** Captures for every ABI the host kernel runs (x86_64 with i386 and x32, aarch64 with arm ...). */
export function buildTraceCaptures(hostArch: ArchName): TraceCapture[] {
  const captures: TraceCapture[] = [];
  for (const abi of kernelGroupOf(hostArch)) {
    const auditArch = ARCHES[abi].auditArch;
    for (const [name, arg, dirArg, flagsArg] of PATH_SYSCALLS) {
      const nr = resolveSyscall(abi, name);
      if (nr !== undefined) captures.push({ auditArch, nr, kind: 'path', arg, auxArg: dirArg, flagsArg });
    }
    for (const [name, kind, arg, aux, flagsArg] of OTHER_CAPTURES) {
      const nr = resolveSyscall(abi, name);
      if (nr !== undefined) captures.push({ auditArch, nr, kind, arg, auxArg: aux, flagsArg });
    }
  }
  return captures;
}

/** The filter every traced process runs: each syscall stops for the tracer once. */
export function buildTraceFilter(hostArch: ArchName): Uint8Array {
  return encodeProgram([stmt(BPF.RET | BPF.K, SECCOMP_RET.TRACE)], ARCHES[hostArch].endian);
}

/**
 * The filter of a trace whose calls the in-kernel counter counts: only the calls whose arguments
 * are recorded stop (with the recorder: only execve), and every call the counter cannot count
 * (another ABI, a number past its table, x32's). The rest is allowed without a stop, and the
 * kernel's seccomp cache lets them through without running the filter at all.
 */
export function buildCountingFilter(hostArch: ArchName, options: { recorder?: boolean; captures?: readonly TraceCapture[] } = {}): Uint8Array {
  const auditArch = ARCHES[hostArch].auditArch;
  const captured = (): number[] => (options.captures ?? buildTraceCaptures(hostArch)).filter((c) => c.auditArch === auditArch && c.nr < COUNTER_NRS).map((c) => c.nr);
  const stops = [...new Set(options.recorder === true ? recorderStops(hostArch) : captured())].sort((a, b) => a - b);
  // from instruction i, the distance to the TRACE return at the end
  const toTrace = (i: number): number => stops.length + 4 - i;
  const insns: Insn[] = [
    stmt(BPF.LD | BPF.W | BPF.ABS, SECCOMP_DATA.ARCH),
    jump(BPF.JMP | BPF.JEQ | BPF.K, auditArch, 0, toTrace(1)),
    stmt(BPF.LD | BPF.W | BPF.ABS, SECCOMP_DATA.NR),
    jump(BPF.JMP | BPF.JGE | BPF.K, COUNTER_NRS, toTrace(3), 0),
    ...stops.map((nr, i) => jump(BPF.JMP | BPF.JEQ | BPF.K, nr, toTrace(4 + i), 0)),
    stmt(BPF.RET | BPF.K, SECCOMP_RET.ALLOW),
    stmt(BPF.RET | BPF.K, SECCOMP_RET.TRACE),
  ];
  return encodeProgram(insns, ARCHES[hostArch].endian);
}

/** Whether the in-kernel counter can count the host ABI: its numbers start at 0 (not MIPS's). */
export function counterFits(hostArch: ArchName): boolean {
  return syscallTable(hostArch).base === 0;
}

/**
 * Makes pid 1 trace the service: a 'trace' config step (records to `fd`), and in the service
 * 'trace-me' then the trace filter right before execve. A plan with its own seccomp step is
 * refused: tracing records what a program needs, it does not enforce a profile. With `counter`
 * (a trace whose tracer sees the kernel's own thread ids: no pid namespace, run as root), the
 * launcher tries the in-kernel counter first; where the kernel refuses it, every call stops.
 * `extraCaptures` (of syscalls the standard list does not capture) add arguments a caller wants
 * besides; they need a stop at each such call, so they go without the counter.
 */
export function buildTracedPlan(plan: LaunchPlan, hostArch: ArchName, fd: number, options: { counter?: boolean; recorder?: boolean; extraCaptures?: readonly TraceCapture[] } = {}): LaunchPlan {
  if (plan.steps.some((s) => s.op === 'seccomp')) {
    throw new JailctlError('USAGE', 'a traced run does not load a seccomp profile', { hint: 'drop --seccomp when tracing' });
  }
  const exec = plan.steps.findIndex((s) => s.op === 'execve');
  if (exec < 0) throw new JailctlError('JAIL_INVALID', 'the plan has no execve step');
  const captures = [...buildTraceCaptures(hostArch), ...(options.extraCaptures ?? [])];
  const trace: PlanStep = { phase: 'config', op: 'trace', fd, captures, describe: 'trace the service' };
  const beforeExec: PlanStep[] = [
    { phase: 'service', op: 'trace-me', describe: 'stop for the tracer (ptrace PTRACE_TRACEME)' },
    { phase: 'service', op: 'seccomp', filter: buildTraceFilter(hostArch), flags: 0, profile: '(trace: every syscall stops)', describe: 'load the tracing filter' },
  ];
  const steps = [...plan.steps];
  steps.splice(exec, 0, ...beforeExec);
  const counter: PlanStep[] = options.counter === true && (options.extraCaptures ?? []).length === 0 && counterFits(hostArch)
    ? [{ phase: 'config', op: 'trace-counter', auditArch: ARCHES[hostArch].auditArch, filter: buildCountingFilter(hostArch, { captures }), ...recorderOf(hostArch, captures, options.recorder), describe: 'count calls in the kernel (eBPF), stopping only where arguments are recorded' }]
    : [];
  return { ...plan, steps: [trace, ...counter, ...steps] };
}

/** The counter's recorder, where the host's register layout is known (and not turned off):
 * calls with arguments are recorded in the kernel and no longer stop. */
function recorderOf(hostArch: ArchName, captures: readonly TraceCapture[], wanted: boolean | undefined): { recorder?: RecorderPlan } {
  const registers = EXIT_REGISTERS[hostArch];
  const probeNr = resolveSyscall(hostArch, 'faccessat');
  if (wanted === false || registers === undefined || probeNr === undefined) return {};
  return {
    recorder: { filter: buildCountingFilter(hostArch, { recorder: true }), ringBytes: ringBytes(), nrOffset: registers.nr, probeNr, spec: recordSpec(hostArch, captures, registers) },
  };
}
