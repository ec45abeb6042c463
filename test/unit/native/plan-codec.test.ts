// The encoded plan as the C launcher reads it: layout checks here, and the real launcher fed
// good and bad plans (it must refuse anything malformed before doing anything).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import type { LaunchPlan } from '../../../src/jail/plan.js';
import { LeWriter } from '../../../src/native/le-writer.js';
import { encodeLaunchPlan } from '../../../src/native/plan-codec.js';
import { withParentDeath } from '../../../src/native/spawn.js';

const LAUNCHER = fileURLToPath(new URL('../../../../build/Release/jailctl-launch', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'jailctl-codec-'));

const plan: LaunchPlan = {
  name: 'probe',
  namespaces: [],
  summary: { command: ['/bin/true'], mounts: 0, user: { uid: 0, gid: 0, groups: [] }, capabilities: [], seccomp: null, cgroup: [] },
  steps: [
    { phase: 'config', op: 'clone', namespaces: ['mount'], describe: 'clone' },
    { phase: 'jail', op: 'chdir', path: '/nonexistent-dir-for-codec-test', describe: 'enter the missing directory', hint: 'it does not exist' },
    { phase: 'jail', op: 'fork-service', describe: 'fork' },
    { phase: 'service', op: 'execve', path: '/bin/true', argv: ['true'], env: [], exitIfMissing: 127, exitIfDenied: 126, describe: 'exec' },
  ],
};

t.test('layout: magic, name, count, then ops; little-endian whatever the host', async (t) => {
  const bytes = encodeLaunchPlan(plan);
  t.equal(new TextDecoder().decode(bytes.subarray(0, 8)), 'JCPLAN01');
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const le = true;
  t.same([...bytes.subarray(8, 12)], [5, 0, 0, 0], 'the name length, least significant byte first');
  t.equal(view.getUint32(8, le), 5, 'name length');
  t.equal(new TextDecoder().decode(bytes.subarray(12, 17)), 'probe');
  t.equal(bytes[17], 0, 'NUL-terminated');
  t.equal(view.getUint32(18, le), 4, 'step count');
  t.equal(view.getUint32(22, le), 1, 'first op code: clone');
});

t.test('a plan larger than the first buffer grows it without losing a byte', async (t) => {
  const le = true;
  const filter = new Uint8Array(40_000).map((_, i) => i % 251);
  const big: LaunchPlan = {
    ...plan,
    steps: [
      ...Array.from({ length: 300 }, (_, i) => ({ phase: 'jail' as const, op: 'mkdir' as const, mode: 0o755, path: `/d${i}`, describe: `mkdir ${i}` })),
      { phase: 'service', op: 'seccomp', flags: 0, filter, profile: 'big.json', describe: 'seccomp' },
    ],
  };
  const bytes = encodeLaunchPlan(big);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  t.equal(view.getUint32(18, le), 301, 'step count');
  t.equal(bytes[bytes.length - 1], 0, 'the last string NUL-terminated');
  t.same(bytes.subarray(bytes.length - 1 - filter.length, bytes.length - 1), filter, 'the filter, whole, at the end');
  t.equal(view.getUint32(bytes.length - 1 - filter.length - 4, le), filter.length, 'its length before it');
});

t.test('a string with a NUL byte is refused', async (t) => {
  const bad: LaunchPlan = { ...plan, steps: [{ phase: 'jail', op: 'chdir', path: 'a\0b', describe: 'x' }] };
  t.throws(() => encodeLaunchPlan(bad), { code: 'JAIL_INVALID', message: /NUL byte/ });
});

function runLauncher(bytes: Uint8Array) {
  const file = join(dir, `plan-${Math.random()}`);
  writeFileSync(file, bytes);
  const fd = openSync(file, 'r');
  try {
    return spawnSync(LAUNCHER, ['3'], { stdio: ['ignore', 'pipe', 'pipe', fd], encoding: 'utf8', timeout: 10_000 });
  } finally {
    closeSync(fd);
  }
}

t.test('the launcher refuses malformed plans', { skip: existsSync(LAUNCHER) ? false : 'launcher not built' }, async (t) => {
  const good = encodeLaunchPlan(plan);
  const cases: [string, Uint8Array, RegExp][] = [
    ['bad magic', new TextEncoder().encode('NOTAPLAN'), /launch plan: bad magic/],
    ['truncated', good.subarray(0, good.length - 3), /launch plan: malformed operation/],
    ['trailing bytes', new Uint8Array([...good, 1, 2]), /launch plan: trailing bytes/],
  ];
  for (const [name, bytes, message] of cases) {
    const r = runLauncher(bytes);
    t.equal(r.status, 125, name);
    t.match(r.stderr, message, name);
  }
  const usage = spawnSync(LAUNCHER, [], { encoding: 'utf8' });
  t.equal(usage.status, 125);
  t.match(usage.stderr, /^usage: jailctl-launch PLAN_FD \[TAG\] \(run by jailctl\) \| jailctl-launch --plan FILE \[--check\]\n$/);
});

