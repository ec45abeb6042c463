// As root, with runc and crun (Debian packages): a profile `jailctl trace` wrote for a program
// is refused by the runtime's own init (killed after the filter loads), and the same trace with
// `--for RUNTIME` (or `profile merge --preset RUNTIME`) runs the program in an OCI bundle, with
// noNewPrivileges true and false, while a call the trace never saw is still killed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { staticBusybox } from '../helpers/busybox-builds.js';
import { isRoot, jailctl } from '../helpers/jailctl.js';
import { hasRuntime, makeBundle, type OciRuntime } from '../helpers/oci-runtime.js';

const busybox = isRoot ? staticBusybox() : { skip: 'needs root' };
if (!isRoot) t.plan(0, 'needs root');
else if ('skip' in busybox) t.plan(0, `needs a static busybox for the rootfs: ${busybox.skip}`);

const SIGSYS_EXIT = 128 + 31;

for (const runtime of ['runc', 'crun'] as OciRuntime[]) {
  t.test(runtime, { skip: hasRuntime(runtime) ? false : `${runtime} is not installed (apt-get install ${runtime})` }, async (t) => {
    const bb = (busybox as { path: string }).path;
    const dir = mkdtempSync(join(tmpdir(), `jailctl-oci-${runtime}-`));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const profile = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as unknown;
    const traced = (out: string, ...extra: string[]) => {
      const r = jailctl(['trace', ...extra, '-o', join(dir, out), '--', bb, 'echo', 'hello']);
      t.equal(r.code, 0, r.stderr);
      return r;
    };
    traced('plain.json');
    traced('preset.json', '--for', runtime);
    const bundle = makeBundle(runtime, join(dir, 'bundle'), bb);
    const hello = ['/bin/busybox', 'echo', 'hello'];

    t.test('the program alone: the runtime\'s init is killed after loading the filter', async (t) => {
      const r = bundle.run(hello, profile('plain.json'));
      t.not(r.code, 0, `${runtime} fails`);
      t.notMatch(r.stdout, /hello/);
      t.match(jailctl(['profile', 'check', '--for', runtime, join(dir, 'plain.json')]).stderr, new RegExp(`warning: .*plain\\.json: ${runtime} needs .*close.* after loading the filter`));
    });

    for (const nnp of [true, false]) {
      t.test(`trace --for ${runtime}, noNewPrivileges ${nnp}: the program runs, an untraced call is killed`, async (t) => {
        const ok = bundle.run(hello, profile('preset.json'), nnp);
        t.equal(ok.code, 0, ok.stderr);
        t.equal(ok.stdout, 'hello\n');
        const denied = bundle.run(['/bin/busybox', 'mkdir', '/tmp/x'], profile('preset.json'), nnp);
        t.equal(denied.code, SIGSYS_EXIT, `mkdir was never traced: killed (${denied.stderr})`);
      });
    }

    t.test(`profile merge --preset ${runtime} fixes a profile traced without it`, async (t) => {
      const merged = jailctl(['profile', 'merge', join(dir, 'plain.json'), '--preset', runtime, '-o', join(dir, 'merged.json')]);
      t.equal(merged.code, 0, merged.stderr);
      t.match(merged.stdout, new RegExp(`note: added for ${runtime}: .*close`));
      const check = jailctl(['profile', 'check', '--strict', '--for', runtime, join(dir, 'merged.json')]);
      t.equal(check.code, 0, check.stderr);
      const ok = bundle.run(hello, profile('merged.json'));
      t.equal(ok.stdout, 'hello\n', ok.stderr);
    });

    t.test('a kill-thread default: a warning when writing it for a runtime', async (t) => {
      const r = traced('thread.json', '--for', runtime, '--default-action', 'kill-thread');
      t.match(r.stderr, /jailctl: warning: the profile kills single threads \(SCMP_ACT_KILL or SCMP_ACT_KILL_THREAD\): under /);
    });
  });
}
