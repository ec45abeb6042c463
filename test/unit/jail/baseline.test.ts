// The baseline filter's data and what its compiled program decides: refusals on every ABI of the
// host kernel, 32-bit compares for int arguments, capabilities that lift entries, set-ID bits,
// the rules under a --seccomp profile, the prebuilt files, and README documenting every entry.
import { existsSync, readFileSync } from 'node:fs';
import t from 'tap';
import { BASELINE_ENTRIES } from '../../../src/jail/baseline-entries.js';
import { prebuiltBaselinePath } from '../../../src/jail/baseline-file.js';
import { buildBaselineProfile, compileBaseline, type BaselineOptions } from '../../../src/jail/baseline.js';
import { ARCHES, ARCH_NAMES, X32_SYSCALL_BIT, resolveSyscall, type ArchName } from '../../../src/profile/arch.js';
import { compileFilter } from '../../../src/profile/compile.js';
import { emulateConstant, runFilter } from '../../helpers/bpf-run.js';
import { ALLOW, KILL_PROCESS, errno, profileOf, rule } from '../../fixtures/seccomp/profiles.js';

const compiled = new Map<string, ReturnType<typeof compileFilter>>();
function baseline(arch: ArchName = 'x86_64', options: BaselineOptions = {}) {
  const key = `${arch}:${JSON.stringify(options, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`;
  if (!compiled.has(key)) compiled.set(key, compileBaseline(arch, options)!);
  return compiled.get(key)!;
}

/** What the baseline of `arch` answers for `name` on the ABI `abi` (default: `arch`). */
function decide(name: string, args: bigint[] = [], options: { arch?: ArchName; abi?: ArchName; with?: BaselineOptions } = {}): string {
  const arch = options.arch ?? 'x86_64';
  const abi = options.abi ?? arch;
  const nr = resolveSyscall(abi, name);
  if (nr === undefined) throw new Error(`${name} is no syscall on ${abi}`);
  return runFilter(baseline(arch, options.with).instructions, { nr, arch: ARCHES[abi].auditArch, args }, ARCHES[abi].endian).action;
}

const EPERM = 'ERRNO(1)';
const CLONE_NEWUSER = 0x10000000n;
const HIGH = 1n << 32n;
const O_WRONLY = 1n;
const O_CREAT = 0o100n;
const AT_FDCWD = 0xffffff9cn;

t.test('every name is a syscall somewhere, and every syscall gets a single action (no rule order can matter)', async (t) => {
  for (const entry of BASELINE_ENTRIES) {
    for (const name of entry.names) t.ok(ARCH_NAMES.some((a) => resolveSyscall(a, name) !== undefined), name);
  }
  for (const arch of ARCH_NAMES) {
    const actions = new Map<string, Set<string>>();
    for (const r of buildBaselineProfile(arch)!.rules) actions.set(r.syscall, (actions.get(r.syscall) ?? new Set()).add(JSON.stringify(r.action)));
    t.ok([...actions.values()].every((s) => s.size === 1), `${arch}: one action per syscall`);
  }
});

t.test('kernel objects, modules, mounts, clock, ptrace: EPERM on every ABI of an x86_64 kernel', async (t) => {
  for (const name of ['keyctl', 'add_key', 'request_key', 'bpf', 'perf_event_open', 'userfaultfd', 'io_uring_setup', 'kexec_load', 'init_module', 'mount', 'umount2', 'pivot_root', 'open_by_handle_at', 'ptrace', 'process_vm_writev', 'setns', 'settimeofday', 'syslog', 'swapon', 'reboot']) {
    for (const abi of ['x86_64', 'i386', 'x32'] as ArchName[]) {
      if (resolveSyscall(abi, name) !== undefined) t.equal(decide(name, [], { abi }), EPERM, `${name} (${abi})`);
    }
  }
  for (const name of ['read', 'openat', 'clone', 'socket', 'ioctl', 'chmod', 'personality', 'name_to_handle_at', 'adjtimex', 'seccomp']) {
    t.equal(decide(name), 'ALLOW', `${name} with harmless arguments`);
  }
});

