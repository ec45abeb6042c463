// struct sock_filter encoding in both byte orders, argument word offsets, return values, and the
// disassembler checked against listings in test/fixtures/seccomp/*.disasm.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { BPF, argWordOffset, decodeProgram, decodeReturn, encodeProgram, type Insn } from '../../../src/profile/bpf.js';
import { disassembleFilter } from '../../../src/profile/bpf-disasm.js';
import { compileFilter } from '../../../src/profile/compile.js';
import { ALLOW, KILL_PROCESS, cond, errno, profileOf, rule } from '../../fixtures/seccomp/profiles.js';

const sample: Insn[] = [
  { code: BPF.LD | BPF.W | BPF.ABS, jt: 0, jf: 0, k: 4 },
  { code: BPF.JMP | BPF.JEQ | BPF.K, jt: 1, jf: 0, k: 0xc000003e },
  { code: BPF.RET | BPF.K, jt: 0, jf: 0, k: 0x80000000 },
  { code: BPF.RET | BPF.K, jt: 0, jf: 0, k: 0x7fff0000 },
];

t.test('programs encode as struct sock_filter in either byte order', async (t) => {
  const le = encodeProgram(sample, 'little');
  const be = encodeProgram(sample, 'big');
  t.same([...le.subarray(8, 16)], [0x15, 0x00, 0x01, 0x00, 0x3e, 0x00, 0x00, 0xc0]);
  t.same([...be.subarray(8, 16)], [0x00, 0x15, 0x01, 0x00, 0xc0, 0x00, 0x00, 0x3e]);
  t.same(decodeProgram(le, 'little'), sample);
  t.same(decodeProgram(be, 'big'), sample);
  t.throws(() => decodeProgram(new Uint8Array(12), 'little'), { code: 'PROFILE_INVALID', message: /12 bytes is not a whole number/ });
});

t.test('argument words sit by endianness', async (t) => {
  t.equal(argWordOffset(0, 'lo', 'little'), 16);
  t.equal(argWordOffset(0, 'hi', 'little'), 20);
  t.equal(argWordOffset(5, 'lo', 'big'), 60);
  t.equal(argWordOffset(5, 'hi', 'big'), 56);
});

t.test('return values decode to action names', async (t) => {
  t.same(decodeReturn(0x00050026), { action: 'ERRNO', data: 38 });
  t.same(decodeReturn(0), { action: 'KILL_THREAD', data: 0 });
  t.same(decodeReturn(0x7fc00000), { action: 'USER_NOTIF', data: 0 });
  t.same(decodeReturn(0x12340000), { action: 'UNKNOWN(0x12340000)', data: 0 });
});

/** Listings are compared with test/fixtures/seccomp/*.disasm; JAILCTL_UPDATE_FIXTURES=1 rewrites them. */
function matchFixture(t: Test, name: string, text: string): void {
  const path = fileURLToPath(new URL(`../../../../test/fixtures/seccomp/${name}`, import.meta.url));
  if (process.env.JAILCTL_UPDATE_FIXTURES === '1') writeFileSync(path, text);
  t.equal(text, readFileSync(path, 'utf8'), `${name} unchanged`);
}

t.test('disassembly names arches, syscalls, argument words and actions', async (t) => {
  const profile = profileOf(errno(1), [
    rule('read', ALLOW), rule('write', ALLOW), rule('close', ALLOW),
    rule('socket', ALLOW, cond(0, 'EQ', 2n)), rule('mmap', ALLOW, cond(2, 'MASKED_EQ', 4n, 0n)),
    rule('ptrace', KILL_PROCESS), rule('fcntl', { kind: 'TRACE', data: 3 }, cond(1, 'GT', 0x1_0000_0000n)),
  ], ['i386']);
  matchFixture(t, 'x86_64.disasm', disassembleFilter(compileFilter(profile, 'x86_64').instructions, { arch: 'x86_64' }));
  matchFixture(t, 'mips.disasm', disassembleFilter(compileFilter(profile, 'mips').instructions, { arch: 'mips' }));
  const listing = disassembleFilter(sample);
  t.match(listing, /0001: 0x15 0x01 0x00 0xc000003e {2}if \(A == AUDIT_ARCH_X86_64\) goto 0003/);
  t.match(listing, /0002: 0x06 0x00 0x00 0x80000000 {2}return KILL_PROCESS/);
});
