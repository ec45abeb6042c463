import t from 'tap';
import { buildLaunchPlan, USERNS_ID_BASE } from '../../../src/jail/build-plan.js';
import { formatMemory } from '../../../src/jail/cgroups.js';
import type { PlanStep } from '../../../src/jail/plan.js';
import { normalizeJailSpec, type RawJailSpec } from '../../../src/jail/spec.js';
import { FakeHost, type FakeTree } from '../../helpers/fake-host.js';

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\nweb:x:1001:1002::/srv:/bin/false\n';
const GROUP = 'root:x:0:\nnogroup:x:65534:\nweb:x:1002:\nlog:x:1003:web,other\n';

function host(extra: FakeTree = {}): FakeHost {
  return new FakeHost({
    '/usr/bin/tool': { kind: 'file', data: new TextEncoder().encode('static'), mode: 0o755 },
    '/etc/passwd': PASSWD,
    '/etc/group': GROUP,
    '/etc/hosts': 'hosts',
    '/tmp': { dir: true },
    '/proc/self/mounts': 'cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid 0 0\n',
    '/sys/fs/cgroup/cgroup.controllers': 'cpuset cpu io memory pids\n',
    '/proc/self/cgroup': '0::/user.slice\n',
    ...extra,
  });
}

function plan(raw: RawJailSpec, h = host()) {
  const spec = normalizeJailSpec({ autoLibs: false, command: ['/usr/bin/tool', '--flag'], ...raw }, '/work');
  return buildLaunchPlan(spec, h, { launcherPid: 4242, hostPath: '/usr/bin:/bin' });
}

const ops = (steps: PlanStep[]) => steps.map((s) => s.op);
const indexOf = (steps: PlanStep[], pred: (s: PlanStep) => boolean) => steps.findIndex(pred);

t.test('the default jail: private mounts first, pivot, old root detached, then the service steps in order', async (t) => {
  const p = plan({});
  t.same(p.namespaces, ['mount', 'pid', 'uts', 'ipc']);
  const jail = p.steps.filter((s) => s.phase === 'jail');
  t.match(jail[0], { op: 'mount', target: '/', flags: ['MS_REC', 'MS_PRIVATE'] });
  const detach = indexOf(jail, (s) => s.op === 'umount' && s.target === '/oldroot');
  const lastBind = jail.map((s) => s.op).lastIndexOf('bind');
  t.ok(lastBind < detach, 'every bind happens before the host root is detached');
  t.same(ops(jail.slice(detach)), ['umount', 'chdir', 'pivot-root', 'umount', 'chdir', 'keyring', 'sethostname', 'fork-service']);
  const service = p.steps.filter((s) => s.phase === 'service');
  t.same(ops(service), ['setgroups', 'setresgid', 'setresuid', 'caps', 'no-new-privs', 'setsid', 'chdir', 'close-fds', 'execve']);
  t.match(service.at(-1), { op: 'execve', path: '/usr/bin/tool', argv: ['/usr/bin/tool', '--flag'], env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], exitIfMissing: 127, exitIfDenied: 126 });
});

t.test('every capability set is empty by default and root gains nothing at exec', async (t) => {
  const caps = plan({}).steps.find((s) => s.op === 'caps');
  t.match(caps, { bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n, securebits: 3 });
});

t.test('the command is bound read-only and nothing else from the host appears', async (t) => {
  const p = plan({});
  const binds = p.steps.filter((s) => s.op === 'bind');
  t.same(binds.map((s) => s.op === 'bind' && s.source), ['/oldroot/usr/bin/tool']);
  const remount = p.steps.find((s) => s.op === 'remount' && s.target === '/newroot/usr/bin/tool');
  t.match(remount, { flags: ['MS_REMOUNT', 'MS_BIND', 'MS_RDONLY', 'MS_NOSUID', 'MS_NODEV'] });
  t.ok(p.steps.some((s) => s.op === 'remount' && s.target === '/newroot' && s.flags.includes('MS_RDONLY')), 'the jail root is made read-only');
});