t.test('user namespaces: clone and unshare with CLONE_NEWUSER (low word only), clone3 ENOSYS so libcs fall back', async (t) => {
  for (const abi of ['x86_64', 'i386', 'x32'] as ArchName[]) {
    t.equal(decide('unshare', [CLONE_NEWUSER], { abi }), EPERM, `unshare ${abi}`);
    t.equal(decide('clone', [CLONE_NEWUSER | 0x11n], { abi }), EPERM, `clone ${abi}`);
    t.equal(decide('clone', [0x1200011n], { abi }), 'ALLOW', `fork-like clone ${abi}`);
  }
  t.equal(decide('unshare', [CLONE_NEWUSER | HIGH]), EPERM, 'a high word does not hide the flag');
  t.equal(decide('clone3'), 'ERRNO(38)');
  t.equal(decide('clone3', [], { arch: 'mips', abi: 'mips' }), 'ERRNO(89)', 'ENOSYS by name: 89 on MIPS');
});

t.test('int arguments are compared on their low 32 bits (CVE-2019-10063: TIOCSTI | 1 << 32)', async (t) => {
  t.equal(decide('ioctl', [0n, 0x5412n]), EPERM, 'TIOCSTI');
  t.equal(decide('ioctl', [0n, 0x5412n | HIGH]), EPERM, 'TIOCSTI with a high word');
  t.equal(decide('ioctl', [0n, 0x541cn]), EPERM, 'TIOCLINUX');
  t.equal(decide('ioctl', [0n, 0x5401n]), 'ALLOW', 'TCGETS');
  t.equal(decide('ioctl', [0n, 0x5412n], { abi: 'i386' }), EPERM, 'i386');
  t.equal(decide('ioctl', [0n, 0x5472n], { arch: 'mipsel' }), EPERM, 'MIPS numbers its TIOCSTI 0x5472');
  t.equal(decide('socket', [40n | HIGH, 1n, 0n]), EPERM, 'AF_VSOCK with a high word');
  t.equal(decide('socket', [38n, 5n, 0n]), EPERM, 'AF_ALG');
  t.equal(decide('socket', [2n, 1n, 0n]), 'ALLOW', 'AF_INET');
});

t.test('socket through socketcall(2) is not refused: the family sits in memory the filter cannot read', async (t) => {
  const SYS_SOCKET = 1n;
  const args = [SYS_SOCKET, 0x1000n];
  for (const [arch, abi] of [['x86_64', 'i386'], ['i386', 'i386'], ['powerpc', 'powerpc'], ['mips', 'mips'], ['mipsel', 'mipsel']] as [ArchName, ArchName][]) {
    t.equal(decide('socketcall', args, { arch, abi }), 'ALLOW', `socketcall(SYS_SOCKET) on ${abi} (${arch} kernel)`);
    t.equal(decide('socket', [38n, 5n, 0n], { arch, abi }), EPERM, `direct AF_ALG socket() on ${abi} still refused`);
  }
});

t.test('personality: only the values Docker allows', async (t) => {
  for (const v of [0n, 8n, 0x20000n, 0x20008n, 0xffffffffn]) t.equal(decide('personality', [v]), 'ALLOW', `0x${v.toString(16)}`);
  for (const v of [0x400000n /* READ_IMPLIES_EXEC */, 0x40000n /* ADDR_NO_RANDOMIZE */, 0x100000n /* MMAP_PAGE_ZERO */, 8n | HIGH]) {
    t.equal(decide('personality', [v]), EPERM, `0x${v.toString(16)}`);
  }
});

t.test('set-user/group-ID bits: chmod family, mkdir, mknod, files created by open/openat/creat; openat2 ENOSYS', async (t) => {
  t.equal(decide('chmod', [0n, 0o4755n]), EPERM);
  t.equal(decide('chmod', [0n, 0o2755n]), EPERM);
  t.equal(decide('chmod', [0n, 0o755n]), 'ALLOW');
  t.equal(decide('chmod', [0n, 0o4755n | HIGH]), EPERM);
  t.equal(decide('fchmod', [3n, 0o6755n]), EPERM);
  t.equal(decide('fchmodat', [AT_FDCWD, 0n, 0o4755n]), EPERM);
  t.equal(decide('fchmodat2', [AT_FDCWD, 0n, 0o4755n, 0n]), EPERM);
  t.equal(decide('mkdirat', [AT_FDCWD, 0n, 0o2775n]), EPERM);
  t.equal(decide('openat', [AT_FDCWD, 0n, O_CREAT | O_WRONLY, 0o4755n]), EPERM);
  t.equal(decide('openat', [AT_FDCWD, 0n, O_WRONLY, 0o4755n]), 'ALLOW', 'no file created: the mode is not used');
  t.equal(decide('openat', [AT_FDCWD, 0n, O_CREAT | O_WRONLY, 0o644n]), 'ALLOW');
  t.equal(decide('openat', [AT_FDCWD, 0n, 0o20200000n | 2n, 0o4700n]), EPERM, 'O_TMPFILE');
  t.equal(decide('open', [0n, O_CREAT, 0o2755n], { abi: 'i386' }), EPERM, 'i386 open');
  t.equal(decide('creat', [0n, 0o4755n]), EPERM);
  t.equal(decide('openat2'), 'ERRNO(38)');
  t.equal(decide('openat', [AT_FDCWD, 0n, 0x100n | 1n, 0o4755n], { arch: 'mips' }), EPERM, 'MIPS O_CREAT is 0x100');
  t.equal(decide('openat', [AT_FDCWD, 0n, 0x40n | 1n, 0o4755n], { arch: 'mips' }), 'ALLOW', 'and 0x40 is not O_CREAT there');
  t.equal(decide('chmod', [0n, 0o4755n], { with: { allowSuidSgid: true } }), 'ALLOW', '--allow-suid-sgid');
  t.equal(decide('openat2', [], { with: { allowSuidSgid: true } }), 'ALLOW');
});

