// The rule database: every rule of a profile added, in profile order, to one syscall table per
// ABI the way runc and crun add it through libseccomp 2.5.4 (seccomp_rule_add, non-exact):
// - a rule whose action is the default action is not added (libseccomp refuses it, runc skips it);
// - on ABIs with socketcall(2)/ipc(2) (i386, powerpc, ppc64, mips o32) a rule for socket, semget
//   ... also becomes a rule for the multiplexer whose argument 0 must be the call number (SYS_SOCKET,
//   SEMGET ...), keeping the rule's conditions on arguments 1-5, as libseccomp does;
// - a rule libseccomp refuses on one ABI (a contradiction, EEXIST) is taken back on all of them.
// Pure.
import { syscallTable, type ArchInfo, type ArchName } from './arch.js';
import { chain32, chain64, EndlessMerge, Journal, type SyscallEntry } from './compile-chain.js';
import { actionValue, checkCond, invalid } from './compile-actions.js';
import { addToEntry } from './compile-merge.js';
import type { ArgCond, SeccompProfile } from './model.js';

/** A rule that is not in the filter, and why. */
export interface DroppedRule {
  /** index into profile.rules */
  rule: number;
  syscall: string;
  /** default-action: same action as the default (libseccomp refuses it, runc skips it);
   * conflict: contradicts an earlier rule on a shared condition (libseccomp: EEXIST) */
  reason: 'default-action' | 'conflict';
}

export interface RuleDb {
  /** per ABI: syscall number -> its rules */
  tables: Map<ArchName, Map<number, SyscallEntry>>;
  dropped: DroppedRule[];
  /** rule syscalls with no number on an ABI (those rules are skipped there) */
  unknown: { arch: string; syscall: string }[];
}

/** socketcall(2) call numbers (SYS_SOCKET = 1 ... SYS_SENDMMSG = 20). */
const SOCKET_CALLS = ['socket', 'bind', 'connect', 'listen', 'accept', 'getsockname', 'getpeername', 'socketpair',
  'send', 'recv', 'sendto', 'recvfrom', 'shutdown', 'setsockopt', 'getsockopt', 'sendmsg', 'recvmsg', 'accept4',
  'recvmmsg', 'sendmmsg'];
/** ipc(2) call numbers (linux/ipc.h). */
const IPC_CALLS: Readonly<Record<string, number>> = {
  semop: 1, semget: 2, semctl: 3, semtimedop: 4, msgsnd: 11, msgrcv: 12, msgget: 13, msgctl: 14,
  shmat: 21, shmdt: 22, shmget: 23, shmctl: 24,
};
/** ABIs whose libseccomp 2.5.4 definition multiplexes (arch-x86.c, arch-ppc*.c, arch-mips.c). */
const MULTIPLEXED: readonly ArchName[] = ['i386', 'powerpc', 'ppc64', 'ppc64le', 'mips', 'mipsel'];

/**
 * Where a rule for `syscall` goes on one ABI: syscall numbers with the conditions to test there.
 * `multiplexers` false: the direct syscall only (jailctl's baseline, whose argument tests cannot
 * hold for socketcall(2), which keeps the arguments in memory).
 */
export function placements(abi: ArchInfo, syscall: string, conds: readonly Required<ArgCond>[], multiplexers = true): { nr: number; conds: Required<ArgCond>[] }[] {
  const table = syscallTable(abi.name).syscalls;
  const direct = Object.hasOwn(table, syscall) ? table[syscall] : undefined;
  const out: { nr: number; conds: Required<ArgCond>[] }[] = [];
  const sub = multiplexers && MULTIPLEXED.includes(abi.name) ? subCall(syscall) : undefined;
  if (sub) {
    const mux = table[sub.via]!;
    const callNr: Required<ArgCond> = { index: 0, op: 'EQ', value: BigInt(sub.call), valueTwo: 0n };
    out.push({ nr: mux, conds: [callNr, ...conds.filter((c) => c.index !== 0)] });
  }
  if (direct !== undefined) out.push({ nr: direct, conds: [...conds] });
  return out;
}

