// Exact 64-bit integers through JSON (parseJsonExact, stringifyExact) and the OCI writer
// (serializeOci): what merge writes parses back to the same profile.
import t from 'tap';
import { approximate, parseJsonExact, stringifyExact } from '../../../src/profile/json-exact.js';
import type { SeccompProfile } from '../../../src/profile/model.js';
import { parseProfile } from '../../../src/profile/parse.js';
import { serializeOci } from '../../../src/profile/serialize.js';

t.test('parseJsonExact(): unsafe integers become bigints, the rest is JSON.parse', async (t) => {
  const v = parseJsonExact('{"a": 18446744073709551615, "b": 42, "c": "18446744073709551615", "d": [1.5e300, -9007199254740993], "e": "x\\"1234567890123456789"}');
  t.same(v, { a: 18446744073709551615n, b: 42, c: '18446744073709551615', d: [1.5e300, -9007199254740993n], e: 'x"1234567890123456789' });
  t.throws(() => parseJsonExact('{"a": 1,}'), SyntaxError);
  t.same(approximate({ a: [1n, 2] }), { a: [1, 2] });
});

t.test('stringifyExact(): bigints as exact integer literals', async (t) => {
  t.equal(stringifyExact({ v: 18446744073709551615n, s: 'x' }, 0), '{"v":18446744073709551615,"s":"x"}');
});

t.test('serializeOci(): groups rules without reordering a syscall\'s rules; parses back the same', async (t) => {
  const profile: SeccompProfile = {
    defaultAction: { kind: 'ERRNO', errno: 38 },
    architectures: ['x86_64', 'i386'],
    flags: ['SECCOMP_FILTER_FLAG_LOG'],
    rules: [
      { syscall: 'read', action: { kind: 'ALLOW' }, args: [] },
      { syscall: 'socket', action: { kind: 'ERRNO', errno: 1, errnoName: 'EPERM' }, args: [{ index: 0, op: 'EQ', value: 10n }] },
      { syscall: 'socket', action: { kind: 'ALLOW' }, args: [] },
      { syscall: 'write', action: { kind: 'ALLOW' }, args: [] },
      { syscall: 'ioctl', action: { kind: 'TRACE', data: 5 }, args: [{ index: 1, op: 'MASKED_EQ', value: 0xffffffffffffffffn, valueTwo: 0x5401n }] },
      { syscall: 'kill', action: { kind: 'KILL_THREAD' }, args: [] },
    ],
  };
  const text = serializeOci(profile);
  const json = JSON.parse(text) as { syscalls: { names: string[] }[]; defaultErrnoRet: number; architectures: string[] };
  t.same(json.syscalls.map((s) => s.names), [['read', 'write'], ['socket'], ['socket'], ['ioctl'], ['kill']],
    'write joins read\'s entry; socket\'s unconditional ALLOW stays after its ERRNO rule');
  t.equal(json.defaultErrnoRet, 38);
  t.same(json.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
  t.match(text, /"value": 18446744073709551615, "valueTwo": 21505/, 'exact uint64 on one line per condition');
  const back = parseProfile(text, 'merged.json');
  t.same(back.problems, []);
  const order = (p: SeccompProfile) => p.rules.map((r) => `${r.syscall} ${JSON.stringify(r.action)} ${r.args.map((c) => `${c.index}${c.op}${c.value}/${c.valueTwo}`)}`).sort();
  t.same(order(back.parsed!.profile), order(profile));
  t.same(back.parsed!.profile.defaultAction, profile.defaultAction);
});