t.test('a kept capability lifts the entries it makes legitimate, and only those', async (t) => {
  t.equal(decide('settimeofday', [], { with: { keptCaps: ['CAP_SYS_TIME'] } }), 'ALLOW');
  t.equal(decide('mount', [], { with: { keptCaps: ['CAP_SYS_TIME'] } }), EPERM);
  t.equal(decide('unshare', [CLONE_NEWUSER], { with: { keptCaps: ['CAP_SYS_ADMIN'] } }), 'ALLOW');
  t.equal(decide('keyctl', [], { with: { keptCaps: ['CAP_SYS_ADMIN'] } }), EPERM, 'keyrings: no capability lifts it');
});

t.test('under a profile: only what it leaves to an allowing default, plus set-ID bits on calls it allows', async (t) => {
  const allowList = profileOf(KILL_PROCESS, [rule('read', ALLOW), rule('chmod', ALLOW), rule('openat', ALLOW), rule('mkdir', errno(13))]);
  const under = buildBaselineProfile('x86_64', { profile: allowList })!;
  t.same([...new Set(under.rules.map((r) => r.syscall))].sort(), ['chmod', 'openat'], 'the profile refuses the rest itself');
  const denyList = profileOf(ALLOW, [rule('keyctl', ALLOW), rule('bpf', KILL_PROCESS), rule('chmod', errno(1))]);
  const names = new Set(buildBaselineProfile('x86_64', { profile: denyList })!.rules.map((r) => r.syscall));
  t.notOk(names.has('keyctl'), 'allowed by name: the profile decides');
  t.notOk(names.has('bpf'), 'killed by the profile: no EPERM in front of its kill');
  t.notOk(names.has('chmod'), 'refused by the profile');
  t.ok(names.has('add_key') && names.has('mount') && names.has('openat'), 'left to the default: the baseline adds its refusals');
  t.equal(buildBaselineProfile('x86_64', { profile: profileOf(KILL_PROCESS, [rule('read', ALLOW)]), allowSuidSgid: true }), undefined, 'nothing left: no filter');
});

t.test('ordinary calls stay in the kernel\'s action cache: decided from arch and number alone', async (t) => {
  const { instructions } = baseline();
  for (const name of ['read', 'write', 'mmap', 'futex', 'epoll_wait', 'close', 'getpid']) {
    t.equal(emulateConstant(instructions, resolveSyscall('x86_64', name)!, ARCHES.x86_64.auditArch), 0x7fff0000, name);
  }
  t.equal(emulateConstant(instructions, X32_SYSCALL_BIT + resolveSyscall('x32', 'read')!, ARCHES.x86_64.auditArch), 0x7fff0000, 'x32 read');
  t.ok(instructions.length < 1024, `${instructions.length} instructions`);
});

t.test('the prebuilt filters are what the compiler makes today (npm run build:ts rebuilds them)', async (t) => {
  for (const arch of ARCH_NAMES) {
    const path = prebuiltBaselinePath(arch);
    if (!existsSync(path)) { t.fail(`${path} is missing: run npm run build:ts`); continue; }
    t.same(new Uint8Array(readFileSync(path)), baseline(arch).program, arch);
  }
});

t.test('README documents every entry under "### Syscalls and kernel objects"', async (t) => {
  const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('### Syscalls and kernel objects');
  t.ok(start >= 0, 'the section exists');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1) >>> 0 || undefined);
  for (const entry of BASELINE_ENTRIES) for (const name of entry.names) t.match(section, new RegExp(`\`${name}\``), name);
});