t.test('--rw binds stay writable but nosuid,nodev', async (t) => {
  const p = plan({ rw: ['/etc/hosts'] });
  t.match(p.steps.find((s) => s.op === 'remount' && s.target === '/newroot/etc/hosts'), { flags: ['MS_REMOUNT', 'MS_BIND', 'MS_NOSUID', 'MS_NODEV'] });
});

t.test('--proc, --sys, --dev add their mounts; --netns brings up lo', async (t) => {
  const p = plan({ proc: true, sys: true, dev: true, netns: true });
  t.ok(p.steps.some((s) => s.op === 'mount' && s.fstype === 'proc'));
  t.ok(p.steps.some((s) => s.op === 'remount' && s.target === '/newroot/proc/sys' && s.flags.includes('MS_RDONLY')));
  t.ok(p.steps.some((s) => s.op === 'mount' && s.fstype === 'sysfs' && s.flags.includes('MS_RDONLY')));
  t.ok(p.steps.some((s) => s.op === 'mount' && s.fstype === 'devpts' && s.data.includes('newinstance')));
  for (const dev of ['null', 'zero', 'full', 'random', 'urandom', 'tty']) t.ok(p.steps.some((s) => s.op === 'bind' && s.target === `/newroot/dev/${dev}`), dev);
  t.ok(p.steps.some((s) => s.op === 'loopback-up'));
  t.same(p.namespaces, ['mount', 'pid', 'uts', 'ipc', 'net']);
});

t.test('binds below /dev and inside a --tmpfs are made after that mount, so it cannot hide them', async (t) => {
  const h = host({ '/dev/ttyS0': { kind: 'char', mode: 0o660 }, '/dev/null': { kind: 'char', mode: 0o666 }, '/var/lib/app/db': 'db' });
  const p = plan({ dev: true, rw: ['/dev/ttyS0', '/var/lib/app/db'], ro: ['/dev/null'], tmpfs: ['/var'] }, h);
  const at = (pred: (s: PlanStep) => boolean) => indexOf(p.steps, pred);
  const devTmpfs = at((s) => s.op === 'mount' && s.target === '/newroot/dev');
  const devReadOnly = at((s) => s.op === 'remount' && s.target === '/newroot/dev');
  const tty = at((s) => s.op === 'bind' && s.target === '/newroot/dev/ttyS0');
  t.ok(devTmpfs < tty && tty < devReadOnly, 'the device is bound into the /dev tmpfs before it turns read-only');
  t.match(p.steps.find((s) => s.op === 'remount' && s.target === '/newroot/dev/ttyS0'), { flags: ['MS_REMOUNT', 'MS_BIND', 'MS_NOSUID', 'MS_NOEXEC'] }, 'a device bound by name keeps working (no nodev)');
  t.equal(p.steps.filter((s) => s.op === 'bind' && s.target === '/newroot/dev/null').length, 1, '--ro /dev/null is the bind --dev makes anyway');
  const varTmpfs = at((s) => s.op === 'mount' && s.target === '/newroot/var');
  const db = at((s) => s.op === 'bind' && s.target === '/newroot/var/lib/app/db');
  t.ok(varTmpfs < db, 'the file is bound on top of the --tmpfs, not under it');
  t.ok(at((s) => s.op === 'mkdir' && s.path === '/newroot/var/lib/app') > varTmpfs, 'its parents are made inside the tmpfs');
});

t.test('an executable bound at another path brings its interpreter, and is not bound at its source too', async (t) => {
  const h = host({ '/opt/app/run.sh': { kind: 'file', data: new TextEncoder().encode('#!/bin/sh\necho hi\n'), mode: 0o755 }, '/bin/sh': { kind: 'file', data: new TextEncoder().encode('binfmt'), mode: 0o755 } });
  const spec = normalizeJailSpec({ command: ['/usr/bin/tool'], ro: ['/opt/app/run.sh:/srv/run.sh'] }, '/work');
  const p = buildLaunchPlan(spec, h, { launcherPid: 1, hostPath: '/usr/bin:/bin' });
  const targets = p.steps.filter((s) => s.op === 'bind').map((s) => s.op === 'bind' && s.target);
  t.ok(targets.includes('/newroot/srv/run.sh'), 'bound where asked');
  t.ok(targets.includes('/newroot/bin/sh'), 'its #! interpreter comes along');
  t.notOk(targets.includes('/newroot/opt/app/run.sh'), 'and nothing appears at the source path');
});

