// Adversarial probes of the jail's file system side, as root, in several configurations: each
// escape class of PRIOR-ART.md §5 that concerns files, mounts, /proc and /sys (leaked fds and
// cwd, propagation, the old root, the supervisor's binary, device nodes, the writable root,
// core_pattern and sysrq, host settings and facts in /proc and /sys, the reaper's /proc/1).
// bwrap is probed beside it for information only. Binds and symlinks: escapes-binds.test.ts.
import { openSync, closeSync, existsSync, readFileSync } from 'node:fs';
import t from 'tap';
import { isRoot } from '../helpers/jailctl.js';
import { WRITABLE_WALK, facts, hasBusybox, hasBwrap, probe, probeBwrap, writablePaths } from '../helpers/jail-probe.js';

if (!isRoot) t.plan(0, 'needs root');
else if (!hasBusybox) t.plan(0, 'needs /bin/busybox (apt-get install busybox)');

const dir = t.testdir({ data: { 'file': 'x' } });
const CONFIGS: Record<string, string[]> = {
  'default': [],
  '--proc --dev': ['--proc', '--dev'],
  '--proc --sys': ['--proc', '--sys'],
  '--user nobody': ['--proc', '--sys', '--user', 'nobody'],
  '--userns': ['--proc', '--sys', '--userns'],
  '--netns': ['--proc', '--netns'],
  '--rw': ['--proc', '--dev', '--rw', `${dir}/data`],
};

// no /tmp unless asked; but a bind below /tmp (a checkout there) makes /tmp its parent directory
const TMP_PROBE = dir.startsWith('/tmp/') ? '' : '/tmp';

/** Everything a service could try on the jail's own file system, in one run per configuration. */
const SURVEY = `
{ echo x > /probe-root; } 2>&- && echo "ROOT_WRITE yes" || echo "ROOT_WRITE no"
{ mkdir /probe-dir; } 2>&- && echo "ROOT_MKDIR yes" || echo "ROOT_MKDIR no"
for p in /oldroot /newroot /masks ${TMP_PROBE}; do [ -e $p ] && echo "EXISTS $p"; done
for n in 3 4 5 6 7 8 9; do { true >&$n; } 2>&- && echo "FD_OPEN $n"; done
if [ -d /proc/self ]; then
  for f in /proc/$$/fd/*; do echo "FD_TARGET $(readlink $f)"; done
  echo "CWD $(readlink /proc/$$/cwd)"
  echo "ROOTLINK $(readlink /proc/$$/root)"
  awk '{ opt = ""; for (i = 7; $i != "-"; i++) opt = opt " " $i; print "MOUNT " $5 " " $6 " [" opt " ] " $(i + 1) }' /proc/self/mountinfo
  { true 3>>/proc/sys/kernel/core_pattern; } 2>&- && echo "CORE_PATTERN writable" || echo "CORE_PATTERN refused"
  { true 3>>/proc/sysrq-trigger; } 2>&- && echo "SYSRQ writable" || echo "SYSRQ refused"
  for f in cmdline environ maps mem stat status; do echo "REAPER_$f $(cat /proc/1/$f 2>&- | wc -c)"; done
  echo "REAPER_fd $(ls /proc/1/fd 2>&- | wc -l)"
  echo "REAPER_exe $(readlink /proc/1/exe 2>&-)"
  echo "LAUNCHER $(find / \\( -path /proc -o -path /sys \\) -prune -o -name 'jailctl-launch*' -print 2>&- | wc -l)"
fi
echo "DEVICES $(find / \\( -path /proc -o -path /sys \\) -prune -o \\( -type c -o -type b \\) -print 2>&- | tr '\\n' ' ')"
echo DONE
`;

interface Mount { point: string; options: string; propagation: string; fstype: string }
const mountsOf = (stdout: string): Mount[] =>
  stdout.split('\n').filter((l) => l.startsWith('MOUNT ')).map((l) => {
    const m = /^MOUNT (\S+) (\S+) \[(.*)\] (\S+)$/.exec(l)!;
    return { point: m[1]!, options: m[2]!, propagation: m[3]!.trim(), fstype: m[4]! };
  });