t.test('integers: a number is written as the same 8 bytes as its BigInt, across the 32-bit halves and the signs', async (t) => {
  const values = [0, 1, -1, 0x7fff_ffff, -0x8000_0000, 0xffff_ffff, 0x1_0000_0000, -0x1_0000_0000, -0x1_0000_0001, 3221225534, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, -123_456_789_012];
  for (const value of values) {
    const asNumber = new LeWriter();
    asNumber.int(value);
    const asBigInt = new LeWriter();
    asBigInt.i64(BigInt(value));
    t.same(asNumber.bytes(), asBigInt.bytes(), String(value));
  }
  t.throws(() => new LeWriter().int(1.5), RangeError, 'a fraction is refused as BigInt() refuses it');
  t.throws(() => new LeWriter().int(Number.NaN), RangeError);
  const rlimit: LaunchPlan = { ...plan, steps: [{ phase: 'jail', op: 'rlimit', resource: 'nofile', number: 7, soft: -1n, hard: 2n ** 40n, describe: 'rlimit' }] };
  const bytes = encodeLaunchPlan(rlimit);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // after the step's five u32 (op, phase, flags, ints, strs): its three i64s
  const at = 22 + 20;
  t.same([view.getBigInt64(at, true), view.getBigInt64(at + 8, true), view.getBigInt64(at + 16, true)], [7n, -1n, 2n ** 40n], 'numbers and bigints in one step');
});

t.test('die-with-parent: first, once, with the parent pid', async (t) => {
  const once = withParentDeath(plan, 4242);
  t.match(once.steps[0], { phase: 'config', op: 'die-with-parent', parentPid: 4242 });
  t.same(once.steps.slice(1), plan.steps, 'the rest unchanged');
  const twice = withParentDeath(once, 77);
  t.same(twice.steps.filter((s) => s.op === 'die-with-parent'), [{ phase: 'config', op: 'die-with-parent', parentPid: 77, describe: 'die with jailctl (pid 77), which stays to read the trace' }]);
});

t.test('a launcher whose parent is not the one the plan names starts nothing', { skip: existsSync(LAUNCHER) ? false : 'launcher not built' }, async (t) => {
  // the test process is the launcher's parent; the plan names another pid (1 is never us)
  const marker = join(dir, 'started');
  const touching: LaunchPlan = { ...plan, steps: [...plan.steps.slice(0, 1), { phase: 'parent', op: 'write-file', path: marker, content: 'x', describe: 'mark' }, ...plan.steps.slice(1)] };
  const r = runLauncher(encodeLaunchPlan(withParentDeath(touching, 1)));
  t.equal(r.status, 125);
  t.match(r.stderr, /the jailctl that started this launcher \(pid 1\) is gone; starting nothing/);
  t.notOk(existsSync(marker), 'no step ran');
});

t.test('a failing step is reported with its words, syscall and errno, and exits 125', { skip: existsSync(LAUNCHER) && process.geteuid?.() === 0 ? false : 'needs root and the launcher' }, async (t) => {
  const r = runLauncher(encodeLaunchPlan(plan));
  t.equal(r.status, 125);
  t.equal(r.stderr, 'jailctl: probe: enter the missing directory: chdir(2): ENOENT (No such file or directory)\nhint: it does not exist\n');
});

t.test('setattr: its attributes are encoded, and a failure names mount_setattr', { skip: existsSync(LAUNCHER) && process.geteuid?.() === 0 ? false : 'needs root and the launcher' }, async (t) => {
  // in a mount namespace of its own, /etc is not the root of a mount: EINVAL
  const setattr: LaunchPlan = { ...plan, steps: [plan.steps[0]!, { phase: 'jail', op: 'setattr', target: '/etc', set: ['MOUNT_ATTR_RDONLY', 'MOUNT_ATTR_NODEV'], clear: [], recursive: true, describe: 'make /etc read-only' }, ...plan.steps.slice(2)] };
  const bytes = encodeLaunchPlan(setattr);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = true;
  const index = bytes.findIndex((_, i) => i > 22 && view.getUint32(i, le) === 36 && view.getUint32(i + 4, le) === 2);
  t.ok(index > 0, 'op 36 in the jail phase');
  t.same([0, 1, 2].map((k) => view.getBigInt64(index + 20 + 8 * k, le)), [0x5n, 0n, 1n], 'set RDONLY|NODEV, clear nothing, recursive');
  const r = runLauncher(bytes);
  t.equal(r.status, 125);
  t.equal(r.stderr, 'jailctl: probe: make /etc read-only: mount_setattr(2): EINVAL (Invalid argument)\n');
});

t.test('the launcher follows no symlink in a plan path (ELOOP), whatever the planner decided', { skip: existsSync(LAUNCHER) && process.geteuid?.() === 0 ? false : 'needs root and the launcher' }, async (t) => {
  const linkDir = mkdtempSync(join(tmpdir(), 'jailctl-codec-link-'));
  t.teardown(() => rmSync(linkDir, { recursive: true, force: true }));
  writeFileSync(join(linkDir, 'real'), 'x');
  writeFileSync(join(linkDir, 'target'), '');
  symlinkSync('real', join(linkDir, 'link'));
  symlinkSync('.', join(linkDir, 'here'));
  const cases = [
    ['a final link', join(linkDir, 'link'), /openat\(2\): ELOOP/],
    ['a link on the way', join(linkDir, 'here', 'real'), /openat\(2\): (ELOOP|ENOTDIR)/],
    ['a ".." on the way', `${linkDir}/../${linkDir.split('/').pop()}/real`, /openat\(2\): EINVAL/],
  ] as const;
  for (const [name, source, refusal] of cases) {
    const bind: LaunchPlan = { ...plan, steps: [plan.steps[0]!, { phase: 'jail', op: 'bind', source, target: join(linkDir, 'target'), recursive: false, procDir: '/proc', describe: `bind ${name}` }, ...plan.steps.slice(2)] };
    const r = runLauncher(encodeLaunchPlan(bind));
    t.equal(r.status, 125, name);
    t.match(r.stderr, refusal, `${name}: ${r.stderr}`);
  }
});