t.test('nested --tmpfs mounts go outermost first', async (t) => {
  const p = plan({ tmpfs: ['/var/cache', '/var'] });
  const mounts = p.steps.filter((s) => s.op === 'mount' && s.fstype === 'tmpfs' && s.target.startsWith('/newroot/var'));
  t.same(mounts.map((s) => s.op === 'mount' && s.target), ['/newroot/var', '/newroot/var/cache']);
});

t.test('a bind that --proc, --sys or --dev would hide is refused by name', async (t) => {
  const h = host({ '/proc/cpuinfo': 'cpu', '/sys/class/net': { dir: true } });
  t.throws(() => plan({ proc: true, ro: ['/proc/cpuinfo'] }, h), { code: 'JAIL_INVALID', message: /\/proc\/cpuinfo: inside \/proc, which --proc mounts over it/ });
  t.throws(() => plan({ sys: true, ro: ['/sys/class/net'] }, h), { code: 'JAIL_INVALID', message: /\/sys\/class\/net: inside \/sys/ });
  t.throws(() => plan({ dev: true, tmpfs: ['/dev/mqueue'] }, h), { code: 'JAIL_INVALID', message: /--tmpfs \/dev\/mqueue: inside \/dev/ });
  t.doesNotThrow(() => plan({ ro: ['/proc/cpuinfo'] }, h), 'without --proc the host file is simply bound');
});

t.test('without --proc there is no /proc at all', async (t) => {
  t.notOk(plan({}).steps.some((s) => (s.op === 'mount' || s.op === 'mkdir') && 'path' in s && String(s.path).includes('/proc')));
  t.notOk(plan({}).steps.some((s) => s.op === 'mount' && s.fstype === 'proc'));
});

t.test('--userns maps root to an unprivileged range and binds /sys when there is no netns', async (t) => {
  const p = plan({ userns: true, sys: true });
  t.same(p.namespaces, ['mount', 'pid', 'uts', 'ipc', 'user']);
  t.match(p.steps.filter((s) => s.op === 'write-child-file'), [
    { file: 'uid_map', content: `0 ${USERNS_ID_BASE} 65536\n` },
    { file: 'gid_map', content: `0 ${USERNS_ID_BASE} 65536\n` },
  ]);
  t.ok(p.steps.some((s) => s.op === 'bind' && s.source === '/oldroot/sys'));
});

t.test('--user switches ids with supplementary groups and keeps caps only to drop them', async (t) => {
  const p = plan({ user: 'web' });
  const service = p.steps.filter((s) => s.phase === 'service');
  t.match(service.find((s) => s.op === 'setgroups'), { gids: [1002, 1003] });
  t.match(service.find((s) => s.op === 'setresgid'), { gid: 1002 });
  t.match(service.find((s) => s.op === 'setresuid'), { uid: 1001 });
  t.ok(indexOf(service, (s) => s.op === 'keepcaps') < indexOf(service, (s) => s.op === 'setresuid'));
  t.ok(p.steps.some((s) => s.op === 'bind' && s.source === '/oldroot/etc/passwd'), '/etc/passwd is visible for the switched user');
});

t.test('unknown users and groups are refused by name', async (t) => {
  t.throws(() => plan({ user: 'ghost' }), { code: 'USER_UNKNOWN', message: '--user ghost: no such user in /etc/passwd' });
  t.throws(() => plan({ group: 'ghosts' }), { code: 'GROUP_UNKNOWN', message: '--group ghosts: no such group in /etc/group' });
});

