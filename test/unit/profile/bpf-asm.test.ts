// The label assembler: jumps resolved, jumps to the next instruction dropped, BPF_JA trampolines
// and copies of returns past 255 instructions (shared by the far jumps they serve), and a
// 900-rule profile that needs them.
import t from 'tap';
import { ARCHES } from '../../../src/profile/arch.js';
import { BPF, type Insn } from '../../../src/profile/bpf.js';
import { assemble, insn, ja, jumpIf, label } from '../../../src/profile/bpf-asm.js';
import { compileFilter } from '../../../src/profile/compile.js';
import { manyArgRules } from '../../fixtures/seccomp/profiles.js';
import { runFilter } from '../../helpers/bpf-run.js';
import { Oracle } from './oracle.js';

const isJump = (i: Insn) => (i.code & 0x07) === BPF.JMP;
const isJa = (i: Insn) => i.code === (BPF.JMP | BPF.JA);

function checkTargets(insns: readonly Insn[]): string[] {
  const bad: string[] = [];
  insns.forEach((i, pc) => {
    if (!isJump(i)) return;
    const targets = isJa(i) ? [pc + 1 + i.k] : [pc + 1 + i.jt, pc + 1 + i.jf];
    if (targets.some((to) => to >= insns.length)) bad.push(`${pc}: jumps past the end`);
  });
  return bad;
}

t.test('assemble() resolves labels and drops jumps to the next instruction', async (t) => {
  const out = assemble([
    jumpIf(BPF.JEQ, 7, 'yes', 'no'), label('no'), ja('yes'), label('yes'), insn(BPF.RET | BPF.K, 1),
  ]);
  t.same(out, [{ code: 0x15, jt: 0, jf: 0, k: 7 }, { code: 0x06, jt: 0, jf: 0, k: 1 }]);
});

t.test('conditional jumps beyond 255 go through BPF_JA trampolines', async (t) => {
  const filler = Array.from({ length: 300 }, () => insn(BPF.LD | BPF.W | BPF.ABS, 0));
  const out = assemble([
    insn(BPF.LD | BPF.W | BPF.ABS, 4), jumpIf(BPF.JEQ, 1, 'far', 'near'), label('near'), ...filler, insn(BPF.RET | BPF.K, 0),
    label('far'), insn(BPF.LD | BPF.W | BPF.ABS, 0), insn(BPF.RET | BPF.K, 2),
  ]);
  t.equal(out.length, 306, 'one trampoline added');
  t.same(out[1], { code: 0x15, jt: 0, jf: 1, k: 1 });
  t.same(out[2], { code: BPF.JMP | BPF.JA, jt: 0, jf: 0, k: 301 });
  t.equal(runFilter(out, { nr: 0, arch: 1 }).value, 2, 'the far branch lands on its target');
  t.equal(runFilter(out, { nr: 0, arch: 0 }).value, 0);
});

t.test('far jumps to a return share a copy of it placed within their reach', async (t) => {
  // 40 tests each jumping to one far return: one copy serves all of them
  const tests = Array.from({ length: 40 }, (_, i) => [label(`t${i}`), jumpIf(BPF.JEQ, i, 'allow', `t${i + 1}`)]).flat();
  const filler = Array.from({ length: 300 }, () => insn(BPF.LD | BPF.W | BPF.ABS, 0));
  const out = assemble([
    insn(BPF.LD | BPF.W | BPF.ABS, 0), ...tests, label('t40'), ...filler, insn(BPF.RET | BPF.K, 0), label('allow'), insn(BPF.RET | BPF.K, 0x7fff0000),
  ]);
  t.equal(out.length, 1 + 40 + 300 + 2 + 1, 'one copy of the return added, no trampolines');
  t.notOk(out.some((i) => i.code === (BPF.JMP | BPF.JA)), 'no BPF_JA');
  t.equal(out.filter((i) => i.code === (BPF.RET | BPF.K) && i.k === 0x7fff0000).length, 2);
  for (const nr of [0, 17, 39]) t.equal(runFilter(out, { nr, arch: 0 }).value, 0x7fff0000, `nr ${nr} reaches the return`);
  t.equal(runFilter(out, { nr: 40, arch: 0 }).value, 0);
});

t.test('assemble() refuses backward jumps and unknown labels', async (t) => {
  t.throws(() => assemble([label('a'), ja('a')]), { message: /backward jump to a/ });
  t.throws(() => assemble([ja('nowhere')]), { message: /undefined label nowhere/ });
});

t.test('a profile with 900 argument rules compiles with far jumps and decides right', async (t) => {
  const profile = manyArgRules(900);
  const f = compileFilter(profile, 'x86_64');
  t.ok(f.instructions.length > 900, `${f.instructions.length} instructions`);
  const copies = f.instructions.filter((i) => i.code === (BPF.RET | BPF.K) && i.k === 0x7fff0000).length;
  t.ok(f.instructions.some(isJa) || copies > 1, 'reaches far targets through trampolines or copies of returns');
  t.same(checkTargets(f.instructions), []);
  const audit = ARCHES.x86_64.auditArch;
  const oracle = new Oracle(profile, 'x86_64');
  for (const [nr, args] of [[16, [1n, 0x5400n]], [16, [1n, 0x5400n + 899n]], [16, [1n, 0x5400n + 900n]], [16, [2000n, 0x5410n]],
    [3, []], [202, []], [1, []], [60, []], [231, []]] as const) {
    const got = runFilter(f.instructions, { nr, arch: audit, args: [...args] }).action;
    t.equal(got, oracle.decide(audit, nr, args), `nr ${nr} args ${args.join(',')}`);
  }
});
