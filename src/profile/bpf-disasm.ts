// Readable listing of a seccomp BPF program, in the style of seccomp-tools and libseccomp's
// scmp_bpf_disasm: raw fields, then pseudo-C with resolved jump targets, audit-arch, syscall,
// argument-word, action and errno names. Pure; names come from tracking what A holds.
import { ARCHES, ARCH_NAMES, X32_SYSCALL_BIT, syscallName, type ArchName } from './arch.js';
import { BPF, SECCOMP_DATA, decodeReturn, type Insn } from './bpf.js';
import { errnoName } from './errno.js';

export interface DisasmOptions {
  /** the arch the filter was built for: byte order of argument words, errno names */
  arch?: ArchName;
}

type Held = 'arch' | 'nr' | 'other';
interface State { held: Held; audit: number | undefined }

const HEADER = ' line  code  jt   jf   k\n=======================================';

export function disassembleFilter(insns: readonly Insn[], options: DisasmOptions = {}): string {
  const states = flowStates(insns);
  const lines = insns.map((insn, pc) => {
    const raw = `${pad(pc)}: 0x${hex(insn.code, 2)} 0x${hex(insn.jt, 2)} 0x${hex(insn.jf, 2)} 0x${hex(insn.k, 8)}`;
    return `${raw}  ${describe(insn, pc, states[pc] ?? unknownState(), options)}`;
  });
  return [HEADER, ...lines].join('\n') + '\n';
}

const unknownState = (): State => ({ held: 'other', audit: undefined });
const pad = (pc: number) => ` ${String(pc).padStart(4, '0')}`;
const hex = (v: number, width: number) => (v >>> 0).toString(16).padStart(width, '0');
const target = (pc: number) => String(pc).padStart(4, '0');

/** What A holds and which audit arch is known, at each instruction (forward-only dataflow). */
function flowStates(insns: readonly Insn[]): (State | undefined)[] {
  const states: (State | undefined)[] = new Array(insns.length);
  states[0] = unknownState();
  const merge = (pc: number, s: State) => {
    if (pc >= insns.length) return;
    const old = states[pc];
    states[pc] = !old ? { ...s } : { held: old.held === s.held ? s.held : 'other', audit: old.audit === s.audit ? s.audit : undefined };
  };
  insns.forEach((insn, pc) => {
    const s = states[pc] ?? unknownState();
    const cls = insn.code & 0x07;
    if (cls === BPF.RET) return;
    if (cls === BPF.JMP) {
      if ((insn.code & 0xf0) === BPF.JA) { merge(pc + 1 + insn.k, s); return; }
      const archMatch = s.held === 'arch' && (insn.code & 0xf8) === (BPF.JEQ | BPF.K);
      merge(pc + 1 + insn.jt, archMatch ? { ...s, audit: insn.k >>> 0 } : s);
      merge(pc + 1 + insn.jf, s);
      return;
    }
    merge(pc + 1, { ...s, held: heldAfter(insn, s.held) });
  });
  return states;
}

function heldAfter(insn: Insn, held: Held): Held {
  const cls = insn.code & 0x07;
  if (cls === BPF.LD && insn.code === (BPF.LD | BPF.W | BPF.ABS)) {
    return insn.k === SECCOMP_DATA.NR ? 'nr' : insn.k === SECCOMP_DATA.ARCH ? 'arch' : 'other';
  }
  if (cls === BPF.LD || cls === BPF.ALU || cls === BPF.MISC) return 'other';
  return held;
}

function describe(insn: Insn, pc: number, s: State, options: DisasmOptions): string {
  switch (insn.code & 0x07) {
    case BPF.LD: return `A = ${loadSource(insn, options)}`;
    case BPF.LDX: return `X = ${loadSource(insn, options)}`;
    case BPF.ST: return `mem[${insn.k}] = A`;
    case BPF.STX: return `mem[${insn.k}] = X`;
    case BPF.ALU: return aluText(insn);
    case BPF.JMP: return jumpText(insn, pc, s);
    case BPF.RET: return (insn.code & 0x18) === BPF.A ? 'return A' : returnText(insn.k, s, options);
    default: return (insn.code & 0xf8) === BPF.TXA ? 'A = X' : 'X = A';
  }
}

function loadSource(insn: Insn, options: DisasmOptions): string {
  const mode = insn.code & 0xe0;
  if (mode === BPF.IMM) return `0x${hex(insn.k, 1)}`;
  if (mode === BPF.MEM) return `mem[${insn.k}]`;
  if (mode === BPF.LEN) return 'sizeof(seccomp_data)';
  if (mode !== BPF.ABS) return `<mode 0x${hex(mode, 2)}>[${insn.k}]`;
  return dataField(insn.k, options.arch ? ARCHES[options.arch].endian : 'little');
}