t.test('capabilities come from a procd JSON file, names case-insensitive', async (t) => {
  const h = host({ '/etc/caps.json': JSON.stringify({ bounding: ['cap_net_bind_service'], effective: ['CAP_NET_BIND_SERVICE'], permitted: ['NET_BIND_SERVICE'], inheritable: ['CAP_NET_BIND_SERVICE'], ambient: ['CAP_NET_BIND_SERVICE'] }) });
  const caps = plan({ caps: '/etc/caps.json' }, h).steps.find((s) => s.op === 'caps');
  t.match(caps, { bounding: 1024n, effective: 1024n, permitted: 1024n, inheritable: 1024n, ambient: 1024n, securebits: null });
});

t.test('an unknown capability is an error naming the file and the entry', async (t) => {
  const h = host({ '/etc/caps.json': JSON.stringify({ bounding: ['CAP_NET_BIND_SERVIC'] }) });
  t.throws(() => plan({ caps: '/etc/caps.json' }, h), { code: 'CAPS_INVALID', message: /\/etc\/caps.json: bounding\[0\]: unknown capability "CAP_NET_BIND_SERVIC"; did you mean CAP_NET_BIND_SERVICE\?/ });
});

t.test('cgroup v2 limits are written before pid 1 is released and removed afterwards', async (t) => {
  const p = plan({ memory: '64M', pids: 16, cpuWeight: 50 });
  const parent = p.steps.filter((s) => s.phase === 'parent');
  t.match(parent.filter((s) => s.op === 'write-file').map((s) => s.op === 'write-file' && [s.path, s.content]), [
    ['/sys/fs/cgroup/cgroup.subtree_control', '+memory +pids +cpu'],
    ['/sys/fs/cgroup/jailctl/cgroup.subtree_control', '+memory +pids +cpu'],
    ['/sys/fs/cgroup/jailctl/tool-4242/memory.max', String(64 * 1024 * 1024)],
    ['/sys/fs/cgroup/jailctl/tool-4242/pids.max', '16'],
    ['/sys/fs/cgroup/jailctl/tool-4242/cpu.weight', '50'],
  ]);
  t.match(parent.at(-1), { op: 'attach-cgroup', procsFile: '/sys/fs/cgroup/jailctl/tool-4242/cgroup.procs' });
  // the OOM kill count is read before the cgroup goes away
  t.same(p.steps.filter((s) => s.phase === 'cleanup').map((s) => s.op), ['report-count', 'rmdir']);
  t.match(p.steps.filter((s) => s.phase === 'cleanup'), [
    {
      op: 'report-count', file: '/sys/fs/cgroup/jailctl/tool-4242/memory.events', key: 'oom_kill', optional: true,
      once: "jailctl: tool: the kernel's OOM killer killed a process of the jail (memory limit 64M, --memory)\n",
      many: { before: "jailctl: tool: the kernel's OOM killer killed ", after: ' processes of the jail (memory limit 64M, --memory)\n' },
    },
    { op: 'rmdir', path: '/sys/fs/cgroup/jailctl/tool-4242' },
  ]);
});

t.test('without --memory there is no OOM kill to report', async (t) => {
  t.notOk(plan({ pids: 16 }).steps.some((s) => s.op === 'report-count'));
});

t.test('formatMemory() writes limits as --memory takes them', async (t) => {
  t.equal(formatMemory(64n << 20n), '64M');
  t.equal(formatMemory(3n << 30n), '3G');
  t.equal(formatMemory(1536n << 10n), '1536K');
  t.equal(formatMemory(1048577n), '1048577 bytes');
});

