// As root: real init scripts started, supervised, stopped and traced by `jailctl service`.
// Every test copies its fixture script under a unique name into its own --initd and uses its
// own --state, and stops what it started.
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { isRoot, jailctl, startJailctl } from '../helpers/jailctl.js';
import { alive, FIXTURES, installService, procStatus, RUNNING_LINE as FIRST_LINE, waitFor, type Installed } from '../helpers/service.js';

if (!isRoot) t.plan(0, 'needs root');

/** Installs fixture `script` as a uniquely named service; `uci` is the jctest package. */
const service = (t: Test, script: string, uci = ''): Installed => installService(t, script, { jctest: uci });

function started(t: Test, s: Installed, ...extra: string[]): number {
  const r = s.run('start', ...extra);
  t.equal(r.code, 0, r.stderr);
  const m = FIRST_LINE(s.name).exec(r.stdout);
  t.ok(m, `start prints the status line: ${r.stdout}`);
  return Number(m?.[1]);
}

t.test('procd_add_jail with a mount: ujail\'s namespaces and binds, a writable root, root\'s capabilities', async (t) => {
  const data = join(FIXTURES, 'services', 'data');
  const seccomp = join(FIXTURES, 'services', 'permissive-seccomp.json');
  const s = service(t, 'jailed', `config jctest 'main'\n\toption data '${data}'\n\toption seccomp '${seccomp}'\n`);
  started(t, s);
  const pid = await waitFor('the service', () => s.status().instances[0]?.pid ?? undefined);
  for (const ns of ['mnt', 'pid', 'ipc']) t.not(readlinkSync(`/proc/${pid}/ns/${ns}`), readlinkSync(`/proc/self/ns/${ns}`), `own ${ns} namespace`);
  for (const ns of ['net', 'uts']) t.equal(readlinkSync(`/proc/${pid}/ns/${ns}`), readlinkSync(`/proc/self/ns/${ns}`), `no ${ns} namespace: ujail makes none without netns/a hostname`);
  const status = procStatus(pid);
  t.match(status, /Seccomp:\s+2/);
  t.match(status, /NoNewPrivs:\s+1/, 'seccomp brings no_new_privs, as under procd');
  t.notMatch(status, /CapEff:\s+0{16}/, 'no capabilities file: root keeps its capabilities, as under ujail');
  const mounts = readFileSync(`/proc/${pid}/mountinfo`, 'utf8').trim().split('\n').map((l) => ({ point: l.split(' ')[4]!, options: l.split(' ')[5]! }));
  const ujailDefaults = ['/etc/resolv.conf', '/etc/nsswitch.conf'];
  const allowed = (p: string) => p === '/' || p === data || p === '/etc/ld.so.cache' || ujailDefaults.includes(p) || /^\/(usr\/)?(s?bin|lib\w*)\//.test(p) || /^\/(dev|proc)(\/|$)/.test(p);
  t.same(mounts.filter((m) => !allowed(m.point)), [], 'nothing but the root, the command, its libraries, ujail\'s defaults, /dev, /proc and the data mount');
  t.match(mounts.find((m) => m.point === data)?.options, /^ro,/, 'procd_add_jail_mount is read-only');
  t.match(mounts.find((m) => m.point === '/')?.options, /^rw,/, 'the root is writable without ronly');
  t.equal(readFileSync(`/proc/${pid}/root${data}/hello.txt`, 'utf8'), 'hello from the data mount\n');
  t.notOk(existsSync(`/proc/${pid}/root/etc/passwd`), 'no /etc/passwd without procd_set_param user');
  t.notOk(existsSync(`/proc/${pid}/root/home`), 'no /home');
  const text = s.run('status');
  t.equal(text.code, 0);
  t.match(text.stdout, FIRST_LINE(s.name));
  t.match(text.stdout, /^  seccomp: on \(.*permissive-seccomp\.json\)$/m);
  t.match(text.stdout, /^  jail: namespaces mount,pid,ipc; jail,rw-root,dev,proc;/m);
});

