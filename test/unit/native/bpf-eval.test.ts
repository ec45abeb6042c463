// native/bpf-eval.c (what the jail's pid 1 runs to answer a seccomp notification) against the
// test interpreter (test/helpers/bpf-run.ts) on the same programs and syscall data: the profile
// programs jailctl compiles, and hand-written ones using every instruction seccomp allows. The C
// file is built with a small driver at test time; skipped without gcc.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { compileBaseline } from '../../../src/jail/baseline.js';
import { buildRunFilter } from '../../../src/jail/seccomp-notify.js';
import { ARCHES, type ArchName } from '../../../src/profile/arch.js';
import { BPF, SECCOMP_RET, encodeProgram, jump, stmt, type Insn } from '../../../src/profile/bpf.js';
import { compileFilter } from '../../../src/profile/compile.js';
import { runFilter, type SeccompInput } from '../../helpers/bpf-run.js';
import { ALLOW, KILL_PROCESS, cond, errno, killAllowList, manyArgRules, profileOf, rule } from '../../fixtures/seccomp/profiles.js';

const hasGcc = spawnSync('gcc', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasGcc) t.plan(0, 'needs gcc to build native/bpf-eval.c');

const source = (path: string) => fileURLToPath(new URL(`../../../../${path}`, import.meta.url));
let driver = '';