t.test('a hybrid host uses the v1 controllers under our own cgroup', async (t) => {
  const h = host({
    '/proc/self/mounts': 'cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\ncgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\ncgroup /sys/fs/cgroup/pids cgroup rw,pids 0 0\n',
    '/sys/fs/cgroup/unified/cgroup.controllers': 'hugetlb\n',
    '/proc/self/cgroup': '8:pids:/\n4:memory:/box/1\n0::/\n',
  });
  const p = plan({ memory: '1M', pids: 8 }, h);
  t.same(p.summary.cgroup, ['/sys/fs/cgroup/memory/box/1/jailctl-tool-4242', '/sys/fs/cgroup/pids/jailctl-tool-4242']);
  t.ok(p.steps.some((s) => s.op === 'write-file' && s.path.endsWith('memory.limit_in_bytes') && s.content === '1048576'));
  // cgroups are removed in the reverse order of their creation; the count is read before its own
  t.match(p.steps.filter((s) => s.phase === 'cleanup'), [
    { op: 'rmdir', path: '/sys/fs/cgroup/pids/jailctl-tool-4242' },
    { op: 'report-count', file: '/sys/fs/cgroup/memory/box/1/jailctl-tool-4242/memory.oom_control', key: 'oom_kill', once: /memory limit 1M, --memory/ },
    { op: 'rmdir', path: '/sys/fs/cgroup/memory/box/1/jailctl-tool-4242' },
  ]);
});

t.test('no limits, no cgroup', async (t) => {
  t.same(plan({}).summary.cgroup, []);
  t.notOk(plan({}).steps.some((s) => s.phase === 'parent'));
});

t.test('rlimits use the host architecture numbers', async (t) => {
  const p = plan({ rlimits: { nofile: '64:128', core: 0 } });
  t.match(p.steps.filter((s) => s.op === 'rlimit'), [{ resource: 'nofile', number: 7, soft: 64n, hard: 128n }, { resource: 'core', number: 4, soft: 0n, hard: 0n }]);
  const mips = new FakeHost({ '/usr/bin/tool': { kind: 'file', data: new Uint8Array(1), mode: 0o755 }, '/tmp': { dir: true } }, 'mipsel');
  const spec = normalizeJailSpec({ autoLibs: false, command: ['/usr/bin/tool'], rlimits: { nofile: 10 } }, '/');
  t.match(buildLaunchPlan(spec, mips, { launcherPid: 1, hostPath: '' }).steps.find((s) => s.op === 'rlimit'), { number: 5 });
});

t.test('--seccomp without a compiled filter is an error, never ignored', async (t) => {
  const spec = normalizeJailSpec({ autoLibs: false, command: ['/usr/bin/tool'], seccomp: '/etc/p.json' }, '/');
  t.throws(() => buildLaunchPlan(spec, host(), { launcherPid: 1, hostPath: '' }), { code: 'NOT_SUPPORTED' });
});

t.test('seccomp is the last step before execve', async (t) => {
  const spec = normalizeJailSpec({ autoLibs: false, command: ['/usr/bin/tool'], seccomp: '/etc/p.json' }, '/');
  const p = buildLaunchPlan(spec, host(), { launcherPid: 1, hostPath: '', seccomp: { filter: new Uint8Array(8), profile: '/etc/p.json' } });
  t.same(ops(p.steps.slice(-2)), ['seccomp', 'execve']);
  t.notOk(p.steps.some((s) => s.op === 'trace-me' || s.op === 'trace'), 'nothing traces the service');
});

const NOTIFY = { handshake: { auditArch: 1, nr: 2 }, execGates: [], answer: new Uint8Array(8), names: [] };

t.test('a notifying profile: pid 1 answers (config), keeps a /proc from before pivot_root, the listener filter comes last', async (t) => {
  for (const userns of [false, true]) {
    const spec = normalizeJailSpec({ autoLibs: false, command: ['/usr/bin/tool'], seccomp: '/etc/p.json', userns }, '/');
    const baseline = { filter: new Uint8Array(16), describe: 'load the baseline seccomp filter' };
    const p = buildLaunchPlan(spec, host(), {
      launcherPid: 1, hostPath: '', baseline: () => baseline,
      seccomp: { filter: new Uint8Array(8), profile: '/etc/p.json', listener: { handshakeNr: 2 }, notify: NOTIFY },
    });
    t.match(p.steps.find((s) => s.op === 'seccomp-notify'), { phase: 'config', handshake: { nr: 2 } });
    const proc = indexOf(p.steps, (s) => s.op === 'open-proc');
    t.ok(proc > 0 && proc < indexOf(p.steps, (s) => s.op === 'pivot-root'), `open-proc before pivot_root (userns ${userns})`);
    t.match(p.steps.slice(-3), [{ op: 'seccomp', profile: '(baseline)' }, { op: 'seccomp', listener: { handshakeNr: 2 } }, { op: 'execve' }]);
  }
});