t.test('no procd_add_jail: the host\'s namespaces, true pids, root\'s capabilities, clean stop', async (t) => {
  const s = service(t, 'unjailed');
  started(t, s);
  const inst = await waitFor('the service', () => s.status().instances[0] ?? undefined);
  const pid = inst.pid!;
  for (const ns of ['mnt', 'pid', 'net', 'ipc']) t.equal(readlinkSync(`/proc/${pid}/ns/${ns}`), readlinkSync(`/proc/self/ns/${ns}`), `the host's ${ns} namespace`);
  t.equal(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), '/bin/sleep\u00001000\u0000', 'the pid status names is the service itself, as the host sees it');
  t.match(procStatus(pid), /NoNewPrivs:\s+0/);
  t.match(s.run('status').stdout, /^  jail: no namespaces; unjailed;/m);
  t.equal(s.run('stop').code, 0);
  for (const p of [inst.pid, inst.jailPid, inst.launcherPid]) t.notOk(alive(p), `pid ${p} is gone`);
});

t.test('a killed service is respawned, with a new pid', async (t) => {
  const s = service(t, 'respawner');
  started(t, s);
  const first = await waitFor('the service', () => s.status().instances[0]?.pid ?? undefined);
  process.kill(first, 'SIGKILL');
  await waitFor('the respawn', () => {
    const i = s.status().instances[0];
    return i?.state === 'running' && i.restarts === 1 && i.pid !== null && i.pid !== first ? i.pid : undefined;
  });
  t.match(s.run('status').stdout, /running \(pid \d+, up \d+s, 1 restarts\)/);
});

t.test('a crash loop is not "running": start and status say so and exit 1', async (t) => {
  const s = service(t, 'crasher');
  const r = s.run('start');
  t.equal(r.code, 1, 'the instance died within the settle time');
  t.match(r.stdout, new RegExp(`^${s.name}: (failed|respawning) \\(instance1: `));
  const crashed = await waitFor('the respawn limit', () => {
    const st = s.status();
    return st.state === 'failed' ? st : undefined;
  });
  t.match(crashed.instances[0], { state: 'crashed', restarts: 2, crashes: 3 });
  const status = s.run('status');
  t.equal(status.code, 1, 'status exits 1: started, not running');
  t.match(status.stdout, new RegExp(`^${s.name}: failed \\(instance1: gave up after 3 crashes in a row, last exit 1\\)\ninstance1: crashed, 2 restarts, 3 crashes in a row\n  last exit: exit 1`));
  t.match(s.run('logs').stdout, /respawn limit reached, giving up/);
});

t.test('stop leaves no process, namespace or cgroup behind', async (t) => {
  const s = service(t, 'pair');
  started(t, s);
  const before = await waitFor('both instances', () => {
    const st = s.status();
    return st.instances.every((i) => i.pid !== null) && st.instances.length === 2 ? st : undefined;
  });
  t.same(before.instances.map((i) => i.instance), ['alpha', 'beta']);
  const namespaces = before.instances.map((i) => readlinkSync(`/proc/${i.pid}/ns/pid`));
  const r = s.run('stop');
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, `${s.name}: stopped\n`);
  for (const i of before.instances) {
    for (const pid of [i.pid, i.jailPid, i.launcherPid]) t.notOk(alive(pid), `pid ${pid} is gone`);
  }
  const holders = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try { return namespaces.includes(readlinkSync(`/proc/${p}/ns/pid`)); } catch { return false; }
  });
  t.same(holders, [], 'no process left in the jails\' pid namespaces');
  const cgroups = existsSync('/sys/fs/cgroup/jailctl') ? readdirSync('/sys/fs/cgroup/jailctl').filter((d) => d.startsWith(s.name)) : [];
  t.same(cgroups, [], 'no cgroup left');
  t.notOk(existsSync(join(s.state, s.name, 'service.json')), 'the record is gone');
  t.equal(s.run('status').stdout, `${s.name}: stopped\n`);
  t.equal(s.run('stop').stdout, `${s.name}: stopped (was not running)\n`);
});

