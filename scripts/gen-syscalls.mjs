#!/usr/bin/env node
// Generates src/profile/syscalls/<table>.ts (kernel syscall name -> number, one table per ABI)
// from libseccomp (Debian python3-seccomp, asked through /usr/bin/python3) plus the additions
// below for syscalls newer than that libseccomp. Run: node scripts/gen-syscalls.mjs [--check]
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'src', 'profile', 'syscalls');
const X32_BIT = 0x40000000;

/**
 * One table per syscall ABI. `base` is the ABI's offset (MIPS o32 4000, n64 5000, n32 6000, x32
 * sets __X32_SYSCALL_BIT); `scan` lists [from, to) ranges asked from libseccomp by number; `kernel`
 * names the syscall.tbl the additions come from.
 */
const TABLES = [
  { name: 'x86_64', scmp: 'X86_64', base: 0, scan: [[0, 600]], kernel: 'arch/x86/entry/syscalls/syscall_64.tbl' },
  { name: 'i386', scmp: 'X86', base: 0, scan: [[0, 600]], kernel: 'arch/x86/entry/syscalls/syscall_32.tbl' },
  { name: 'x32', scmp: 'X32', base: X32_BIT, scan: [[X32_BIT, X32_BIT + 600]], kernel: 'arch/x86/entry/syscalls/syscall_64.tbl (common, x32)' },
  { name: 'aarch64', scmp: 'AARCH64', base: 0, scan: [[0, 600]], kernel: 'scripts/syscall.tbl (arm64)' },
  { name: 'arm', scmp: 'ARM', base: 0, scan: [[0, 600], [0xf0000, 0xf0800]], kernel: 'arch/arm/tools/syscall.tbl' },
  { name: 'mips', scmp: 'MIPS', base: 4000, scan: [[4000, 4600]], kernel: 'arch/mips/kernel/syscalls/syscall_o32.tbl' },
  { name: 'mips64', scmp: 'MIPS64', base: 5000, scan: [[5000, 5600]], kernel: 'arch/mips/kernel/syscalls/syscall_n64.tbl' },
  { name: 'mips64n32', scmp: 'MIPS64N32', base: 6000, scan: [[6000, 6600]], kernel: 'arch/mips/kernel/syscalls/syscall_n32.tbl' },
  { name: 'riscv64', scmp: 'RISCV64', base: 0, scan: [[0, 600]], kernel: 'scripts/syscall.tbl (riscv 64)' },
  { name: 'powerpc', scmp: 'PPC', base: 0, scan: [[0, 600]], kernel: 'arch/powerpc/kernel/syscalls/syscall.tbl (32, nospu)' },
  { name: 'ppc64le', scmp: 'PPC64LE', base: 0, scan: [[0, 600]], kernel: 'arch/powerpc/kernel/syscalls/syscall.tbl (64, nospu)' },
];

/**
 * Syscalls numbered alike on every ABI above (offset by `base`), from the kernel's syscall.tbl
 * files of Linux 6.19 (424-470 are "common" everywhere; the kernel version adding each is noted).
 * libseccomp 2.5.4 knows up to some of them; where both know a name the numbers must agree.
 */
const GENERIC = [
  [424, 'pidfd_send_signal', '5.1'], [425, 'io_uring_setup', '5.1'], [426, 'io_uring_enter', '5.1'],
  [427, 'io_uring_register', '5.1'], [428, 'open_tree', '5.2'], [429, 'move_mount', '5.2'],
  [430, 'fsopen', '5.2'], [431, 'fsconfig', '5.2'], [432, 'fsmount', '5.2'], [433, 'fspick', '5.2'],
  [434, 'pidfd_open', '5.3'], [435, 'clone3', '5.3'], [436, 'close_range', '5.9'], [437, 'openat2', '5.6'],
  [438, 'pidfd_getfd', '5.6'], [439, 'faccessat2', '5.8'], [440, 'process_madvise', '5.10'],
  [441, 'epoll_pwait2', '5.11'], [442, 'mount_setattr', '5.12'], [443, 'quotactl_fd', '5.14'],
  [444, 'landlock_create_ruleset', '5.13'], [445, 'landlock_add_rule', '5.13'],
  [446, 'landlock_restrict_self', '5.13'], [447, 'memfd_secret', '5.14'], [448, 'process_mrelease', '5.15'],
  [449, 'futex_waitv', '5.16'], [450, 'set_mempolicy_home_node', '5.17'], [451, 'cachestat', '6.5'],
  [452, 'fchmodat2', '6.6'], [453, 'map_shadow_stack', '6.6'], [454, 'futex_wake', '6.7'],
  [455, 'futex_wait', '6.7'], [456, 'futex_requeue', '6.7'], [457, 'statmount', '6.8'],
  [458, 'listmount', '6.8'], [459, 'lsm_get_self_attr', '6.8'], [460, 'lsm_set_self_attr', '6.8'],
  [461, 'lsm_list_modules', '6.8'], [462, 'mseal', '6.10'], [463, 'setxattrat', '6.13'],
  [464, 'getxattrat', '6.13'], [465, 'listxattrat', '6.13'], [466, 'removexattrat', '6.13'],
  [467, 'open_tree_attr', '6.15'], [468, 'file_getattr', '6.17'], [469, 'file_setattr', '6.17'],
  [470, 'listns', '6.19'],
];

/** Generic numbers that some ABIs leave unassigned (memfd_secret needs ARCH_HAS_SET_DIRECT_MAP). */
const GENERIC_ONLY_ON = { memfd_secret: ['x86_64', 'i386', 'x32', 'aarch64', 'riscv64'] };

