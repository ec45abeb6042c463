// Docker's default seccomp profile as a benchmark workload. With JAILCTL_DOCKER_PROFILE naming a
// copy of moby/profiles seccomp/default.json, that file is read (archMap, includes/excludes by arch
// and capability, for Docker's default capability set; minKernel taken as met); without it, a
// profile written here in the same spirit: ERRNO(EPERM) by default, every syscall of the table
// allowed but the ones a container must not make, personality, socket and clone allowed for some
// arguments only, clone3 answered with ENOSYS.
import { readFileSync } from 'node:fs';
import { ARCHES, syscallTable, type ArchName } from '../src/profile/arch.js';
import type { Action, ArgCond, Rule, SeccompProfile } from '../src/profile/model.js';

export interface Workload {
  profile: SeccompProfile;
  /** where it came from, for the benchmark's note */
  source: string;
}

export function dockerDefault(arch: ArchName): Workload {
  const path = process.env.JAILCTL_DOCKER_PROFILE;
  if (path) return { profile: fromDockerFile(JSON.parse(readFileSync(path, 'utf8')) as DockerProfile, arch), source: path };
  return { profile: dockerLike(arch), source: 'a Docker-like profile written here (set JAILCTL_DOCKER_PROFILE for the real one)' };
}

/** Docker's default capabilities (moby oci/caps/defaults.go). */
const DOCKER_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];
/** Go's GOARCH for our ABIs (what Docker's includes/excludes name). */
const GOARCH: Partial<Record<ArchName, string>> = {
  x86_64: 'amd64', i386: '386', aarch64: 'arm64', arm: 'arm', ppc64le: 'ppc64le', riscv64: 'riscv64', mips64: 'mips64', mips64el: 'mips64le',
};

interface DockerFilter { arches?: string[]; caps?: string[]; minKernel?: string }
interface DockerSyscall {
  names: string[]; action: string; errnoRet?: number; args?: { index: number; value: number; valueTwo?: number; op: string }[] | null;
  includes?: DockerFilter; excludes?: DockerFilter;
}
interface DockerProfile {
  defaultAction: string; defaultErrnoRet?: number;
  archMap?: { architecture: string; subArchitectures?: string[] }[]; syscalls: DockerSyscall[];
}

function fromDockerFile(json: DockerProfile, arch: ArchName): SeccompProfile {
  const scmp = ARCHES[arch].scmpName;
  const entry = json.archMap?.find((a) => a.architecture === scmp);
  const architectures = [arch, ...(entry?.subArchitectures ?? []).map((s) => Object.values(ARCHES).find((a) => a.scmpName === s)?.name)]
    .filter((a): a is ArchName => a !== undefined);
  const applies = (f: DockerFilter | undefined, none: boolean) => {
    if (!f || (!f.arches?.length && !f.caps?.length)) return none;
    const archOk = !f.arches?.length || f.arches.includes(GOARCH[arch] ?? arch);
    const capsOk = !f.caps?.length || f.caps.every((c) => DOCKER_CAPS.includes(c));
    return archOk && capsOk;
  };
  const rules: Rule[] = [];
  for (const s of json.syscalls) {
    if (!applies(s.includes, true) || applies(s.excludes, false)) continue;
    const action = dockerAction(s.action, s.errnoRet);
    const args = (s.args ?? []).map((a): ArgCond => ({ index: a.index, op: a.op.replace('SCMP_CMP_', '') as ArgCond['op'], value: BigInt(a.value), valueTwo: BigInt(a.valueTwo ?? 0) }));
    for (const syscall of s.names) rules.push({ syscall, action, args });
  }
  return { defaultAction: dockerAction(json.defaultAction, json.defaultErrnoRet), architectures, flags: [], rules };
}

function dockerAction(name: string, errnoRet: number | undefined): Action {
  switch (name) {
    case 'SCMP_ACT_ERRNO': return { kind: 'ERRNO', errno: errnoRet ?? 1 };
    case 'SCMP_ACT_ALLOW': return { kind: 'ALLOW' };
    case 'SCMP_ACT_KILL_PROCESS': return { kind: 'KILL_PROCESS' };
    case 'SCMP_ACT_LOG': return { kind: 'LOG' };
    default: return { kind: 'KILL_THREAD' };
  }
}

/** What a container must not call (module loading, mounts, namespaces, clocks, keys, tracing ...). */
const DENIED = new Set(['acct', 'add_key', 'bpf', 'clock_adjtime', 'clock_settime', 'clock_settime64', 'create_module',
  'delete_module', 'finit_module', 'fanotify_init', 'fsconfig', 'fsmount', 'fsopen', 'fspick', 'get_kernel_syms',
  'get_mempolicy', 'init_module', 'ioperm', 'iopl', 'kcmp', 'kexec_file_load', 'kexec_load', 'keyctl', 'lookup_dcookie',
  'mbind', 'mount', 'mount_setattr', 'move_mount', 'move_pages', 'name_to_handle_at', 'nfsservctl', 'open_by_handle_at',
  'open_tree', 'perf_event_open', 'pidfd_getfd', 'pivot_root', 'process_madvise', 'process_vm_readv', 'process_vm_writev',
  'ptrace', 'query_module', 'quotactl', 'quotactl_fd', 'reboot', 'request_key', 'set_mempolicy', 'set_mempolicy_home_node',
  'setns', 'settimeofday', 'stime', 'swapoff', 'swapon', 'syslog', '_sysctl', 'sysfs', 'umount', 'umount2', 'unshare',
  'uselib', 'userfaultfd', 'ustat', 'vhangup', 'vm86', 'vm86old', 'personality', 'socket', 'clone', 'clone3',
  'lsm_get_self_attr', 'lsm_set_self_attr', 'lsm_list_modules', 'listmount', 'statmount', 'listns']);

function dockerLike(arch: ArchName): SeccompProfile {
  const allow: Action = { kind: 'ALLOW' };
  const architectures: ArchName[] = arch === 'x86_64' ? ['x86_64', 'i386', 'x32'] : arch === 'aarch64' ? ['aarch64', 'arm'] : [arch];
  // like Docker's list, the names of every ABI the profile is for
  const names = [...new Set(architectures.flatMap((a) => Object.keys(syscallTable(a).syscalls)))].filter((n) => !DENIED.has(n));
  const eq = (index: number, value: bigint): ArgCond => ({ index, op: 'EQ', value });
  const rules: Rule[] = [
    ...names.map((syscall): Rule => ({ syscall, action: allow, args: [] })),
    // personality: the Linux and 32-bit personas and the query (0xffffffff) only
    ...[0n, 8n, 0x20000n, 0x20008n, 0xffffffffn].map((v): Rule => ({ syscall: 'personality', action: allow, args: [eq(0, v)] })),
    // socket: every family but AF_VSOCK (40)
    { syscall: 'socket', action: allow, args: [{ index: 0, op: 'LT', value: 40n }] },
    { syscall: 'socket', action: allow, args: [{ index: 0, op: 'GT', value: 40n }] },
    // clone without namespace flags (CLONE_NEWNS | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET | NEWCGROUP)
    { syscall: 'clone', action: allow, args: [{ index: 0, op: 'MASKED_EQ', value: 0x7e020000n, valueTwo: 0n }] },
    { syscall: 'clone3', action: { kind: 'ERRNO', errno: 38 }, args: [] },
  ];
  return { defaultAction: { kind: 'ERRNO', errno: 1 }, architectures, flags: [], rules };
}
