// Arch table, Node arch mapping, generated syscall tables (offsets, x32 bit, kernel additions)
// and errno families; the tables must match what scripts/gen-syscalls.mjs generates.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import {
  ARCHES, ARCH_NAMES, X32_SYSCALL_BIT, archFromNode, kernelGroupOf, resolveArch, resolveSyscall, syscallName, syscallTable,
} from '../../../src/profile/arch.js';
import { errnoName, errnoTable, resolveErrno } from '../../../src/profile/errno.js';
import { SYSCALL_TABLES } from '../../../src/profile/syscalls/index.js';
import { hasLibseccomp } from '../../helpers/libseccomp.js';

t.test('resolveArch() takes our names, SCMP_ARCH_* names and Node names', async (t) => {
  t.equal(resolveArch('x86_64').auditArch, 0xc000003e);
  t.equal(resolveArch('SCMP_ARCH_X86').name, 'i386');
  t.equal(resolveArch('SCMP_ARCH_MIPSEL64N32').auditArch, 0xe0000008);
  t.equal(resolveArch('arm64').name, 'aarch64');
  t.throws(() => resolveArch('sparc'), { code: 'ARCH_UNKNOWN', message: 'unknown architecture "sparc"' });
  for (const name of ARCH_NAMES) t.equal(resolveArch(ARCHES[name].scmpName).name, name);
});

t.test('archFromNode() maps process.arch, ppc64 by endianness', async (t) => {
  t.equal(archFromNode('x64'), 'x86_64');
  t.equal(archFromNode('ia32'), 'i386');
  t.equal(archFromNode('ppc64', 'LE'), 'ppc64le');
  t.equal(archFromNode('ppc64', 'BE'), 'ppc64');
  t.equal(archFromNode('mipsel'), 'mipsel');
  t.throws(() => archFromNode('s390x'), { code: 'ARCH_UNKNOWN' });
  t.equal(archFromNode(), archFromNode(process.arch), 'defaults to this process');
});

t.test('audit arch flags agree with endianness and word size', async (t) => {
  for (const name of ARCH_NAMES) {
    const a = ARCHES[name];
    t.equal((a.auditArch & 0x40000000) !== 0, a.endian === 'little', `${name} __AUDIT_ARCH_LE`);
    if (name !== 'x32' && !name.endsWith('n32')) t.equal((a.auditArch & 0x80000000) !== 0, a.bits === 64, `${name} __AUDIT_ARCH_64BIT`);
  }
  t.same(kernelGroupOf('mips64'), ['mips64', 'mips', 'mips64n32']);
  t.same(kernelGroupOf('aarch64'), ['aarch64', 'arm']);
});

t.test('syscall tables: ABI offsets, x32 bit, additions beyond libseccomp 2.5.4', async (t) => {
  t.equal(resolveSyscall('x86_64', 'read'), 0);
  t.equal(resolveSyscall('x32', 'read'), X32_SYSCALL_BIT);
  t.equal(resolveSyscall('x32', 'rt_sigaction'), X32_SYSCALL_BIT + 512);
  t.equal(resolveSyscall('mips', 'read'), 4003);
  t.equal(resolveSyscall('mips64', 'read'), 5000);
  t.equal(resolveSyscall('mips64n32', 'read'), 6000);
  t.equal(resolveSyscall('arm', 'cacheflush'), 0xf0002);
  t.equal(resolveSyscall('aarch64', 'open'), undefined, 'no open on arm64');
  t.equal(resolveSyscall('x86_64', 'toString'), undefined, 'not fooled by Object.prototype');
  for (const [table, info] of Object.entries(SYSCALL_TABLES)) {
    t.equal(info.syscalls.mseal, info.base + 462, `${table}: mseal`);
    t.equal(info.syscalls.listns, info.base + 470, `${table}: listns`);
    t.equal(info.syscalls.cachestat, info.base + 451, `${table}: cachestat`);
    t.equal(info.newAbove, info.base + 470, `${table}: newest number`);
  }
  t.equal(resolveSyscall('arm', 'memfd_secret'), undefined, 'memfd_secret needs ARCH_HAS_SET_DIRECT_MAP');
  t.equal(resolveSyscall('riscv64', 'riscv_hwprobe'), 258);
  t.equal(resolveSyscall('x86_64', 'uretprobe'), 335);
  t.equal(syscallName('mipsel', 4003), 'read');
  t.equal(syscallName('ppc64', 383), 'statx');
  t.equal(syscallTable('mips64el'), syscallTable('mips64'));
});

t.test('errno tables per family', async (t) => {
  t.equal(resolveErrno('generic', 'ENOSYS'), 38);
  t.equal(resolveErrno('mips', 'ENOSYS'), 89);
  t.equal(resolveErrno('powerpc', 'ENOSYS'), 38);
  t.equal(resolveErrno('generic', 'eperm'), 1);
  t.equal(resolveErrno('generic', 'EDEADLOCK'), 35);
  t.equal(resolveErrno('mips', 'EDEADLOCK'), 56);
  t.equal(resolveErrno('powerpc', 'EDEADLOCK'), 58);
  t.equal(resolveErrno('mips', 'EDQUOT'), 1133);
  t.equal(resolveErrno('generic', 'ENOTSUP'), 95);
  t.equal(resolveErrno('generic', 'EWOULDBLOCK'), 11);
  t.equal(resolveErrno('generic', 'ENOPE'), undefined);
  t.equal(errnoName('generic', 11), 'EAGAIN');
  t.equal(errnoName('mips', 89), 'ENOSYS');
  t.equal(errnoName('powerpc', 58), 'EDEADLOCK');
  for (const family of ['generic', 'mips', 'powerpc'] as const) {
    const names = Object.keys(errnoTable(family));
    t.ok(names.length >= 133, `${family}: ${names.length} names`);
  }
});

t.test('the committed syscall tables are what scripts/gen-syscalls.mjs generates', { skip: hasLibseccomp ? false : 'needs python3-seccomp' }, async (t) => {
  const script = fileURLToPath(new URL('../../../../scripts/gen-syscalls.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
});