/** A jailctl started with a host directory open on fd 3 and its cwd in /etc. */
function survey(flags: string[]) {
  const fd = openSync('/etc', 'r');
  try {
    return probe(SURVEY, flags, { stdio: ['ignore', 'pipe', 'pipe', fd], cwd: '/etc' });
  } finally {
    closeSync(fd);
  }
}

for (const [name, flags] of Object.entries(CONFIGS)) {
  t.test(`${name}: the jail's own file system`, async (t) => {
    const r = survey(flags);
    t.equal(r.code, 0, r.stderr);
    const f = facts(r.stdout);
    t.equal(f.get('DONE'), '', 'the probe ran to its end');
    t.equal(f.get('ROOT_WRITE'), 'no', 'the root tmpfs is read-only');
    t.equal(f.get('ROOT_MKDIR'), 'no');
    t.notMatch(r.stdout, /^EXISTS/m, 'no /oldroot, /newroot, /masks, and no /tmp unless asked');
    t.notMatch(r.stdout, /^FD_OPEN/m, 'no descriptor but 0, 1, 2 (fd 3 was a host directory)');
    const devices = (f.get('DEVICES') ?? '').split(' ').filter(Boolean).sort();
    const expected = flags.includes('--dev') ? ['/dev/full', '/dev/null', '/dev/pts/ptmx', '/dev/random', '/dev/tty', '/dev/urandom', '/dev/zero'] : [];
    t.same(devices, expected, 'device nodes: none, or the minimal /dev');
    if (!flags.includes('--proc')) return;
    for (const target of r.stdout.split('\n').filter((l) => l.startsWith('FD_TARGET ')).map((l) => l.slice(10))) {
      t.ok(target === '/dev/null' || /^(pipe|socket|anon_inode):/.test(target), `descriptor leads to ${target}, nothing of the host's tree`);
    }
    t.equal(f.get('CWD'), '/', 'cwd is inside the jail (jailctl ran in /etc)');
    t.equal(f.get('ROOTLINK'), '/');
    const mounts = mountsOf(r.stdout);
    t.ok(mounts.length > 5, `${mounts.length} mounts listed`);
    t.match(mounts[0], { point: '/', fstype: 'tmpfs', options: /^ro,/ }, 'the root is the jail tmpfs, read-only');
    for (const m of mounts) {
      t.notMatch(m.propagation, /shared|master/, `${m.point}: private (no propagation from or to the host)`);
      t.match(m.options, /nosuid/, `${m.point}: nosuid`);
      t.notMatch(m.point, /^\/(oldroot|newroot|masks)/, `${m.point}: nothing of the build stages`);
    }
    t.equal(f.get('CORE_PATTERN'), 'refused', 'kernel.core_pattern (runs a program as host root) is not writable');
    t.equal(f.get('SYSRQ'), 'refused', '/proc/sysrq-trigger is not writable');
    for (const file of ['cmdline', 'environ', 'maps', 'mem', 'stat', 'status', 'fd']) t.equal(f.get(`REAPER_${file}`), '0', `the reaper's /proc/1/${file} shows nothing`);
    t.equal(f.get('REAPER_exe'), '', "the reaper's binary is not reachable through /proc/1/exe");
    t.equal(f.get('LAUNCHER'), '0', 'the launcher binary is not in the jail');
  });
}

// What a jailed uid 0 could write under /proc and /sys, found by opening every file there for
// writing (nothing is written). Per-process entries (/proc/<pid>, self, thread-self) are the
// service's own. The allowed list is empty: nothing outside them needs writing by a service.
const ALLOWED_WRITABLE: readonly string[] = [];
const WALK = `find /proc /sys \\( -path '/proc/[0-9]*' -o -path /proc/self -o -path /proc/thread-self \\) -prune -o \\( -type f -o -type c \\) -print 2>&- | ${WRITABLE_WALK}; echo DONE`;