function dataField(offset: number, endian: 'little' | 'big'): string {
  if (offset === SECCOMP_DATA.NR) return 'sys_number';
  if (offset === SECCOMP_DATA.ARCH) return 'arch';
  const field = offset < SECCOMP_DATA.ARGS ? 'instruction_pointer' : `args[${(offset - SECCOMP_DATA.ARGS) >> 3}]`;
  const second = (offset & 4) !== 0;
  return second === (endian === 'little') ? `${field} >> 32` : field;
}

const ALU_OPS: Readonly<Record<number, string>> = {
  [BPF.ADD]: '+=', [BPF.SUB]: '-=', [BPF.MUL]: '*=', [BPF.DIV]: '/=', [BPF.OR]: '|=', [BPF.AND]: '&=',
  [BPF.LSH]: '<<=', [BPF.RSH]: '>>=', [BPF.MOD]: '%=', [BPF.XOR]: '^=',
};

function aluText(insn: Insn): string {
  const op = insn.code & 0xf0;
  if (op === BPF.NEG) return 'A = -A';
  const src = (insn.code & BPF.X) === BPF.X ? 'X' : `0x${hex(insn.k, 1)}`;
  return `A ${ALU_OPS[op] ?? '?='} ${src}`;
}

const CONDITIONS: Readonly<Record<number, [string, string]>> = {
  [BPF.JEQ]: ['==', '!='], [BPF.JGT]: ['>', '<='], [BPF.JGE]: ['>=', '<'], [BPF.JSET]: ['&', '!&'],
};

function jumpText(insn: Insn, pc: number, s: State): string {
  const op = insn.code & 0xf0;
  if (op === BPF.JA) return `goto ${target(pc + 1 + insn.k)}`;
  const [yes, no] = CONDITIONS[op] ?? ['?', '!?'];
  const k = (insn.code & BPF.X) === BPF.X ? 'X' : operand(insn.k, s);
  const t = target(pc + 1 + insn.jt);
  const f = target(pc + 1 + insn.jf);
  const cond = (rel: string) => (rel === '!&' ? `!(A & ${k})` : `A ${rel} ${k}`);
  const text = insn.jf === 0 ? `if (${cond(yes)}) goto ${t}`
    : insn.jt === 0 ? `if (${cond(no)}) goto ${f}`
    : `if (${cond(yes)}) goto ${t} else goto ${f}`;
  const name = s.held === 'nr' && (insn.code & BPF.X) !== BPF.X ? syscallOf(insn.k >>> 0, s.audit) : undefined;
  return name ? `${text}  # ${name}` : text;
}

function operand(k: number, s: State): string {
  if (s.held === 'arch') return auditName(k >>> 0) ?? `0x${hex(k, 8)}`;
  if (s.held === 'nr') return k >>> 0 >= 0x10000 ? `0x${hex(k, 1)}` : String(k >>> 0);
  return `0x${hex(k, 1)}`;
}

function auditName(audit: number): string | undefined {
  const arch = ARCH_NAMES.find((a) => ARCHES[a].auditArch === audit);
  return arch ? `AUDIT_ARCH_${ARCHES[arch].scmpName.replace('SCMP_ARCH_', '')}` : undefined;
}

/** The syscall a number names under a known audit arch (x32 numbers carry bit 30). */
function syscallOf(nr: number, audit: number | undefined): string | undefined {
  if (audit === undefined) return undefined;
  const arch = archOfAudit(audit, nr);
  const name = arch ? syscallName(arch, nr) : undefined;
  return name && arch === 'x32' ? `x32 ${name}` : name;
}

function archOfAudit(audit: number, nr = 0): ArchName | undefined {
  if (audit === ARCHES.x86_64.auditArch) return nr >= X32_SYSCALL_BIT ? 'x32' : 'x86_64';
  return ARCH_NAMES.find((a) => ARCHES[a].auditArch === audit);
}

function returnText(k: number, s: State, options: DisasmOptions): string {
  const { action, data } = decodeReturn(k);
  if (action === 'ERRNO') {
    const arch = options.arch ?? (s.audit === undefined ? undefined : archOfAudit(s.audit));
    const name = arch ? errnoName(ARCHES[arch].errnoFamily, data) : undefined;
    return `return ERRNO(${data})${name ? `  # ${name}` : ''}`;
  }
  return action === 'TRACE' || action === 'TRAP' ? `return ${action}(${data})` : `return ${action}`;
}