t.before(() => {
  const dir = t.testdir({});
  driver = join(dir, 'bpf-eval-driver');
  const r = spawnSync('gcc', ['-O1', '-Wall', '-Wextra', '-Werror', '-o', driver, source('test/fixtures/seccomp/bpf-eval-driver.c'), source('native/bpf-eval.c')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc failed: ${r.stderr}`);
});

const HOST = ARCHES.x86_64;

/** Results of the C interpreter for each input, as numbers. */
function runC(program: Insn[], inputs: SeccompInput[]): number[] {
  const file = `${driver}.${process.pid}.bpf`;
  writeFileSync(file, encodeProgram(program, 'little'));
  const hex = (v: bigint | number) => BigInt.asUintN(64, BigInt(v)).toString(16);
  const lines = inputs.map((i) => [hex(i.nr >>> 0), hex(i.arch), hex(i.ip ?? 0n), ...[0, 1, 2, 3, 4, 5].map((k) => hex(i.args?.[k] ?? 0n))].join(' '));
  const r = spawnSync(driver, [file], { input: `${lines.join('\n')}\n`, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`driver failed: ${r.stderr}`);
  return r.stdout.trim().split('\n').map((l) => parseInt(l, 16) >>> 0);
}

/** Syscall data worth asking about: every number of a range on each ABI, argument edge values. */
function inputs(arches: number[], maxNr: number): SeccompInput[] {
  const values = [0n, 1n, 8n, 0x10000000n, 0x5412n, 0o4755n, 0o100n | 1n, (1n << 32n) | 0x5412n, 0xffffffffn, (1n << 64n) - 1n];
  const out: SeccompInput[] = [];
  for (const arch of arches) {
    for (let nr = 0; nr <= maxNr; nr++) out.push({ nr, arch, args: [values[nr % values.length]!, values[(nr * 7) % values.length]!, values[(nr * 3) % values.length]!, values[(nr * 5) % values.length]!] });
    out.push({ nr: 0x40000000 + 16, arch, args: [0n, 0x5412n] }, { nr: -1, arch }, { nr: 0xfff0, arch });
  }
  return out;
}

function agree(t: Test, name: string, program: Insn[], cases: SeccompInput[]): void {
  const c = runC(program, cases);
  const mismatches = cases.filter((input, i) => runFilter(program, input).value !== c[i]);
  t.same(mismatches.slice(0, 3), [], `${name}: ${cases.length} cases agree`);
}

t.test('compiled profiles: the baseline, a notifying filter, its answer program, trampolines', async (t) => {
  const cases = inputs([HOST.auditArch, ARCHES.i386.auditArch, 0x12345678], 470);
  agree(t, 'baseline x86_64', compileBaseline('x86_64')!.instructions, cases);
  const profile = profileOf(KILL_PROCESS, [rule('read', ALLOW), rule('ioctl', errno(25), cond(1, 'EQ', 0x5412n)), rule('ioctl', ALLOW), rule('personality', ALLOW, cond(0, 'LE', 8n))], ['i386' as ArchName]);
  const run = buildRunFilter(profile, 'x86_64');
  agree(t, 'notifying filter', decode(run.filter), cases);
  agree(t, 'answer program', decode(run.notify!.answer), cases);
  agree(t, 'allow-list', compileFilter(killAllowList(), 'x86_64').instructions, cases);
  agree(t, 'trampolines', compileFilter(manyArgRules(320), 'x86_64').instructions, inputs([HOST.auditArch], 20).map((i) => ({ ...i, args: [1n, BigInt(0x5401 + (i.nr % 400))] })));
});

t.test('every instruction seccomp allows: scratch memory, X, ALU, JSET/JGT/JGE on X, RET A', async (t) => {
  const program: Insn[] = [
    stmt(BPF.LD | BPF.W | BPF.ABS, 16), // args[0] low word
    stmt(BPF.ST, 3),
    stmt(BPF.LDX | BPF.MEM, 3),
    stmt(BPF.LD | BPF.IMM, 7),
    stmt(BPF.ALU | BPF.ADD | BPF.X, 0),
    stmt(BPF.ALU | BPF.MUL | BPF.K, 3),
    stmt(BPF.ALU | BPF.XOR | BPF.K, 0xff),
    stmt(BPF.ALU | BPF.LSH | BPF.K, 4),
    stmt(BPF.ALU | BPF.RSH | BPF.K, 2),
    stmt(BPF.ALU | BPF.OR | BPF.K, 1),
    stmt(BPF.ALU | BPF.MOD | BPF.K, 1000),
    stmt(BPF.ALU | BPF.SUB | BPF.K, 3),
    stmt(BPF.ALU | BPF.NEG, 0),
    stmt(BPF.ALU | BPF.AND | BPF.K, 0xffff),
    stmt(BPF.MISC | BPF.TAX, 0),
    stmt(BPF.LD | BPF.W | BPF.ABS, 0), // nr
    stmt(BPF.ALU | BPF.DIV | BPF.X, 0),
    jump(BPF.JMP | BPF.JSET | BPF.X, 0, 0, 2),
    stmt(BPF.MISC | BPF.TXA, 0),
    stmt(BPF.RET | BPF.A, 0),
    jump(BPF.JMP | BPF.JGT | BPF.X, 0, 1, 0),
    stmt(BPF.RET | BPF.K, SECCOMP_RET.ALLOW),
    jump(BPF.JMP | BPF.JGE | BPF.K, 100, 0, 1),
    stmt(BPF.RET | BPF.K, SECCOMP_RET.ERRNO | 5),
    stmt(BPF.LD | BPF.W | BPF.LEN, 0),
    stmt(BPF.RET | BPF.A, 0),
  ];
  agree(t, 'hand-written', program, inputs([HOST.auditArch], 300));
});

t.test('what the kernel would refuse to load ends in KILL_PROCESS, never in ALLOW', async (t) => {
  const kill = SECCOMP_RET.KILL_PROCESS >>> 0;
  const cases: SeccompInput[] = [{ nr: 1, arch: HOST.auditArch }];
  t.same(runC([stmt(BPF.LD | BPF.W | BPF.ABS, 64)], cases), [kill], 'a load past struct seccomp_data');
  t.same(runC([stmt(BPF.LD | BPF.W | BPF.ABS, 2)], cases), [kill], 'a misaligned load');
  t.same(runC([stmt(BPF.LD | BPF.B | BPF.ABS, 0), stmt(BPF.RET | BPF.K, SECCOMP_RET.ALLOW)], cases), [kill], 'a byte load');
  t.same(runC([stmt(BPF.JMP | BPF.JA, 5), stmt(BPF.RET | BPF.K, SECCOMP_RET.ALLOW)], cases), [kill], 'a jump out of the program');
  t.same(runC([stmt(BPF.LD | BPF.IMM, 1)], cases), [kill], 'no return');
  t.same(runC([stmt(BPF.ST, 16), stmt(BPF.RET | BPF.K, SECCOMP_RET.ALLOW)], cases), [kill], 'scratch slot 16');
  t.same(runC([stmt(BPF.LDX | BPF.IMM, 0), stmt(BPF.ALU | BPF.DIV | BPF.X, 0), stmt(BPF.RET | BPF.K, SECCOMP_RET.ALLOW)], cases), [kill], 'division by zero');
});

function decode(bytes: Uint8Array): Insn[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = [];
  for (let at = 0; at < bytes.length; at += 8) out.push({ code: view.getUint16(at, true), jt: view.getUint8(at + 2), jf: view.getUint8(at + 3), k: view.getUint32(at + 4, true) });
  return out;
}
