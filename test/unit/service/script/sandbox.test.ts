// The dry run's throwaway view, planned from mountinfo (pure): which mounts a path reaches,
// overlays on writable directories, kernel file systems bound (read-only where writing would
// change the kernel), single-file mounts read-only, the work folder kept the host's.
import t from 'tap';
import type { PlanStep } from '../../../../src/jail/plan.js';
import { buildSandboxPlan, parseMountinfo, visibleMounts } from '../../../../src/service/script/sandbox.js';
import { FakeHost } from '../../../helpers/fake-host.js';

const MOUNTINFO = [
  '22 27 0:21 / /proc rw,relatime - proc proc rw',
  '23 27 0:22 / /sys rw,relatime - sysfs sysfs rw',
  '24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw',
  '26 24 0:24 / /dev/pts rw,relatime - devpts devpts rw',
  '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
  '29 26 0:26 / /dev/pts rw,relatime - devpts devpts rw',
  '30 27 0:27 / /tmp rw - tmpfs tmpfs rw',
  '31 30 0:28 / /tmp/hidden rw - tmpfs tmpfs rw',
  '32 27 0:29 / /tmp rw - tmpfs tmpfs rw',
  '33 27 254:0 /etc/hosts /etc/hosts rw - ext4 /dev/vda rw',
  '34 27 0:30 / /mnt/with\\040space ro - squashfs /dev/loop0 ro',
  '35 23 0:31 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw',
].join('\n');

t.test('parseMountinfo() decodes paths and reads ro, the file system type', async (t) => {
  const m = parseMountinfo(MOUNTINFO);
  t.equal(m.length, 12);
  t.match(m.find((e) => e.id === 34), { path: '/mnt/with space', fstype: 'squashfs', readOnly: true });
  t.match(m.find((e) => e.id === 27), { path: '/', parent: 1, readOnly: false });
});

t.test('visibleMounts(): the top of each stack; what an over-mount hides is not there', async (t) => {
  const seen = visibleMounts(parseMountinfo(MOUNTINFO)).map((e) => `${e.id} ${e.path}`);
  t.same([...seen].sort(), ['22 /proc', '23 /sys', '24 /dev', '27 /', '29 /dev/pts', '32 /tmp', '33 /etc/hosts', '34 /mnt/with space', '35 /sys/fs/cgroup'],
    'not 26 (under 29 at /dev/pts), 30 (under 32 at /tmp), 31 (inside the hidden 30)');
  const depth = (e: string): number => e.split(' ')[1]!.split('/').filter(Boolean).length;
  t.ok(seen.every((e, i) => i === 0 || depth(seen[i - 1]!) <= depth(e)), 'parents before children');
});

t.test('buildSandboxPlan(): overlays, binds and the work folder', async (t) => {
  const host = new FakeHost({ '/proc': { dir: true }, '/sys/fs/cgroup': { dir: true }, '/dev/pts': { dir: true }, '/tmp/w': { dir: true }, '/etc/hosts': 'x', '/mnt/with space': { dir: true } });
  const mounts = visibleMounts(parseMountinfo(MOUNTINFO));
  const plan = buildSandboxPlan(mounts, host, { work: '/tmp/w', argv: ['/bin/sh', '-c', 'true'], env: { A: '1' } });
  t.same(plan.namespaces, ['mount', 'ipc', 'uts']);
  const at = (path: string): PlanStep[] => plan.steps.filter((s) => 'target' in s && s.target === (path === '/' ? '/tmp/w/view/root' : `/tmp/w/view/root${path}`));
  const overlay = (path: string) => at(path).find((s) => s.op === 'mount' && s.fstype === 'overlay');
  t.ok(overlay('/'), 'the root file system is covered');
  t.ok(overlay('/tmp'), 'a writable tmpfs too');
  t.notOk(overlay('/proc'), 'not /proc');
  t.match(at('/proc').map((s) => s.op), ['bind']);
  t.ok(plan.steps.some((s) => s.op === 'remount' && s.target === '/tmp/w/view/root/proc/sys' && s.flags.includes('MS_RDONLY')), '/proc/sys read-only');
  t.same(at('/sys').map((s) => s.op), ['bind', 'remount'], 'sysfs bound read-only');
  t.same(at('/sys/fs/cgroup').map((s) => s.op), ['bind', 'remount'], 'cgroups read-only');
  t.same(at('/dev/pts').map((s) => s.op), ['bind'], 'devpts as it is');
  t.same(at('/etc/hosts').map((s) => s.op), ['bind', 'remount'], 'a writable single-file mount: read-only');
  t.same(at('/mnt/with space').map((s) => s.op), ['bind'], 'a read-only mount stays as it is');
  const keep = plan.steps.find((s) => s.op === 'bind' && s.target === '/tmp/w/view/root/tmp/w');
  t.match(keep, { source: '/tmp/w/view/l4/w' }, "the work folder is bound from the host's /tmp (held as l4), over the overlay");
  const ops = plan.steps.map((s) => s.op);
  t.ok(ops.indexOf('pivot-root') > ops.lastIndexOf('mount'), 'pivot only once the view is built');
  t.match(plan.steps.at(-1), { op: 'execve', path: '/bin/sh', argv: ['/bin/sh', '-c', 'true'], env: ['A=1'] });
  t.throws(() => buildSandboxPlan(mounts, host, { work: '/tmp/a,b', argv: ['/bin/sh'], env: {} }), /character overlayfs options cannot hold/);
});
