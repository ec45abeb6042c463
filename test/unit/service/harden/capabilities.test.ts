// The capabilities a traced service exercised (src/service/harden/capabilities.ts) and the
// evidence they come from (evidence.ts): records in, capabilities with reasons out, no root.
import t from 'tap';
import { ARCHES, resolveSyscall } from '../../../../src/profile/arch.js';
import { inferCapabilities } from '../../../../src/service/harden/capabilities.js';
import { buildHardenCaptures, EvidenceCollector, type Evidence } from '../../../../src/service/harden/evidence.js';
import type { TraceRecord } from '../../../../src/trace/records.js';
import { FakeHost } from '../../../helpers/fake-host.js';

const AUDIT = ARCHES.x86_64.auditArch;
const nr = (name: string): number => resolveSyscall('x86_64', name)!;
const value = (pid: number, name: string, v: number, flags: number, ret = 0): TraceRecord => ({ type: 'value', pid, auditArch: AUDIT, nr: nr(name), ret: BigInt(ret), value: BigInt(v), flags: BigInt(flags) });
const path = (pid: number, name: string, p: string, flags = 0, ret = 3): TraceRecord => ({ type: 'path', pid, auditArch: AUDIT, nr: nr(name), ret: BigInt(ret), dirfd: -100n, flags: BigInt(flags), path: p });
const bind = (pid: number, port: number, ret = 0): TraceRecord => {
  const bytes = new Uint8Array(16);
  new DataView(bytes.buffer).setUint16(0, 2, true);
  new DataView(bytes.buffer).setUint16(2, port, false);
  bytes.set([127, 0, 0, 1], 4);
  return { type: 'bytes', pid, auditArch: AUDIT, nr: nr('bind'), ret: BigInt(ret), bytes };
};

const host = new FakeHost({
  '/etc/passwd': 'root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\nalice:x:1000:1000::/home/alice:/bin/sh\n',
  '/etc/group': 'root:x:0:\nnogroup:x:65534:\nstaff:x:50:nobody\n',
  '/srv/open': { kind: 'file', data: new Uint8Array(), mode: 0o644, uid: 1000, gid: 1000 },
  '/srv/secret': { kind: 'file', data: new Uint8Array(), mode: 0o600, uid: 1000, gid: 1000 },
  '/srv/group-only': { kind: 'file', data: new Uint8Array(), mode: 0o640, uid: 1000, gid: 50 },
  '/srv/mine': { kind: 'file', data: new Uint8Array(), mode: 0o600, uid: 0, gid: 0 },
  '/home/alice': { kind: 'dir', mode: 0o700, uid: 1000 },
  '/home/alice/notes': { kind: 'file', data: new Uint8Array(), mode: 0o644, uid: 1000, gid: 1000 },
  '/var/lib/d': { kind: 'dir', mode: 0o755, uid: 1000 },
});
const groupsOf = (ids: { uid: number }): number[] => (ids.uid === 65534 ? [50] : []);

function infer(records: TraceRecord[], syscalls: string[] = [], start = { uid: 0, gid: 0 }) {
  const c = new EvidenceCollector('x86_64', start);
  for (const r of records) c.push(r);
  return { ...inferCapabilities({ evidence: c.evidence, syscalls, host, groupsOf }), evidence: c.evidence };
}
const names = (r: { capabilities: Record<string, string[]> }): string[] => Object.keys(r.capabilities);

t.test('the harden captures: the set*id calls, kill and setsockopt with their arguments, every ABI of the host', async (t) => {
  const captures = buildHardenCaptures('x86_64');
  t.ok(captures.some((c) => c.nr === nr('setresuid') && c.arg === 0 && c.flagsArg === 1 && c.auditArch === AUDIT), 'setresuid: ruid and euid');
  t.ok(captures.some((c) => c.nr === resolveSyscall('i386', 'setuid32') && c.auditArch === ARCHES.i386.auditArch), 'i386 setuid32');
  t.ok(captures.every((c) => c.kind === 'value'));
});

t.test('ports below 1024 need CAP_NET_BIND_SERVICE; higher ports and failed binds nothing', async (t) => {
  t.same(infer([bind(1, 53)]).capabilities, { CAP_NET_BIND_SERVICE: ['bind 127.0.0.1:53'] });
  t.same(names(infer([bind(1, 8080)])), []);
  t.same(names(infer([bind(1, 80, -13)])), [], 'EACCES: it did not get the port');
});

t.test('set*id: becoming someone else needs SETUID/SETGID, staying the same does not; setgroups always SETGID', async (t) => {
  const r = infer([value(1, 'setgroups', 0, -1), value(1, 'setgid', 65534, -1), value(1, 'setuid', 65534, -1)]);
  t.same(names(r), ['CAP_SETGID', 'CAP_SETUID']);
  t.same(names(infer([value(1, 'setuid', 0, -1)])), [], 'setuid(0) as root changes nothing');
  t.same(names(infer([value(1, 'setresuid', -1, 1000, -1)])), [], 'a failed call needs nothing');
});

t.test('the ids are followed: after setuid(65534) the same process reads as nobody, its child too; a failed setuid changes nothing', async (t) => {
  const r = infer([value(1, 'setuid', 65534, -1), { type: 'spawn', pid: 2, parent: 1, thread: false }, path(2, 'openat', '/srv/secret')]);
  t.same(r.capabilities['CAP_DAC_READ_SEARCH'], ['read /srv/secret as uid 65534']);
  const failed = infer([value(1, 'setuid', 65534, -1, -1), path(1, 'openat', '/srv/mine')]);
  t.same(names(failed), [], 'still root, reading its own file');
});

