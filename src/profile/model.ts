// The normalized seccomp profile: the contract between profile parsing (OCI, procd legacy,
// validation) and the BPF compiler. Plain data; parsers build it, compileFilter() consumes it.
// Nothing here knows which file format a profile came from.
import type { ArchName } from './arch.js';

/** What the filter returns for a syscall, mapped to SECCOMP_RET_* by the compiler. */
export type Action =
  | { kind: 'ALLOW' | 'KILL_PROCESS' | 'KILL_THREAD' | 'TRAP' | 'LOG' | 'NOTIFY' }
  /**
   * `errno` is the number returned as-is (OCI errnoRet). When `errnoName` is set (EPERM, ENOSYS
   * ...) the compiler resolves it for each target arch instead, since numbers differ (MIPS).
   */
  | { kind: 'ERRNO'; errno: number; errnoName?: string }
  /** `data` (0-65535) is handed to the ptrace tracer as the PTRACE_EVENT_SECCOMP message */
  | { kind: 'TRACE'; data: number };

export type ActionKind = Action['kind'];

/** Comparison of one syscall argument, unsigned 64-bit like libseccomp's SCMP_CMP_*. */
export type ArgOp = 'EQ' | 'NE' | 'LT' | 'LE' | 'GT' | 'GE' | 'MASKED_EQ';

export interface ArgCond {
  /** argument index, 0-5 */
  index: number;
  op: ArgOp;
  /** the value compared with; for MASKED_EQ the mask */
  value: bigint;
  /** MASKED_EQ only: the value `(arg & value)` must equal */
  valueTwo?: bigint;
}

/**
 * One rule: `action` when the syscall is `syscall` and every condition holds (AND). Several
 * rules for one syscall are alternatives (OR), kept as libseccomp 2.5.4 keeps them (an
 * unconditional rule wins over conditional ones; of overlapping ones the more specific wins; of two
 * with the same conditions the first): src/profile/compile-db.ts.
 */
export interface Rule {
  /** kernel syscall name (newfstatat, rt_sigaction ...), resolved per target arch */
  syscall: string;
  action: Action;
  args: ArgCond[];
}

/** SECCOMP_FILTER_FLAG_* names accepted in `flags`. */
export type FilterFlag =
  | 'SECCOMP_FILTER_FLAG_TSYNC' | 'SECCOMP_FILTER_FLAG_LOG' | 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'
  | 'SECCOMP_FILTER_FLAG_NEW_LISTENER' | 'SECCOMP_FILTER_FLAG_TSYNC_ESRCH'
  | 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV';

export interface SeccompProfile {
  /** the action for every syscall no rule matches */
  defaultAction: Action;
  /**
   * Extra ABIs the filter must decide for (i386 and x32 on x86_64, arm on aarch64, o32/n32 on
   * mips64). The target arch is always included; syscalls of unlisted ABIs are killed.
   */
  architectures: ArchName[];
  /** SECCOMP_FILTER_FLAG_* names, passed to seccomp(2) by the installer */
  flags: string[];
  rules: Rule[];
}

/** Observed calls per syscall name (from `jailctl trace --stats`); orders the dispatch tree. */
export type SyscallStats = Readonly<Record<string, number>>;

