// parseProfile(): OCI runtime-spec and procd legacy JSON -> SeccompProfile, with runc's
// semantics (KILL = KILL_THREAD, ERRNO defaults to EPERM, OR for repeated argument indexes),
// exact 64-bit values, and the JSON/schema problems as one line each.
import t from 'tap';
import { parseProfile, parseProfileOrThrow } from '../../../src/profile/parse.js';
import { JailctlError } from '../../../src/errors.js';

const oci = (obj: unknown) => JSON.stringify(obj);
const parse = (obj: unknown) => {
  const r = parseProfile(oci(obj), 'p.json');
  if (r.parsed === undefined) throw new Error(r.problems.join('\n'));
  return r;
};

t.test('OCI: names expand to one rule each, in order, with their JSON paths', async (t) => {
  const { parsed, problems } = parse({
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
    flags: ['SECCOMP_FILTER_FLAG_LOG'],
    syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' }, { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }],
  });
  t.same(problems, []);
  t.equal(parsed!.format, 'oci');
  t.same(parsed!.profile.defaultAction, { kind: 'ERRNO', errno: 1, errnoName: 'EPERM' }, 'ERRNO without errnoRet is EPERM');
  t.same(parsed!.profile.architectures, ['x86_64', 'i386']);
  t.same(parsed!.profile.flags, ['SECCOMP_FILTER_FLAG_LOG']);
  t.same(parsed!.profile.rules.map((r) => r.syscall), ['read', 'write', 'clone3']);
  t.same(parsed!.profile.rules[2]!.action, { kind: 'ERRNO', errno: 38 });
  t.same(parsed!.sources.map((s) => s.path), ['/syscalls/0/names/0', '/syscalls/0/names/1', '/syscalls/1/names/0']);
});

t.test('OCI actions: KILL is KILL_THREAD, TRACE carries errnoRet (EPERM by default) as data', async (t) => {
  const actions = ['SCMP_ACT_KILL', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP', 'SCMP_ACT_LOG', 'SCMP_ACT_ALLOW', 'SCMP_ACT_TRACE'];
  const { parsed } = parse({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [...actions.map((action, i) => ({ names: [`n${i}`], action })), { names: ['t'], action: 'SCMP_ACT_TRACE', errnoRet: 7 }] });
  t.same(parsed!.profile.rules.map((r) => r.action), [
    { kind: 'KILL_THREAD' }, { kind: 'KILL_THREAD' }, { kind: 'KILL_PROCESS' }, { kind: 'TRAP' }, { kind: 'LOG' }, { kind: 'ALLOW' },
    { kind: 'TRACE', data: 1 }, { kind: 'TRACE', data: 7 },
  ]);
  t.same(parsed!.sources[0]!.actionName, 'SCMP_ACT_KILL', 'the written name is kept for explain');
  const def = parse({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38 });
  t.same(def.parsed!.profile.defaultAction, { kind: 'ERRNO', errno: 38 });
});

t.test('conditions of one entry are ANDed; a repeated argument index makes each its own rule (runc)', async (t) => {
  const and = parse({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ERRNO', args: [
    { index: 0, value: 2, op: 'SCMP_CMP_EQ' }, { index: 1, value: 3, op: 'SCMP_CMP_NE' }] }] });
  t.equal(and.parsed!.profile.rules.length, 1);
  t.same(and.parsed!.profile.rules[0]!.args, [{ index: 0, op: 'EQ', value: 2n }, { index: 1, op: 'NE', value: 3n }]);
  const or = parse({ defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [{ names: ['socket', 'bind'], action: 'SCMP_ACT_ALLOW', args: [
    { index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 0, value: 2, op: 'SCMP_CMP_EQ' }, { index: 2, value: 0, op: 'SCMP_CMP_EQ' }] }] });
  t.same(or.parsed!.profile.rules.map((r) => `${r.syscall}:${r.args.map((c) => `${c.index}=${c.value}`).join('&')}`),
    ['socket:0=1', 'socket:0=2', 'socket:2=0', 'bind:0=1', 'bind:0=2', 'bind:2=0']);
});

t.test('MASKED_EQ: valueTwo kept, 0 when missing; uint64 values are exact beyond 2^53', async (t) => {
  const text = '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["ioctl"],"action":"SCMP_ACT_ERRNO","args":[' +
    '{"index":1,"value":18446744073709551615,"valueTwo":9007199254740993,"op":"SCMP_CMP_MASKED_EQ"},' +
    '{"index":2,"value":4294967295,"op":"SCMP_CMP_MASKED_EQ"}]}]}';
  const { parsed, problems } = parseProfile(text, 'p.json');
  t.same(problems, []);
  t.same(parsed!.profile.rules[0]!.args, [
    { index: 1, op: 'MASKED_EQ', value: 18446744073709551615n, valueTwo: 9007199254740993n },
    { index: 2, op: 'MASKED_EQ', value: 4294967295n, valueTwo: 0n },
  ]);
});