t.test('the baseline filter gets the capabilities the service keeps; none asked, none loaded', async (t) => {
  const seen: (readonly string[])[] = [];
  const caps = { '/etc/caps.json': JSON.stringify({ bounding: ['CAP_SYS_TIME'], permitted: ['CAP_SYS_TIME'], effective: ['CAP_SYS_TIME'] }) };
  const spec = normalizeJailSpec({ autoLibs: false, command: ['/usr/bin/tool'], caps: '/etc/caps.json' }, '/');
  const p = buildLaunchPlan(spec, host(caps), { launcherPid: 1, hostPath: '', baseline: (kept) => { seen.push(kept); return undefined; } });
  t.same(seen, [['CAP_SYS_TIME']]);
  t.notOk(p.steps.some((s) => s.op === 'seccomp'), 'no filter when the baseline has nothing to refuse');
});

t.test('every jail joins a new session keyring in pid 1 (the service inherits it)', async (t) => {
  for (const raw of [{}, { userns: true, user: 'nobody' }] as RawJailSpec[]) {
    const p = plan(raw);
    const keyring = indexOf(p.steps, (s) => s.op === 'keyring');
    t.equal(p.steps[keyring]?.phase, 'jail');
    t.ok(keyring < indexOf(p.steps, (s) => s.op === 'fork-service'));
    if (raw.userns) t.ok(keyring > indexOf(p.steps, (s) => s.op === 'setresuid' && s.phase === 'jail'), 'as root of the user namespace');
  }
});

t.test('a bare command name is found on PATH; a missing one is reported', async (t) => {
  const spec = normalizeJailSpec({ autoLibs: false, command: ['tool'] }, '/');
  t.match(buildLaunchPlan(spec, host(), { launcherPid: 1, hostPath: '/bin:/usr/bin' }).steps.at(-1), { op: 'execve', path: '/usr/bin/tool', argv: ['tool'] });
  const missing = normalizeJailSpec({ autoLibs: false, command: ['nothere'] }, '/');
  t.throws(() => buildLaunchPlan(missing, host(), { launcherPid: 1, hostPath: '/bin:/usr/bin' }), { code: 'COMMAND_NOT_FOUND', message: 'command not found: nothere (searched /bin:/usr/bin)' });
});

t.test('a directory is not a command: skipped on PATH like execvp does, refused as a path (126)', async (t) => {
  const h = host({ '/bin/tool': { dir: true } });
  const spec = normalizeJailSpec({ autoLibs: false, command: ['tool'] }, '/');
  t.match(buildLaunchPlan(spec, h, { launcherPid: 1, hostPath: '/bin:/usr/bin' }).steps.at(-1), { op: 'execve', path: '/usr/bin/tool' });
  const asPath = normalizeJailSpec({ autoLibs: false, command: ['/bin/tool'] }, '/');
  t.throws(() => buildLaunchPlan(asPath, h, { launcherPid: 1, hostPath: '/bin:/usr/bin' }), { code: 'COMMAND_NOT_EXECUTABLE', message: '/bin/tool: is a directory' });
});

t.test('--userns refuses ids it does not map', async (t) => {
  const h = host({ '/etc/passwd': 'big:x:70000:70000::/:/bin/false\n' });
  t.throws(() => plan({ userns: true, user: 'big' }, h), { code: 'JAIL_INVALID', message: /maps ids 0-65535 only/ });
});
