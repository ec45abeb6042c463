// buildInstanceSpec(): what procd + ujail would run for an instance (jail/jail.c main() and
// post_main(), service/instance.c instance_run()/jail_run()), without root.
import t from 'tap';
import { buildInstanceSpec, PROCD_PATH, ujailNamespaces } from '../../../src/service/instance-spec.js';
import type { ProcdInstance, ProcdJail } from '../../../src/service/procd.js';
import { FakeHost } from '../../helpers/fake-host.js';

const host = (extra: ConstructorParameters<typeof FakeHost>[0] = {}) => new FakeHost({
  '/etc/seccomp/svc.json': '{}',
  '/etc/capabilities/svc.json': '{}',
  '/etc/passwd': 'root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n',
  '/etc/group': 'root:x:0:\nnogroup:x:65534:\n',
  '/etc/resolv.conf': 'nameserver 127.0.0.1\n',
  '/etc/nsswitch.conf': 'hosts: files\n',
  '/etc/ld.so.cache': 'glibc',
  '/srv/www': { dir: true },
  '/dev/log': { kind: 'socket' },
  ...extra,
});

function spec(params: ProcdInstance, h = host()) {
  const notes: string[] = [];
  const s = buildInstanceSpec('svc', 'init script /etc/init.d/svc: instance "i"', { command: ['/usr/sbin/d'], ...params }, h, notes);
  return { s, notes };
}

t.test('no procd_add_jail: no jail, no namespaces, root keeps its capabilities, procd\'s PATH', async (t) => {
  const { s, notes } = spec({ env: { A: '1' } });
  t.same(s.namespaces, []);
  t.equal(s.fs, undefined);
  t.equal(s.capabilities, undefined, 'capabilities are left as they are');
  t.equal(s.noNewPrivs, false, 'no_new_privs only when asked');
  t.same(s.env, { PATH: PROCD_PATH, A: '1' });
  t.same(s.features, ['unjailed']);
  t.same(notes, []);
});

t.test('ujail\'s namespaces: mount only for flags and mounts that need a file system, then pid and ipc', async (t) => {
  const cases: [ProcdJail, string[]][] = [
    [{ name: 'x' }, []],
    [{ name: 'x', requirejail: true }, []],
    [{ name: 'x', mount: {} }, []],
    [{ name: 'x', procfs: true }, ['mount', 'pid', 'ipc']],
    [{ name: 'x', sysfs: true }, ['mount', 'pid', 'ipc']],
    [{ name: 'x', ronly: true }, ['mount', 'pid', 'ipc']],
    [{ name: 'x', log: true }, ['mount', 'pid', 'ipc']],
    [{ name: 'x', ubus: true }, ['mount', 'pid', 'ipc']],
    [{ name: 'x', udebug: true }, ['mount', 'pid', 'ipc']],
    [{ name: 'x', mount: { '/srv/www': '0' } }, ['mount', 'pid', 'ipc']],
    [{ name: 'x', netns: true }, ['pid', 'ipc', 'net']],
    [{ name: 'x', userns: true }, ['pid', 'ipc', 'user']],
    [{ name: 'x', cgroupsns: true }, ['pid', 'ipc', 'cgroup']],
    [{ name: 'x', log: true, netns: true, userns: true }, ['mount', 'pid', 'ipc', 'net', 'user']],
  ];
  for (const [jail, expected] of cases) t.same(ujailNamespaces(jail), expected, JSON.stringify(jail));
});

t.test('procd_add_jail NAME only to drop privileges: no namespace, the user, caps from the file', async (t) => {
  const { s } = spec({ user: 'nobody', group: 'nogroup', capabilities: '/etc/capabilities/svc.json', no_new_privs: true, jail: { name: 'rsyncd', mount: {} } });
  t.same(s.namespaces, []);
  t.equal(s.fs, undefined);
  t.match(s, { user: 'nobody', group: 'nogroup', capabilities: '/etc/capabilities/svc.json', noNewPrivs: true, name: 'rsyncd' });
  t.same(s.env, { container: 'ujail' }, "ujail's environment: the instance's env and container=ujail, nothing else");
  t.same(s.features, ['jail']);
});