t.test("stop runs the script's stop_service hook first, as procd does", async (t) => {
  const mark = join(t.testdir({}), 'mark');
  const s = service(t, 'hooked', `config jctest 'main'\n\toption mark '${mark}'\n`);
  started(t, s);
  t.equal(s.run('stop').code, 0);
  t.equal(readFileSync(mark, 'utf8'), 'stop_service ran\n');
});

t.test('restart starts a new supervisor; start of a running service changes nothing', async (t) => {
  const s = service(t, 'respawner');
  started(t, s);
  const first = await waitFor('the service', () => s.status().instances[0] ?? undefined);
  const again = s.run('start');
  t.match(again.stdout, /\(already running\)$/m);
  t.equal(s.status().instances[0]!.launcherPid, first.launcherPid);
  const r = s.run('restart');
  t.equal(r.code, 0, r.stderr);
  const second = await waitFor('the new service', () => s.status().instances[0] ?? undefined);
  t.not(second.launcherPid, first.launcherPid);
  t.notOk(alive(first.launcherPid), 'the old supervisor is gone');
  t.equal(second.restarts, 0);
});

t.test('list shows every script with its state', async (t) => {
  const s = service(t, 'respawner');
  copyFileSync(join(FIXTURES, 'initd', 'crasher'), join(s.initd, 'other-script'));
  started(t, s);
  const r = jailctl(['service', 'list', '--initd', s.initd, '--state', s.state]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, new RegExp(`^${s.name}: running \\(pid \\d+`, 'm'));
  t.match(r.stdout, /^other-script: stopped$/m);
});

t.test('trace writes the profile the script names, and the service runs under it', async (t) => {
  const out = join(t.testdir({}), 'tracee.json');
  const s = service(t, 'tracee', `config jctest 'main'\n\toption seccomp '${out}'\n`);
  const r = s.run('trace');
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, new RegExp(`wrote ${out} \\(\\d+ syscalls\\)`));
  const profile = JSON.parse(readFileSync(out, 'utf8')) as { defaultAction: string; syscalls: { names: string[]; action: string }[] };
  t.equal(profile.defaultAction, 'SCMP_ACT_KILL_PROCESS');
  t.equal(profile.syscalls.length, 1);
  for (const name of ['execve', 'exit_group', 'write', 'getdents64']) t.ok(profile.syscalls[0]!.names.includes(name), name);
  t.equal(s.run('start').code, 0);
  const done = await waitFor('ls to finish', () => { const st = s.status(); return st.state === 'stopped' ? st : undefined; });
  t.match(done.instances[0], { state: 'exited', lastExit: 'exit 0', seccomp: { enabled: true, profile: out } });
  t.match(s.run('status').stdout, /last exit: exit 0/, 'not killed by its own profile');
  t.match(s.run('logs').stdout, /\bbin\b/);
});

t.test('trace -o into a directory that does not exist fails at once: one line, 125, nothing started', async (t) => {
  const dir = t.testdir({});
  const out = join(dir, 'no-such-dir', 'sleep.json');
  const s = service(t, 'tracee', `config jctest 'main'\n\toption seccomp '${join(dir, 'sleep.json')}'\n\toption forever 1\n`);
  const started = Date.now();
  const r = s.run('trace', '-o', out);
  t.equal(r.code, 125, r.stderr);
  t.equal(r.stdout, '', 'no "tracing" line: nothing was started');
  t.match(r.stderr, new RegExp(`^jailctl: cannot write ${out.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(ENOENT\\)$`, 'm'));
  t.ok(Date.now() - started < 10_000, 'not after a service that sleeps 1000 s');
  t.match(s.run('status').stdout, /stopped/, 'the service is not running');
});