t.test('valueTwo 0 on other comparisons is tolerated (Docker writes it)', async (t) => {
  const { problems, parsed } = parseProfile(oci({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }] }] }), 'p.json');
  t.same(problems, []);
  t.same(parsed!.profile.rules[0]!.args, [{ index: 0, op: 'EQ', value: 8n }]);
});

t.test('procd legacy: whitelist allowed; policy 0 kills the thread, other values TRACE', async (t) => {
  const zero = parse({ whitelist: ['read', 'exit_group'] });
  t.equal(zero.parsed!.format, 'legacy');
  t.same(zero.parsed!.profile.defaultAction, { kind: 'KILL_THREAD' });
  t.same(zero.parsed!.profile.rules, [
    { syscall: 'read', action: { kind: 'ALLOW' }, args: [] }, { syscall: 'exit_group', action: { kind: 'ALLOW' }, args: [] },
  ]);
  t.same(zero.parsed!.sources.map((s) => s.path), ['/whitelist/0', '/whitelist/1']);
  t.equal(zero.parsed!.defaultActionName, 'policy 0');
  t.same(parse({ whitelist: [], policy: 1 }).parsed!.profile.defaultAction, { kind: 'TRACE', data: 1 });
});

t.test('invalid JSON: one line naming the file, the line and column, and the reason', async (t) => {
  const r = parseProfile('{"defaultAction": ', 'broken.json');
  t.equal(r.parsed, undefined);
  t.equal(r.problems.length, 1);
  t.equal(r.problems[0], 'broken.json: invalid JSON at line 1, column 19: the text ends before the JSON value does');
});

t.test('schema problems: every one, each with its path and the accepted values', async (t) => {
  const r = parseProfile(oci({ defaultAction: 'SCMP_ACT_ERRNOO', bogus: 1, syscalls: [{ names: [1], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: -1, op: 'EQ' }] }] }), 's.json');
  t.equal(r.parsed, undefined);
  const text = r.problems.join('\n');
  t.match(r.warnings, [/^s\.json: \(top level\): unknown key "bogus" is ignored, as runc ignores it$/], 'an unknown key is a warning even among errors');
  t.match(text, /s\.json: \/defaultAction: "SCMP_ACT_ERRNOO" is not one of "SCMP_ACT_KILL", .*"SCMP_ACT_NOTIFY"/);
  t.match(text, /s\.json: \/syscalls\/0\/names\/0: must be string \(got 1\)/);
  t.match(text, /s\.json: \/syscalls\/0\/args\/0\/value: must be >= 0 \(got -1\)/);
  t.match(text, /s\.json: \/syscalls\/0\/args\/0\/op: "EQ" is not one of "SCMP_CMP_NE", /);
});

t.test('a profile that is not an object, and legacy keys checked by the legacy schema', async (t) => {
  t.match(parseProfile('[]', 'a.json').problems, [/^a\.json: \(top level\): must be object/]);
  t.match(parseProfile(oci({ whitelist: 'read', policy: 70000 }), 'l.json').problems.join('\n'), /l\.json: \/whitelist: must be array[\s\S]*l\.json: \/policy: must be <= 65535/);
  t.match(parseProfile(oci({ whitelist: [], defaultAction: 'SCMP_ACT_ALLOW' }), 'm.json').warnings, [/^m\.json: \(top level\): unknown key "defaultAction" is ignored/]);
});

function caught(fn: () => unknown): JailctlError {
  try {
    fn();
  } catch (err) {
    if (err instanceof JailctlError) return err;
    throw err;
  }
  throw new Error('expected a JailctlError');
}

t.test('parseProfileOrThrow(): one PROFILE_INVALID error listing every problem', async (t) => {
  const e = caught(() => parseProfileOrThrow(oci({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['opne', 'raed'], action: 'SCMP_ACT_ALLOW' }] }), 'x.json', { arch: 'x86_64', strict: true }));
  t.equal(e.code, 'PROFILE_INVALID');
  t.equal(e.message.split('\n').length, 2);
  t.match(e.hint, /jailctl profile check x\.json/);
  const bad = caught(() => parseProfileOrThrow('{', 'y.json'));
  t.equal(bad.code, 'PROFILE_INVALID');
  t.match(bad.hint, /profiles\/schema\/seccomp-oci\.schema\.json/);
  t.equal(parseProfileOrThrow(oci({ whitelist: ['execve'] }), 'z.json', { arch: 'aarch64' }).format, 'legacy');
  const warned: string[] = [];
  t.equal(parseProfileOrThrow(oci({ whitelist: ['execve', 'opne'] }), 'w.json', { arch: 'aarch64', warn: (line) => warned.push(line) }).format, 'legacy', 'warnings do not throw');
  t.match(warned, [/^w\.json: \/whitelist\/1: "opne" is not a syscall on aarch64/]);
});