t.test("a mount namespace: ujail's tmpfs root, writable unless ronly, its default binds", async (t) => {
  const { s } = spec({ user: 'nobody', jail: { name: 'x', log: true, mount: { '/srv/www': '0', '/etc/seccomp/svc.json': '1' } } });
  t.same(s.namespaces, ['mount', 'pid', 'ipc']);
  t.equal(s.fs?.readOnly, false);
  t.same(s.fs?.binds.map((b) => [b.path, b.writable]), [
    ['/etc/passwd', false], ['/etc/group', false], ['/etc/nsswitch.conf', false], ['/etc/resolv.conf', false],
    ['/dev/log', false], ['/srv/www', false], ['/etc/seccomp/svc.json', true],
  ]);
  t.same(s.features, ['jail', 'rw-root', 'dev', 'log']);
  const ro = spec({ jail: { name: 'x', ronly: true, procfs: true, sysfs: true } }).s;
  t.match(ro.fs, { readOnly: true, proc: true, sys: true });
  t.same(ro.fs?.binds.map((b) => b.path), ['/etc/nsswitch.conf', '/etc/resolv.conf'], 'no user, no passwd/group');
  t.same(ro.features, ['jail', 'ro-root', 'dev', 'proc', 'sys']);
});

t.test('netns: no resolv.conf of the host; without glibc\'s loader cache: no nsswitch.conf', async (t) => {
  const net = spec({ jail: { name: 'x', log: true, netns: true } }).s;
  t.notOk(net.fs?.binds.some((b) => b.path === '/etc/resolv.conf'));
  const noCache = spec({ jail: { name: 'x', log: true } }, new FakeHost({ '/etc/nsswitch.conf': 'x', '/dev/log': { kind: 'socket' } })).s;
  t.notOk(noCache.fs?.binds.some((b) => b.path === '/etc/nsswitch.conf'), 'no glibc loader cache: no nsswitch.conf');
});

t.test('no_new_privs with seccomp, as procd\'s seccomp loader sets it; or when asked', async (t) => {
  t.equal(spec({ seccomp: '/etc/seccomp/svc.json' }).s.noNewPrivs, true);
  t.equal(spec({ no_new_privs: true }).s.noNewPrivs, true);
  t.equal(spec({ no_new_privs: false }).s.noNewPrivs, false);
});

t.test('what procd ignores is ignored, with a note', async (t) => {
  const unknown = spec({ user: 'ghost', group: 'ghosts' });
  t.equal(unknown.s.user, undefined, 'an unknown user: procd runs the service as root');
  t.equal(unknown.s.group, undefined);
  t.match(unknown.notes.join('\n'), /user ghost: no such user .*runs as root.*\n.*group ghosts: no such group/);
  const caps = spec({ capabilities: '/etc/capabilities/svc.json' });
  t.equal(caps.s.capabilities, undefined, 'procd passes capabilities to ujail only');
  t.match(caps.notes.join('\n'), /applies it only with procd_add_jail; ignored/);
  const gone = spec({ jail: { name: 'x', ubus: true, udebug: true, mount: { '/nope': '0' } } }, host());
  t.match(gone.notes.join('\n'), /ubus\.sock does not exist.*\n.*udebug\.sock.*\n.*procd_add_jail_mount \/nope: no such file/);
});

t.test('jailctl_unjailed: the old way to ask for no jail; with a jail it is a contradiction', async (t) => {
  t.same(spec({ jailctl_unjailed: true }).s.namespaces, []);
  t.throws(() => spec({ jailctl_unjailed: true, jail: { name: 'x' } }), /jailctl_unjailed 1 and procd_add_jail contradict each other/);
});
