// As root: a plan for another machine (`jailctl run --save-plan FILE --arch mips --root DIR`), as
// an image builder makes it: the program and its files found below DIR, the filter compiled for
// mips, fingerprints by content. Checked by the mips launcher under qemu-user in a chroot of DIR
// (qemu-user cannot build the jail itself: targets-launch.test.ts says why); refused by this
// machine's launcher as another machine's.
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { isRoot, jailctl, REPO } from '../helpers/jailctl.js';
import { expectOneLineError } from '../helpers/one-line-error.js';
import { target } from '../helpers/targets.js';

const mips = target('mips');
const skip = !isRoot ? 'needs root (chroot, stored plans are root\'s)' : mips.skip || (mips.qemu === undefined ? 'qemu-mips-static is not installed' : false);
if (skip) t.plan(0, skip);

const LAUNCHER = fileURLToPath(new URL('../../../build/Release/jailctl-launch', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'jailctl-stored-target-'));
chmodSync(dir, 0o700);
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const root = join(dir, 'root');
const env = { ...process.env, JAILCTL_PLAN_CACHE: 'off' };
const profile = join(REPO, 'profiles', 'failsafe-listener.json');

function stage(): void {
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  mkdirSync(join(root, 'tmp'));
  mkdirSync(join(root, 'etc'));
  symlinkSync('usr/bin', join(root, 'bin'));
  copyFileSync(mips.program('jailctl-failsafe'), join(root, 'usr/bin/jailctl-failsafe'));
  chmodSync(join(root, 'usr/bin/jailctl-failsafe'), 0o755);
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/ash\n');
  // the device's launcher and an emulator for it, to check the plan "on the device"
  copyFileSync(mips.program('jailctl-launch'), join(root, 'jailctl-launch'));
  copyFileSync(mips.qemu!, join(root, 'qemu'));
}

const save = (file: string) => jailctl(['run', '--save-plan', file, '--arch', 'mips', '--root', root, '--seccomp', profile, '--', '/bin/jailctl-failsafe', '--help'], { env });
const onDevice = (plan: string) => {
  const r = spawnSync('chroot', [root, '/qemu', '/jailctl-launch', '--plan', plan, '--check'], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
};

t.test('a mips plan made here is fresh on the device, and stale once its program changes', async (t) => {
  stage();
  const saved = save(join(root, 'listener.plan'));
  t.equal(saved.code, 0, saved.stderr);
  t.same(onDevice('/listener.plan'), { code: 0, signal: null, stdout: '', stderr: '' });

  const again = join(dir, 'again.plan');
  t.equal(save(again).code, 0);
  t.same(readFileSync(again), readFileSync(join(root, 'listener.plan')), 'the same root gives the same bytes (nothing of this host in it)');

  const here = spawnSync(LAUNCHER, ['--plan', again, '--check'], { encoding: 'utf8' });
  expectOneLineError(t, { code: here.status, signal: here.signal, stdout: here.stdout, stderr: here.stderr }, /made for mips, but this launcher runs \S+ code; save the plan with --arch/);

  appendFileSync(join(root, 'usr/bin/jailctl-failsafe'), 'x');
  expectOneLineError(t, onDevice('/listener.plan'), /^jailctl: \/listener\.plan: stale: \/usr\/bin\/jailctl-failsafe changed since the plan was saved \(size\); run jailctl run --save-plan again$/);
});

t.test('--root must be a directory; --arch must be known', async (t) => {
  expectOneLineError(t, jailctl(['run', '--save-plan', join(dir, 'x.plan'), '--root', join(dir, 'none'), '--', '/bin/true'], { env }), /--root .*: not a directory/);
  expectOneLineError(t, jailctl(['run', '--save-plan', join(dir, 'x.plan'), '--arch', 'vax', '--root', root, '--', '/bin/true'], { env }), /unknown architecture "vax"/);
});