function subCall(syscall: string): { via: 'socketcall' | 'ipc'; call: number } | undefined {
  const socket = SOCKET_CALLS.indexOf(syscall);
  if (socket >= 0) return { via: 'socketcall', call: socket + 1 };
  const ipc = Object.hasOwn(IPC_CALLS, syscall) ? IPC_CALLS[syscall] : undefined;
  return ipc === undefined ? undefined : { via: 'ipc', call: ipc };
}

/**
 * Add every rule to one table per ABI. `abis` is the whole set libseccomp would hold in one
 * filter (a rule refused on any of them is refused on all).
 */
export function buildRuleDb(profile: SeccompProfile, abis: readonly ArchInfo[], multiplexers = true): RuleDb {
  const db: RuleDb = { tables: new Map(abis.map((a) => [a.name, new Map()])), dropped: [], unknown: [] };
  const j = new Journal();
  // linear in the rules: a profile may name unknown syscalls 10,000 times
  const unknown = new Set<string>();
  const defaults = new Map(abis.map((a) => [a.name, actionValue(profile.defaultAction, a, 'defaultAction')]));
  profile.rules.forEach((rule, i) => {
    const where = `rules[${i}] (${rule.syscall})`;
    // Several conditions on one argument are ANDed in chain order: libseccomp refuses such a rule
    // (runc splits an OCI entry that has them into one rule each before it gets there), so only
    // jailctl's own profiles (the baseline's personality rule) have them.
    const conds = rule.args.map((c) => checkCond(c, where));
    const mark = j.mark();
    let asDefault = 0;
    let refused = false;
    for (const abi of abis) {
      const action = actionValue(rule.action, abi, where);
      if (action === defaults.get(abi.name)) { asDefault++; continue; }
      const targets = placements(abi, rule.syscall, conds, multiplexers);
      if (targets.length === 0) noteUnknown(db, unknown, abi, rule.syscall);
      for (const { nr, conds: tested } of targets) {
        if (!refused && guarded(where, () => addRule(j, db.tables.get(abi.name)!, abi, nr, tested, action)) < 0) refused = true;
      }
    }
    if (refused) {
      j.rollback(mark);
      db.dropped.push({ rule: i, syscall: rule.syscall, reason: 'conflict' });
    } else if (asDefault === abis.length) {
      db.dropped.push({ rule: i, syscall: rule.syscall, reason: 'default-action' });
    }
    j.commit();
  });
  return db;
}

function addRule(j: Journal, table: Map<number, SyscallEntry>, abi: ArchInfo, nr: number, conds: Required<ArgCond>[], action: number): number {
  const chain = abi.bits === 64 ? chain64(j, conds, action) : chain32(j, conds, action);
  const entry = table.get(nr);
  if (entry === undefined) {
    table.set(nr, { chains: chain.chains, action: chain.action });
    j.onUndo(() => table.delete(nr));
    return 0;
  }
  return addToEntry(j, entry, chain);
}

/**
 * Run a merge step; where libseccomp 2.5.4 would loop forever (runc and crun hang while loading
 * the profile) say so instead.
 */
export function guarded<T>(where: string, step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (!(err instanceof EndlessMerge) && !(err instanceof RangeError)) throw err;
    throw invalid(`${where}: libseccomp 2.5.4 never finishes adding this rule after the ones before it (runc and crun hang loading this profile)`,
      'reorder the rules of this syscall, or merge rules whose conditions overlap');
  }
}

function noteUnknown(db: RuleDb, seen: Set<string>, abi: ArchInfo, syscall: string): void {
  const key = `${abi.name}:${syscall}`;
  if (seen.has(key)) return;
  seen.add(key);
  db.unknown.push({ arch: abi.name, syscall });
}
