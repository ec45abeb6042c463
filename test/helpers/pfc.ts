// libseccomp's pseudo filter code (seccomp_export_pfc) as a test oracle for the rule database:
// our per-ABI rule trees written in the same text form, and libseccomp's output cut into one
// body per (arch, syscall), so the two trees can be compared node for node.
import { ARCHES, type ArchName } from '../../src/profile/arch.js';
import { SECCOMP_RET } from '../../src/profile/bpf.js';
import { levelStart, type ChainNode, type SyscallEntry } from '../../src/profile/compile-chain.js';

/** Bodies keyed by libseccomp's arch name (x86, mipsel64 ...), then syscall number. */
export type PfcBodies = Map<string, Map<number, string>>;

/** libseccomp's name of an ABI in PFC output. */
export const pfcArchName = (arch: ArchName): string => ARCHES[arch].scmpName.replace('SCMP_ARCH_', '').toLowerCase();

export function actionPfc(action: number): string {
  const full = (action & 0xffff0000) >>> 0;
  const data = action & 0xffff;
  switch (full) {
    case SECCOMP_RET.KILL_PROCESS: return 'action KILL_PROCESS;';
    case SECCOMP_RET.KILL_THREAD: return 'action KILL;';
    case SECCOMP_RET.TRAP: return 'action TRAP;';
    case SECCOMP_RET.ERRNO: return `action ERRNO(${data});`;
    case SECCOMP_RET.TRACE: return `action TRACE(${data});`;
    case SECCOMP_RET.LOG: return 'action LOG;';
    case SECCOMP_RET.ALLOW: return 'action ALLOW;';
    default: return `action 0x${(action >>> 0).toString(16)};`;
  }
}

const OPS = { EQ: ' == ', GE: ' >= ', GT: ' > ' } as const;

/** One syscall's body as libseccomp prints it (indentation as under `if ($syscall == N)`). */
export function entryPfc(entry: SyscallEntry, arch: ArchName): string {
  const lines: string[] = [];
  const pad = (lvl: number) => '  '.repeat(lvl);
  const bits = ARCHES[arch].bits;
  const word = (n: ChainNode) => (bits === 64 ? `$a${n.arg}.${n.hi ? 'hi32' : 'lo32'}` : `$a${n.arg}`);
  const chain = (node: ChainNode, lvl: number): void => {
    for (let n: ChainNode | null = levelStart(node); n !== null; n = n.lvlNxt) {
      const op = n.op === 'MASKED_EQ' ? ` & 0x${n.mask.toString(16).padStart(8, '0')} == ` : OPS[n.op];
      lines.push(`${pad(lvl)}if (${word(n)}${op}${n.datum})`);
      if (n.actTSet) lines.push(`${pad(lvl + 1)}${actionPfc(n.actT)}`);
      else if (n.nxtT) chain(n.nxtT, lvl + 1);
      if (n.actFSet) lines.push(`${pad(lvl)}else`, `${pad(lvl + 1)}${actionPfc(n.actF)}`);
      else if (n.nxtF) { lines.push(`${pad(lvl)}else`); chain(n.nxtF, lvl + 1); }
    }
  };
  if (entry.chains === null) lines.push(`${pad(2)}${actionPfc(entry.action)}`);
  else chain(entry.chains, 2);
  return lines.join('\n');
}

/** Cut libseccomp's PFC output into bodies per (audit arch, syscall number). */
export function parsePfc(text: string): PfcBodies {
  const out: PfcBodies = new Map();
  let arch: Map<number, string> | undefined;
  let nr: number | undefined;
  let body: string[] = [];
  const flush = () => {
    if (arch && nr !== undefined) arch.set(nr, body.join('\n'));
    nr = undefined;
    body = [];
  };
  for (const line of text.split('\n')) {
    const archLine = /^# filter for arch (\S+) \(\d+\)/.exec(line);
    const sysLine = /^ {2}if \(\$syscall == (\d+)\)$/.exec(line);
    if (nr !== undefined && line.startsWith('    ')) { body.push(line); continue; }
    flush();
    if (archLine) {
      arch = new Map();
      out.set(archLine[1]!, arch);
    } else if (sysLine) nr = Number(sysLine[1]);
  }
  flush();
  return out;
}
