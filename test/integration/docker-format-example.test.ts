// As root: profiles/examples/docker-format.json (Docker's own format) under `jailctl run`: a
// shell runs; its chroot entry ("includes": CAP_SYS_CHROOT) applies only when the jail's
// capability bounding set holds CAP_SYS_CHROOT, as dockerd decides it for a container.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { isRoot, jailctl, REPO } from '../helpers/jailctl.js';

if (!isRoot) t.plan(0, 'needs root');

const PROFILE = join(REPO, 'profiles/examples/docker-format.json');

t.test('a shell runs under the Docker-format example', async (t) => {
  const r = jailctl(['run', '--seccomp', PROFILE, '--', '/bin/busybox', 'sh', '-c', 'echo hello; /bin/busybox ls / >&2']);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'hello\n');
});

t.test('includes caps: chroot is allowed only with CAP_SYS_CHROOT in the jail', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jailctl-docker-example-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const caps = (list: string[]) => {
    const file = join(dir, `${list.join('-') || 'none'}.json`);
    writeFileSync(file, JSON.stringify({ bounding: list, effective: list, permitted: list }));
    return file;
  };
  const chroot = ['/bin/busybox', 'chroot', '/', '/bin/busybox', 'true'];
  t.equal(jailctl(['run', '--caps', caps(['CAP_SYS_CHROOT']), '--seccomp', PROFILE, '--', ...chroot]).code, 0, 'decided with the capability: allowed');
  const other = jailctl(['run', '--caps', caps(['CAP_SYS_CHROOT', 'CAP_SYS_ADMIN']), '--', ...chroot]);
  t.equal(other.code, 0, 'without the profile the capability is enough');
  const without = jailctl(['run', '--caps', caps(['CAP_SYS_ADMIN']), '--seccomp', PROFILE, '--', ...chroot]);
  t.equal(without.code, 1);
  t.match(without.stderr, /chroot: can't change root directory to '\/': Operation not permitted/);
});