t.test('a trace ends on `service stop` and --merge keeps what the profile had', async (t) => {
  const out = join(t.testdir({}), 'sleep.json');
  const s = service(t, 'tracee', `config jctest 'main'\n\toption seccomp '${out}'\n\toption forever 1\n`);
  const once = s.run('trace', '--dry-run');
  t.equal(once.code, 0, once.stderr);
  t.match(once.stdout, /"op": "trace"/);
  writeFileSync(out, JSON.stringify({ defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [{ names: ['uname'], action: 'SCMP_ACT_ALLOW' }] }));
  const tracer = startJailctl(['service', s.name, 'trace', '--merge', '--initd', s.initd, '--state', s.state, '--config', s.config]);
  await tracer.waitFor('tracing');
  await waitFor('the traced service', () => s.status().instances[0]?.pid ?? undefined);
  t.match(s.run('status').stdout, FIRST_LINE(s.name));
  const stop = s.run('stop');
  t.equal(stop.code, 0, stop.stderr);
  const result = await tracer.done;
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /wrote .*sleep\.json \(\d+ syscalls, merged\)/);
  const names = (JSON.parse(readFileSync(out, 'utf8')) as { syscalls: { names: string[] }[] }).syscalls.flatMap((e) => e.names);
  t.ok(names.includes('uname'), 'the old rule stays');
  t.ok(names.includes('clock_nanosleep') || names.includes('nanosleep'), 'sleep\'s own call was traced');
});

t.test('bad scripts fail the start with one line naming the script', async (t) => {
  const cases: [string, RegExp][] = [
    ['syntax-error', /^jailctl: init script \S+: line 11: [Ss]yntax error/],
    ['unknown-param', /^jailctl: init script \S+: procd_set_param: unknown parameter "respwan"/],
    ['missing-seccomp', /^jailctl: init script \S+: instance "instance1": procd_set_param seccomp \/nonexistent\/jailctl-test\/seccomp\.json: no such file$/],
    ['missing-caps', /^jailctl: init script \S+: instance "instance1": procd_set_param capabilities \/nonexistent\/jailctl-test\/caps\.json: no such file$/],
    ['unbuildable', /^jailctl: init script \S+: instance "instance1": .*set rlimit nofile: setrlimit\(2\): EPERM$/],
  ];
  for (const [fixture, pattern] of cases) {
    const s = service(t, fixture);
    const r = s.run('start');
    t.equal(r.code, 125, `${fixture}: exit 125`);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('jailctl: '));
    t.equal(lines.length, 1, `${fixture}: one error line: ${r.stderr}`);
    t.match(lines[0], pattern, fixture);
    t.ok(lines[0]!.includes(s.name), `${fixture}: names the script`);
    const st = s.status();
    t.ok(st.instances.every((i) => i.pid === null && i.launcherPid === null), `${fixture}: nothing runs`);
    t.not(st.state, 'running', `${fixture}: not running`);
  }
});

t.test('a procd profile without execve (OpenWrt\'s own list none): the instance starts and runs under it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jailctl-no-execve-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const seccomp = join(dir, 'sleep-no-execve.json');
  // what sleep does after its execve (procd loads the filter then), and nothing else
  const names = ['read', 'close', 'mmap', 'mprotect', 'munmap', 'brk', 'pread64', 'access', 'arch_prctl', 'futex', 'set_tid_address', 'clock_nanosleep',
    'nanosleep', 'openat', 'newfstatat', 'fstat', 'set_robust_list', 'prlimit64', 'getrandom', 'rseq', 'rt_sigaction', 'rt_sigprocmask', 'exit_group', 'write', 'lseek'];
  writeFileSync(seccomp, JSON.stringify({ defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [{ names, action: 'SCMP_ACT_ALLOW' }] }));
  const s = service(t, 'jailed', `config jctest 'main'\n\toption data '${join(FIXTURES, 'services', 'data')}'\n\toption seccomp '${seccomp}'\n`);
  started(t, s);
  const pid = await waitFor('the service', () => s.status().instances[0]?.pid ?? undefined);
  t.match(procStatus(pid), /Seccomp:\s+2/);
  await new Promise((r) => setTimeout(r, 500));
  t.match(s.status().instances[0], { state: 'running', pid, restarts: 0 }, 'still running: nothing it does was refused');
  t.notMatch(s.run('logs').stdout, /seccomp refused/);
});