t.test('DAC: reads need DAC_READ_SEARCH, writes and creations DAC_OVERRIDE, only where the mode bits refuse', async (t) => {
  t.same(names(infer([path(1, 'openat', '/srv/open')])), [], 'world-readable');
  t.same(names(infer([path(1, 'openat', '/srv/mine')])), [], "root's own file");
  t.same(infer([path(1, 'openat', '/srv/secret')]).capabilities, { CAP_DAC_READ_SEARCH: ['read /srv/secret as uid 0'] });
  t.same(infer([path(1, 'openat', '/srv/open', 0o1)]).capabilities, { CAP_DAC_OVERRIDE: ['write /srv/open as uid 0'] }, 'O_WRONLY');
  t.same(infer([path(1, 'openat', '/home/alice/notes')]).capabilities, { CAP_DAC_READ_SEARCH: ['search /home/alice as uid 0'] }, 'a directory it may not search');
  t.same(infer([path(1, 'mkdirat', '/var/lib/d/new', 0o755, 0)]).capabilities, { CAP_DAC_OVERRIDE: ['mkdirat in /var/lib/d as uid 0'] });
  t.same(names(infer([path(1, 'openat', '/srv/group-only')], [], { uid: 65534, gid: 65534 })), [], 'nobody reads it through its supplementary group');
  t.same(names(infer([path(1, 'openat', '/srv/secret', 0, -13)])), [], 'a refused open needs nothing');
  t.same(names(infer([path(1, 'openat', '/proc/1/environ')])), [], '/proc is not judged by mode bits');
});

t.test('chroot, chown, chmod of another\'s file, mknod of a device', async (t) => {
  t.same(infer([path(1, 'chroot', '/srv', -1, 0)]).capabilities, { CAP_SYS_CHROOT: ['chroot /srv'] });
  t.same(names(infer([path(1, 'fchownat', '/srv/mine', 0, 0)])), ['CAP_CHOWN']);
  t.same(names(infer([value(1, 'fchown', 65534, 65534)])), ['CAP_CHOWN']);
  t.same(names(infer([value(1, 'fchown', 65534, 65534)], [], { uid: 1000, gid: 1000 })), [], 'not root: only its own groups, no capability');
  t.same(names(infer([path(1, 'fchmodat', '/srv/open', 0o644, 0)])), ['CAP_FOWNER']);
  t.same(names(infer([path(1, 'mknodat', '/srv/dev', 0o020600, 0)])), ['CAP_MKNOD']);
  t.same(names(infer([path(1, 'mknodat', '/srv/fifo', 0o010600, 0)])), [], 'a fifo needs no CAP_MKNOD');
  t.same(names(infer([path(1, 'mknodat', '/var/lib/d/fifo', 0o010600, 0)])), ['CAP_DAC_OVERRIDE'], "in another user's directory");
});

t.test('sockets: raw and packet need NET_RAW, raw netlink does not; setsockopt SO_BINDTODEVICE and IP_TRANSPARENT', async (t) => {
  t.same(names(infer([value(1, 'socket', 2, 3, 3)])), ['CAP_NET_RAW'], 'AF_INET SOCK_RAW');
  t.same(names(infer([value(1, 'socket', 17, 2, 3)])), ['CAP_NET_RAW'], 'AF_PACKET');
  t.same(names(infer([value(1, 'socket', 16, 3 | 0o2000000, 3)])), [], 'AF_NETLINK SOCK_RAW|SOCK_CLOEXEC');
  t.same(names(infer([value(1, 'socket', 2, 2, 3)])), [], 'UDP');
  t.same(names(infer([value(1, 'setsockopt', 1, 25)])), ['CAP_NET_RAW']);
  t.same(names(infer([value(1, 'setsockopt', 0, 19)])), ['CAP_NET_ADMIN']);
  t.same(names(infer([value(1, 'setsockopt', 1, 2)])), [], 'SO_REUSEADDR');
});

t.test('kill: another uid of the tree needs CAP_KILL, the same uid not; outside the tree is a note', async (t) => {
  const tree = [{ type: 'spawn', pid: 2, parent: 1, thread: false } as TraceRecord, value(2, 'setuid', 65534, -1)];
  t.same(names(infer([...tree, value(1, 'kill', 2, 15)])), ['CAP_KILL', 'CAP_SETUID']);
  t.same(names(infer([{ type: 'spawn', pid: 2, parent: 1, thread: false }, value(1, 'kill', 2, 15)])), []);
  const outside = infer([value(1, 'kill', 999, 0)]);
  t.same(names(outside), []);
  t.match(outside.notes, [/kill\(999, 0\): a process outside the service/]);
});

t.test('privileged syscalls by name; capset is a note', async (t) => {
  const r = infer([], ['mount', 'read', 'settimeofday', 'capset']);
  t.same(names(r), ['CAP_SYS_ADMIN', 'CAP_SYS_TIME']);
  t.match(r.notes, [/capset\(\)/]);
});

t.test('evidence carries the errno of a failed call', async (t) => {
  const { evidence } = infer([bind(1, 53, -98)]);
  t.match(evidence, [{ kind: 'bind', ok: false, errno: 'EADDRINUSE' } as Partial<Evidence>]);
});