/** ABI-specific additions: [table, number without base, name, kernel version]. */
const SPECIFIC = [
  ['x86_64', 335, 'uretprobe', '6.11'], ['x86_64', 336, 'uprobe', '6.18'],
  ['x32', 335, 'uretprobe', '6.11'], ['x32', 336, 'uprobe', '6.18'],
  ['riscv64', 258, 'riscv_hwprobe', '6.4'],
];

const PYTHON = `
import json, sys, seccomp
req = json.load(sys.stdin)
out = {}
for t in req['tables']:
    arch = getattr(seccomp.Arch, t['scmp'])
    names = {}
    for lo, hi in t['scan']:
        for nr in range(lo, hi):
            try:
                names[seccomp.resolve_syscall(arch, nr).decode()] = nr
            except Exception:
                pass
    # names libseccomp knows but not on this ABI: it gives them a negative pseudo number
    absent = [n for n in req['added'] if seccomp.resolve_syscall(arch, n) < -1]
    out[t['name']] = {'names': names, 'absent': absent}
json.dump(out, sys.stdout)
`;

function readLibseccomp() {
  const added = [...GENERIC.map(([, name]) => name), ...SPECIFIC.map(([, , name]) => name)];
  const r = spawnSync('/usr/bin/python3', ['-c', PYTHON], { input: JSON.stringify({ tables: TABLES, added }), encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`gen-syscalls: /usr/bin/python3 with python3-seccomp failed: ${r.stderr || r.error}\n` +
      'hint: apt-get install python3-seccomp');
  }
  return JSON.parse(r.stdout);
}

function addEntry(table, names, name, nr, origin) {
  const known = names[name];
  if (known !== undefined && known !== nr) {
    throw new Error(`gen-syscalls: ${table.name} ${name}: libseccomp says ${known}, ${origin} says ${nr}`);
  }
  names[name] = nr;
}

/**
 * libseccomp's numbers plus the kernel additions it lacks. A name libseccomp knows but places on
 * other ABIs only (map_shadow_stack is x86_64's, not x32's) is not added: jailctl decides as
 * libseccomp does, so a rule for it is skipped there as runc skips it.
 */
function completeTable(table, { names, absent }) {
  for (const [offset, name, version] of GENERIC) {
    const only = GENERIC_ONLY_ON[name];
    if (only && !only.includes(table.name)) continue;
    if (absent.includes(name)) continue;
    addEntry(table, names, name, table.base + offset, `Linux ${version} ${table.kernel}`);
  }
  for (const [tableName, offset, name, version] of SPECIFIC) {
    if (tableName === table.name && !absent.includes(name)) addEntry(table, names, name, table.base + offset, `Linux ${version}`);
  }
  return names;
}

/** Highest number of the ABI's main block (not x32's 512-547 nor ARM's private 0xf0000 calls). */
function mainBlockMax(table, names) {
  return Math.max(...Object.values(names).filter((nr) => nr - table.base < 512));
}

function renderTable(table, names) {
  const entries = Object.entries(names).sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  const lines = entries.map(([name, nr]) => `  ${name}: ${num(nr)},`);
  return [
    '// generated by scripts/gen-syscalls.mjs — do not edit',
    `// ${table.name} syscall numbers: libseccomp 2.5.4 plus Linux 6.19 ${table.kernel} (see the generator).`,
    '// Built on first use: a trace or a profile of one kernel needs one to three of the tables.',
    'let table: Readonly<Record<string, number>> | undefined;',
    '',
    'export function syscalls(): Readonly<Record<string, number>> {',
    '  return (table ??= {',
    ...lines.map((l) => `  ${l}`),
    '  });',
    '}',
    '',
  ].join('\n');
}

function renderIndex(limits) {
  const imports = TABLES.map((t) => `import { syscalls as ${ident(t.name)} } from './${t.name}.js';`);
  const rows = TABLES.map((t) => `  ${t.name}: { get syscalls() { return ${ident(t.name)}(); }, base: ${num(t.base)}, newAbove: ${num(limits[t.name])} },`);
  return [
    '// generated by scripts/gen-syscalls.mjs — do not edit',
    '// One syscall table per ABI; `newAbove` is the highest number of the main block: unknown numbers',
    '// above it are syscalls newer than the table.',
    ...imports,
    '',
    'export interface SyscallTable {',
    '  readonly syscalls: Readonly<Record<string, number>>;',
    '  readonly base: number;',
    '  readonly newAbove: number;',
    '}',
    '',
    'export const SYSCALL_TABLES = {',
    ...rows,
    '} as const satisfies Record<string, SyscallTable>;',
    '',
    'export type SyscallTableName = keyof typeof SYSCALL_TABLES;',
    '',
  ].join('\n');
}

/** Numbers with flag bits (x32) or ARM's private range read better in hex. */
function num(nr) {
  return nr >= 0x10000 ? `0x${nr.toString(16)}` : String(nr);
}

function ident(name) {
  return `${name.toUpperCase()}_SYSCALLS`;
}

function main() {
  const check = process.argv.includes('--check');
  const raw = readLibseccomp();
  const files = new Map();
  const limits = {};
  for (const table of TABLES) {
    const names = completeTable(table, raw[table.name]);
    limits[table.name] = mainBlockMax(table, names);
    files.set(join(outDir, `${table.name}.ts`), renderTable(table, names));
  }
  files.set(join(outDir, 'index.ts'), renderIndex(limits));
  let stale = 0;
  for (const [path, text] of files) {
    if (!check) writeFileSync(path, text);
    else if (safeRead(path) !== text) { stale++; console.error(`stale: ${path}`); }
  }
  if (stale) process.exit(1);
}

function safeRead(path) {
  try { return readFileSync(path, 'utf8'); } catch { return ''; }
}

main();
