// Docker's and Podman's own profile format (src/profile/docker.ts), decided as dockerd does for
// one arch, capability set and kernel: archMap, includes/excludes by arches, caps and minKernel,
// name, Podman's errno names. Uses test/fixtures/profiles-compat/{docker,podman}-style.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ARCHES, resolveSyscall, type ArchName } from '../../../src/profile/arch.js';
import { compileFilter } from '../../../src/profile/compile.js';
import { DOCKER_DEFAULT_CAPS } from '../../../src/profile/docker.js';
import { explainProfile } from '../../../src/profile/explain.js';
import { parseProfile, type ParseOptions } from '../../../src/profile/parse.js';
import { runFilter } from '../../helpers/bpf-run.js';
import { REPO } from '../../helpers/jailctl.js';

const DOCKER = readFileSync(join(REPO, 'test/fixtures/profiles-compat/docker-style.json'), 'utf8');
const PODMAN = readFileSync(join(REPO, 'test/fixtures/profiles-compat/podman-style.json'), 'utf8');

function read(text: string, arch: ArchName, docker: ParseOptions['docker'] = {}) {
  const r = parseProfile(text, 'd.json', { arch, docker: { kernel: '6.1.0-18-amd64', ...docker } });
  return r;
}

function decide(text: string, arch: ArchName, name: string, docker: ParseOptions['docker'] = {}, args: bigint[] = []): string {
  const r = read(text, arch, docker);
  if (r.problems.length > 0 || r.parsed === undefined) throw new Error(r.problems.join('\n'));
  const filter = compileFilter(r.parsed.profile, arch);
  return runFilter(filter.instructions, { nr: resolveSyscall(arch, name)!, arch: ARCHES[arch].auditArch, args }, ARCHES[arch].endian).action;
}

const names = (text: string, arch: ArchName, docker: ParseOptions['docker'] = {}) => new Set(read(text, arch, docker).parsed!.profile.rules.map((r) => r.syscall));

t.test('the format is recognized by its own keys; plain OCI stays OCI', async (t) => {
  t.equal(read(DOCKER, 'x86_64').format, 'docker');
  t.equal(parseProfile(JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'mkdir', action: 'SCMP_ACT_ERRNO' }] }), 'o.json').format, 'docker', '"name" (the old form)');
  t.equal(parseProfile(JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', comment: 'x' }] }), 'o.json').format, 'oci');
});

t.test('x86_64 with Docker\'s default capabilities: archMap, arches, caps and minKernel decided as dockerd does', async (t) => {
  const r = read(DOCKER, 'x86_64');
  t.same(r.problems, []);
  t.same(r.warnings, [], 'names of the arches the file is written for are expected');
  t.same(r.parsed!.profile.architectures, ['x86_64', 'i386', 'x32'], 'the archMap entry of x86_64');
  t.same(r.parsed!.docker, { arch: 'x86_64', caps: [...DOCKER_DEFAULT_CAPS], capsLabel: "Docker's default capabilities", kernel: '6.1.0-18-amd64', entries: 14, kept: 7 });
  const have = names(DOCKER, 'x86_64');
  for (const kept of ['read', 'clone3', 'uname', 'ptrace', 'arch_prctl', 'chroot', 'personality']) t.ok(have.has(kept), `${kept} kept`);
  for (const left of ['set_tls', 'mount', 'settimeofday', 'sync_file_range2', 'vhangup', 'kcmp']) t.notOk(have.has(left), `${left} left out`);
  t.equal(decide(DOCKER, 'x86_64', 'mount'), 'ERRNO(1)', 'mount needs CAP_SYS_ADMIN');
  t.equal(decide(DOCKER, 'x86_64', 'personality', {}, [0n]), 'ALLOW');
  t.equal(decide(DOCKER, 'x86_64', 'personality', {}, [8n]), 'ERRNO(1)', 'only the conditional personality rule without CAP_SYS_ADMIN');
  t.equal(decide(DOCKER, 'x86_64', 'clone3'), 'ERRNO(38)');
});

t.test('caps: includes need every cap, excludes drop an entry on any', async (t) => {
  const admin = names(DOCKER, 'x86_64', { caps: ['CAP_SYS_ADMIN'] });
  for (const name of ['mount', 'umount2', 'setns', 'personality']) t.ok(admin.has(name), name);
  t.notOk(admin.has('settimeofday'), 'includes CAP_SYS_TIME and CAP_SYS_ADMIN: both needed');
  t.notOk(admin.has('chroot'), 'CAP_SYS_CHROOT is not in this set');
  t.equal(decide(DOCKER, 'x86_64', 'personality', { caps: ['sys_admin'] }, [8n]), 'ALLOW', 'the unconditional rule replaces the conditional one (names with or without CAP_)');
  t.ok(names(DOCKER, 'x86_64', { caps: ['CAP_SYS_TIME', 'CAP_SYS_ADMIN'] }).has('settimeofday'));
  t.notOk(names(DOCKER, 'x86_64', { caps: [] }).has('chroot'), 'no capabilities');
});

t.test('minKernel: only kernel and major revision count', async (t) => {
  t.notOk(names(DOCKER, 'x86_64', { kernel: '4.4.0' }).has('ptrace'));
  t.ok(names(DOCKER, 'x86_64', { kernel: '4.8-1-amd64' }).has('ptrace'));
  t.ok(names(DOCKER, 'x86_64', { kernel: '5.0' }).has('ptrace'));
  t.equal(decide(DOCKER, 'x86_64', 'ptrace', { kernel: '4.4.0' }), 'ERRNO(1)');
});

