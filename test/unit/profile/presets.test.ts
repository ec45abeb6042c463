// Runtime presets (src/profile/presets.ts): what runc's and crun's own init do after loading the
// filter, added to a profile only where missing and only in the spellings of its ABIs, and the
// cautions (a kill-thread profile hangs runc). The runtimes themselves run in
// test/integration/oci-runtimes.test.ts.
import t from 'tap';
import { resolveSyscall } from '../../../src/profile/arch.js';
import { applyRuntimePreset, missingForRuntime, presetNames, runtimeCautions, RUNTIME_PRESETS } from '../../../src/profile/presets.js';
import type { SeccompProfile } from '../../../src/profile/model.js';
import { ALLOW, KILL_PROCESS, errno, profileOf, rule } from '../../fixtures/seccomp/profiles.js';
import { mergeProfileFiles, type ProfileIo } from '../../../src/profile/actions.js';

const traced = (): SeccompProfile => profileOf(KILL_PROCESS, ['execve', 'write', 'brk', 'exit_group'].map((n) => rule(n, ALLOW)), ['x86_64']);

t.test('the names of a preset exist on some arch; each ABI gets only its own spellings', async (t) => {
  for (const [runtime, preset] of Object.entries(RUNTIME_PRESETS)) {
    for (const name of preset.names) t.ok(['x86_64', 'i386', 'arm', 'aarch64', 'mipsel'].some((a) => resolveSyscall(a as 'x86_64', name) !== undefined), `${runtime}: ${name}`);
  }
  const x86 = presetNames('runc', ['x86_64']);
  t.ok(x86.includes('newfstatat') && !x86.includes('fstatat64') && !x86.includes('setuid32'));
  const arm = presetNames('runc', ['arm']);
  t.ok(arm.includes('fstatat64') && arm.includes('setuid32') && arm.includes('fcntl64') && !arm.includes('newfstatat'));
  t.ok(presetNames('crun', ['x86_64', 'i386']).includes('setresuid32'), 'a listed compat ABI brings its names');
});

t.test('applyRuntimePreset(): adds what is missing at the end, keeps what is there', async (t) => {
  const { profile, added, notes } = applyRuntimePreset(traced(), 'crun', ['x86_64']);
  t.same(profile.rules.slice(0, 4).map((r) => r.syscall), ['execve', 'write', 'brk', 'exit_group'], 'the traced rules first, unchanged');
  t.same(added, ['close', 'prctl', 'setresgid', 'setresuid', 'capset', 'rt_sigprocmask', 'rt_sigaction', 'exit']);
  t.same(notes, []);
  t.same(missingForRuntime(profile, 'crun', ['x86_64']), []);
  t.same(applyRuntimePreset(profile, 'crun', ['x86_64']).added, [], 'applying it twice adds nothing');
});

t.test('a name the profile refuses is left refused, with a note; an added ALLOW overrides conditional refusals, with a note', async (t) => {
  const profile = profileOf(KILL_PROCESS, [rule('execve', ALLOW), rule('close', errno(9)), rule('prctl', errno(1), { index: 0, op: 'EQ', value: 22n })]);
  const result = applyRuntimePreset(profile, 'crun', ['x86_64']);
  t.notOk(result.added.includes('close'));
  t.ok(result.added.includes('prctl'), 'an ALLOW after the conditional rule');
  t.same(result.profile.rules.filter((r) => r.syscall === 'prctl').map((r) => r.args.length), [1, 0]);
  t.same(result.notes, [
    "crun's init needs close, which this profile refuses (ERRNO(9)): the container will not start",
    "crun's init needs prctl whatever its arguments: the ALLOW added for it wins over ERRNO(1) if arg0 == 22, as an unconditional rule does in libseccomp",
  ]);
  t.same(missingForRuntime(result.profile, 'crun', ['x86_64']), ['close'], 'check --for still names close; prctl is allowed whatever its arguments');
  t.same(missingForRuntime(profile, 'crun', ['x86_64']).filter((n) => n === 'prctl'), ['prctl'], 'a conditional refusal alone leaves prctl missing');
});

t.test('an allowing default needs nothing added', async (t) => {
  const deny = profileOf(ALLOW, [rule('mkdir', errno(1))]);
  t.same(applyRuntimePreset(deny, 'runc', ['x86_64']).added, []);
  t.same(missingForRuntime(deny, 'runc', ['x86_64']), []);
});

t.test('kill-thread: runc\'s init would hang; said for the default and for rules', async (t) => {
  t.same(runtimeCautions(traced(), 'runc'), []);
  const thread = { ...traced(), defaultAction: { kind: 'KILL_THREAD' } } as SeccompProfile;
  t.match(runtimeCautions(thread, 'runc'), [/under runc a refused call leaves runc's init hanging; use SCMP_ACT_KILL_PROCESS/]);
  t.match(applyRuntimePreset(thread, 'runc', ['x86_64']).notes, [/leaves runc's init hanging/]);
  t.match(runtimeCautions(profileOf(ALLOW, [rule('mount', { kind: 'KILL_THREAD' })]), 'crun'), [/under crun a refused call leaves a multithreaded program running/]);
});

t.test('profile merge --preset: one input is enough; notes say what was added', async (t) => {
  const written: Record<string, string | Uint8Array> = {};
  const io: ProfileIo = {
    hostArch: () => 'x86_64', kernelRelease: () => '6.1.0', stdoutIsTty: false,
    readText: () => JSON.stringify({ defaultAction: 'SCMP_ACT_KILL', syscalls: [{ names: ['execve', 'write'], action: 'SCMP_ACT_ALLOW' }] }),
    readBytes: () => new Uint8Array(),
    writeAtomic: (path, data) => void (written[path] = data),
  };
  const out = mergeProfileFiles(['p.json'], 'p.json', io, { preset: 'crun' });
  t.match(out.stdout, /^note: added for crun: close, prctl, setresgid, setresuid, capset, rt_sigprocmask, rt_sigaction, exit, exit_group\nnote: the profile kills single threads .*\nwrote p\.json: 11 syscalls from 1 profile\n$/);
  t.match(written['p.json'], /"names": \[\s*"execve", "write", "close", "prctl"/);
});
