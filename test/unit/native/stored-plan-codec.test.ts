// The stored-plan file: the TypeScript codec (round trip, layout, every truncation refused) and
// the real launcher reading the same bytes (`jailctl-launch --plan FILE --check`): every
// malformed, truncated or foreign file is one line and exit 125, never a crash.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import type { Fingerprint } from '../../../src/jail/fingerprint.js';
import type { LaunchPlan } from '../../../src/jail/plan.js';
import { encodeLaunchPlan } from '../../../src/native/plan-codec.js';
import { CHECK_BITS, STORED_PLAN_MAGIC, STORED_PLAN_VERSION, decodeStoredPlan, encodeStoredPlan, type StoredPlan } from '../../../src/native/stored-plan-codec.js';
import { kernelArch } from '../../../src/jail/host-fs.js';

const LAUNCHER = fileURLToPath(new URL('../../../../build/Release/jailctl-launch', import.meta.url));
const header = readFileSync(new URL('../../../../native/stored-plan.h', import.meta.url), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'jailctl-stored-codec-'));
chmodSync(dir, 0o700);
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const launchPlan: LaunchPlan = {
  name: 'probe',
  namespaces: [],
  summary: { command: ['/bin/true'], mounts: 0, user: { uid: 0, gid: 0, groups: [] }, capabilities: [], seccomp: null, cgroup: [] },
  steps: [
    { phase: 'config', op: 'clone', namespaces: ['mount'], describe: 'clone' },
    { phase: 'service', op: 'execve', path: '/bin/true', argv: ['true'], env: [], exitIfMissing: 127, exitIfDenied: 126, describe: 'exec' },
  ],
};

const fp = (over: Partial<Fingerprint>): Fingerprint => ({
  path: '/bin/true', follow: true, checks: ['type', 'perm'], errno: 0, mode: 0o100755, uid: 0, gid: 0,
  size: 0n, dev: 0n, ino: 0n, mtimeNs: 0n, ctimeNs: 0n, ...over,
});

const sample: StoredPlan = {
  arch: kernelArch(),
  refresh: 'run jailctl run --save-plan again',
  fingerprints: [
    fp({ checks: ['type', 'perm', 'owner', 'size', 'dev', 'ino', 'mtime', 'ctime'], uid: 7, gid: 9, size: 1234n, dev: 2049n, ino: 99n, mtimeNs: 1_700_000_000_123_456_789n, ctimeNs: -5n }),
    fp({ path: '/etc/missing', follow: false, checks: ['absent'], errno: 2, mode: 0 }),
    fp({ path: '/lib/x.so', checks: ['type', 'perm', 'size', 'content'], size: 3n, sha256: new Uint8Array(32).fill(7) }),
    fp({ path: '/lib/link', follow: false, checks: ['type', 'link'], mode: 0o120000, sha256: new Uint8Array(32).fill(1) }),
  ],
  plan: encodeLaunchPlan(launchPlan),
};

t.test('round trip: what is written is what is read', async (t) => {
  const bytes = encodeStoredPlan(sample);
  t.same(decodeStoredPlan(bytes, 'f'), sample);
  t.same(encodeStoredPlan(decodeStoredPlan(bytes, 'f')), bytes, 'the same bytes again');
});

t.test('layout: magic, version, then little-endian fields on every host', async (t) => {
  const bytes = encodeStoredPlan(sample);
  t.equal(new TextDecoder().decode(bytes.subarray(0, 8)), 'JCSTORED');
  t.same([...bytes.subarray(8, 12)], [STORED_PLAN_VERSION, 0, 0, 0]);
  const archLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
  t.equal(new TextDecoder().decode(bytes.subarray(16, 16 + archLength)), sample.arch);
});

t.test('the C header and the codec agree on magic, version and check bits', async (t) => {
  t.match(header, `#define JC_STORED_MAGIC "${STORED_PLAN_MAGIC}"`);
  t.match(header, new RegExp(`#define JC_STORED_VERSION ${STORED_PLAN_VERSION}\\b`));
  for (const [check, bit] of Object.entries(CHECK_BITS)) {
    const name = check === 'perm' ? 'PERM' : check.toUpperCase();
    t.match(header, new RegExp(`JC_FP_${name} = ${bit},`), check);
  }
});