t.test('other arches: their archMap entry, or none; their own includes', async (t) => {
  const arm64 = read(DOCKER, 'aarch64');
  t.same(arm64.problems, []);
  t.same(arm64.parsed!.profile.architectures, ['aarch64', 'arm']);
  const have = names(DOCKER, 'aarch64');
  for (const name of ['set_tls', 'cacheflush', 'vhangup']) t.ok(have.has(name), name);
  t.notOk(have.has('arch_prctl'));
  t.equal(decide(DOCKER, 'arm', 'set_tls'), 'ALLOW', '32-bit arm: "arm" is in includes.arches');
  t.same(read(DOCKER, 'arm').parsed!.profile.architectures, [], 'no archMap entry for arm itself: the target only, as dockerd');
  t.same(read(DOCKER, 'mipsel').parsed!.profile.architectures, []);
  t.equal(decide(DOCKER, 'mipsel', 'vhangup'), 'ALLOW');
});

t.test('Podman: errno names resolved for each arch, a number in a string is a number', async (t) => {
  t.same(read(PODMAN, 'x86_64').problems, []);
  t.equal(decide(PODMAN, 'x86_64', 'getpid'), 'ERRNO(38)', 'defaultErrno ENOSYS on x86_64');
  t.equal(decide(PODMAN, 'mipsel', 'getpid'), 'ERRNO(89)', 'and on MIPS');
  t.equal(decide(PODMAN, 'x86_64', 'mkdir'), 'ERRNO(1)', 'errno wins over errnoRet');
  t.equal(decide(PODMAN, 'x86_64', 'unshare'), 'ERRNO(22)');
  t.equal(decide(PODMAN, 'x86_64', 'unshare', { caps: ['CAP_SYS_ADMIN'] }), 'ERRNO(38)', 'excluded with CAP_SYS_ADMIN');
  // AF_NETLINK + NETLINK_AUDIT refused, as Podman does (an unconditional allow after the refusal
  // would be refused by libseccomp on i386's socketcall, where the family test is dropped: EEXIST)
  t.equal(decide(PODMAN, 'x86_64', 'socket', {}, [16n, 3n, 9n]), 'ERRNO(22)');
  t.equal(decide(PODMAN, 'x86_64', 'socket', {}, [16n, 3n, 0n]), 'ALLOW');
  t.equal(decide(PODMAN, 'x86_64', 'socket', {}, [2n, 1n, 0n]), 'ALLOW');
});

t.test('what dockerd refuses is an error naming the path', async (t) => {
  const bad = (obj: unknown, docker: ParseOptions['docker'] = { kernel: '6.1' }) => parseProfile(JSON.stringify(obj), 'b.json', { arch: 'x86_64', docker }).problems;
  t.same(bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'mkdir', names: ['rmdir'], action: 'SCMP_ACT_ERRNO' }] }), [
    'b.json: /syscalls/0/name: both "name" and "names" are given: dockerd refuses that; move the name into "names"',
  ]);
  t.same(bad({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: null }] }), [
    'b.json: /archMap: both "architectures" and "archMap" are given: dockerd refuses that; keep one',
  ]);
  t.match(bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'mkdir', action: 'SCMP_ACT_ERRNO', includes: { minKernel: '4' } }] }), [/\/syscalls\/0\/includes\/minKernel: must match pattern/]);
  t.same(bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'mkdir', action: 'SCMP_ACT_ERRNO', includes: { minKernel: '0.0' } }] }), [
    'b.json: /syscalls/0/includes/minKernel: "0.0" is not a kernel version: write "<kernel>.<major>", such as "4.8"',
  ]);
  t.same(bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'mkdir', action: 'SCMP_ACT_ERRNO', excludes: { minKernel: '4.8' } }] }, {}), [
    'b.json: /syscalls/0/excludes/minKernel: "4.8": the kernel version to compare with is unknown: pass --kernel',
  ]);
  t.same(bad({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrno: 'ENOSUCH', syscalls: [{ name: 'execve', action: 'SCMP_ACT_ALLOW' }] }), [
    'b.json: /defaultErrno: "ENOSUCH" is not an errno name: write one such as "EPERM" or "ENOSYS", or a number',
  ]);
  const noArch = parseProfile(DOCKER, 'd.json', { docker: { kernel: '6.1' } });
  t.match(noArch.problems, [/\(top level\): a Docker-format profile \(archMap, includes, excludes\) is decided for one architecture, and none was given: pass --arch/]);
});

t.test('messages name the entry where it is in the file, whatever was left out before it', async (t) => {
  const profile = {
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['execve', 'read', 'read'], action: 'SCMP_ACT_ALLOW', includes: { minkernel: '4.8' } },
    ],
  };
  const r = parseProfile(JSON.stringify(profile), 'd.json', { arch: 'x86_64', docker: { kernel: '6.1' } });
  t.same(r.problems, []);
  t.same(r.warnings, [
    'd.json: /syscalls/1/includes: unknown key "minkernel" (did you mean "minKernel"?) is ignored, as runc ignores it',
    'd.json: /syscalls/1/names/2: duplicate rule for "read" (ALLOW): /syscalls/1/names/1 says the same; kept once',
  ]);
});

t.test('explain names what the profile was decided for', async (t) => {
  const parsed = read(DOCKER, 'aarch64', { caps: ['CAP_SYS_ADMIN'] }).parsed!;
  t.match(explainProfile(parsed, { label: 'd.json', arch: 'aarch64' }), /^profile: d\.json \(Docker format, decided for aarch64 with CAP_SYS_ADMIN on kernel 6\.1\.0-18-amd64: 8 of 14 entries apply, \d+ rules\)\n/);
});