for (const name of ['--proc --sys', '--user nobody', '--userns', '--netns']) {
  t.test(`${name}: no host setting under /proc or /sys can be written`, async (t) => {
    const r = probe(WALK, CONFIGS[name]!);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, /^DONE$/m);
    t.same(writablePaths(r.stdout).filter((p) => !ALLOWED_WRITABLE.includes(p)), [], 'nothing writable');
  });
}

// Independent of the planner's list: runc's masked paths, the physical-memory and kernel-address
// files, and the host's hardware settings, each hidden wherever this kernel has it.
const MUST_HIDE_FILES = ['/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug',
  '/proc/kpageflags', '/proc/kpagecount', '/proc/kpagecgroup', '/proc/kallsyms', '/proc/kmsg', '/proc/iomem', '/proc/vmallocinfo',
  '/proc/pagetypeinfo', '/proc/slabinfo', '/proc/sysrq-trigger'];
const MUST_HIDE_DIRS = ['/proc/acpi', '/proc/scsi', '/proc/irq', '/proc/bus', '/sys/firmware', '/sys/devices/virtual/powercap'];

for (const name of ['--proc --sys', '--userns']) {
  t.test(`${name}: host memory facts, kernel addresses and hardware controls read empty`, async (t) => {
    const files = MUST_HIDE_FILES.filter(existsSync);
    const dirs = MUST_HIDE_DIRS.filter(existsSync);
    t.ok(files.length >= 5, `this host has ${files.join(' ')}`);
    const script = [...files.map((p) => `echo "SIZE ${p} $(cat ${p} 2>&- | wc -c)"`), ...dirs.map((p) => `echo "ENTRIES ${p} $(ls -A ${p} 2>&- | wc -l)"`), 'echo DONE'].join('\n');
    const r = probe(script, CONFIGS[name]!);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, /^DONE$/m);
    for (const p of files) t.match(r.stdout, new RegExp(`^SIZE ${p} 0$`, 'm'), `${p} reads empty`);
    for (const p of dirs) t.match(r.stdout, new RegExp(`^ENTRIES ${p} 0$`, 'm'), `${p} is empty`);
  });
}

t.test('the host kernel settings stay as they were', async (t) => {
  const before = readFileSync('/proc/sys/kernel/core_pattern', 'utf8');
  const affinity = existsSync('/proc/irq/default_smp_affinity') ? readFileSync('/proc/irq/default_smp_affinity', 'utf8') : undefined;
  const r = probe('echo "|/bin/false" > /proc/sys/kernel/core_pattern; echo ff > /proc/irq/default_smp_affinity; echo DONE', ['--proc']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /core_pattern: Read-only file system/);
  t.equal(readFileSync('/proc/sys/kernel/core_pattern', 'utf8'), before);
  if (affinity !== undefined) t.equal(readFileSync('/proc/irq/default_smp_affinity', 'utf8'), affinity);
});

t.test('bwrap beside it (information only)', { skip: hasBwrap ? false : 'bwrap not installed' }, async (t) => {
  const walk = probeBwrap(WALK);
  const mine = probe(WALK, ['--proc', '--dev']);
  t.comment(`bwrap --proc as root: ${writablePaths(walk.stdout).length} files under /proc writable (${writablePaths(walk.stdout).slice(0, 4).join(' ')} ...)`);
  t.comment(`jailctl --proc --dev as root: ${writablePaths(mine.stdout).length}`);
  const reaper = probeBwrap('echo "REAPER_cmdline $(cat /proc/1/cmdline 2>&- | tr "\\0" " ")"; echo "REAPER_fd $(ls /proc/1/fd 2>&- | wc -l)"');
  t.comment(`bwrap's pid 1: cmdline "${(facts(reaper.stdout).get('REAPER_cmdline') ?? '').slice(0, 60)}...", ${facts(reaper.stdout).get('REAPER_fd') ?? '?'} descriptors listed`);
  t.equal(writablePaths(mine.stdout).length, 0, 'jailctl holds');
});