t.test('the codec refuses every truncation and trailing bytes with a message naming the file', async (t) => {
  const bytes = encodeStoredPlan(sample);
  for (let n = 0; n < bytes.length; n++) {
    let message = '';
    try {
      decodeStoredPlan(bytes.subarray(0, n), 'cut.plan');
    } catch (err) {
      message = (err as Error).message;
    }
    if (!/^cut\.plan: (truncated|not a stored plan|malformed)/.test(message)) {
      t.fail(`a plan cut at ${n} bytes: ${message || 'accepted'}`);
      return;
    }
  }
  t.throws(() => decodeStoredPlan(new Uint8Array([...bytes, 0]), 'x'), /trailing bytes/);
  t.pass('all refused');
});

t.test('the codec refuses unknown check bits and checks mixed with absent', async (t) => {
  t.throws(() => encodeThenDecode({ ...sample, fingerprints: [fp({ checks: ['absent', 'size'] })] }), /malformed fingerprint/);
  const bytes = encodeStoredPlan({ ...sample, fingerprints: [fp({})] });
  const checksAt = 8 + 4 + 4 + sample.arch.length + 1 + 4 + sample.refresh.length + 1 + 4 + 4;
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(checksAt, 4096, true);
  t.throws(() => decodeStoredPlan(bytes, 'x'), /malformed fingerprint/);
});

function encodeThenDecode(stored: StoredPlan): StoredPlan {
  return decodeStoredPlan(encodeStoredPlan(stored), 'x');
}

/** The launcher's verdict on `bytes` stored as a file: exit status and stderr lines. */
function check(bytes: Uint8Array, name = 'plan'): { code: number | null; signal: string | null; lines: string[] } {
  const file = join(dir, name);
  writeFileSync(file, bytes, { mode: 0o600 });
  const r = spawnSync(LAUNCHER, ['--plan', file, '--check'], { encoding: 'utf8', timeout: 10_000 });
  return { code: r.status, signal: r.signal, lines: r.stderr.split('\n').filter((l) => l !== '') };
}

const asRoot = process.geteuid?.() === 0;
t.test('the launcher reads the codec\'s bytes', { skip: asRoot ? false : 'the launcher runs only root\'s stored plans' }, async (t) => {
  const good = encodeStoredPlan({ ...sample, fingerprints: [fp({ path: '/', checks: ['type'], mode: 0o040000 })] });
  const r = check(good);
  t.same(r, { code: 0, signal: null, lines: [] });
});

t.test('the launcher refuses every truncation, and garbage, with one line and 125', { skip: asRoot ? false : 'needs root' }, async (t) => {
  const bytes = encodeStoredPlan({ ...sample, fingerprints: [fp({ path: '/', checks: ['type'], mode: 0o040000 })] });
  // every cut inside the header and the fingerprint, then a stride through the launch plan
  const cuts = [...Array(200).keys(), ...Array.from({ length: 40 }, (_, i) => Math.floor((bytes.length * i) / 40))];
  for (const n of new Set(cuts.filter((c) => c < bytes.length))) {
    const r = check(bytes.subarray(0, n));
    if (r.code !== 125 || r.signal !== null || r.lines.length !== 1 || !r.lines[0]!.startsWith(`jailctl: ${join(dir, 'plan')}: `)) {
      t.fail(`cut at ${n}: ${JSON.stringify(r)}`);
      return;
    }
  }
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff);
  for (let i = 0; i < 30; i++) {
    const noise = Uint8Array.from({ length: 64 + i * 37 }, random);
    if (i % 2 === 0) noise.set(new TextEncoder().encode('JCSTORED\x01\x00\x00\x00'));
    const r = check(noise);
    if (r.code !== 125 || r.signal !== null || r.lines.length !== 1) {
      t.fail(`garbage ${i}: ${JSON.stringify(r)}`);
      return;
    }
  }
  t.pass('all refused with one line');
});

t.test('the launcher names a foreign arch, another version, another file format', { skip: asRoot ? false : 'needs root' }, async (t) => {
  const other = kernelArch() === 'mips' ? 'aarch64' : 'mips';
  t.match(check(encodeStoredPlan({ ...sample, arch: other, fingerprints: [] })).lines, [new RegExp(`made for ${other}, but this launcher runs ${kernelArch()} code`)]);
  const bytes = encodeStoredPlan({ ...sample, fingerprints: [] });
  bytes[8] = 2;
  t.match(check(bytes).lines, [/format version unknown/]);
  t.match(check(sample.plan).lines, [/not a stored plan \(bad magic\)/], 'a bare launch plan');
  t.match(check(new TextEncoder().encode('{"format":1}')).lines, [/not a stored plan/], 'a plan-cache JSON file');
});
