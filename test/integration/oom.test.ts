// As root: --memory OOM kills are said, in one line, by `jailctl run` and in a supervised
// service's log; a jail that stays within its limit says nothing. The launcher reads the
// cgroup's oom_kill count (memory.events, or memory.oom_control on cgroup v1) before removing it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { NO_SECCOMP, planRun } from '../../src/jail/run.js';
import { spawnSupervisor, withSupervision } from '../../src/service/supervise.js';
import { isRoot, jailctl } from '../helpers/jailctl.js';

if (!isRoot) t.plan(0, 'needs root');

/** dd allocates its block: 64M against a 16M limit is an OOM kill, every time. */
const HOG = 'dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null';

t.test('run: one OOM kill, one line, and the status of the killed command', async (t) => {
  const r = jailctl(['run', '--name', 'hog', '--dev', '--memory', '16M', '--ro', '/bin/dd', '--', '/bin/sh', '-c', `${HOG}; echo "dd $?"`]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'dd 137\n');
  t.equal(r.stderr, "jailctl: hog: the kernel's OOM killer killed a process of the jail (memory limit 16M, --memory)\n");
});

t.test('run: several OOM kills are counted', async (t) => {
  const r = jailctl(['run', '--name', 'hogs', '--dev', '--memory', '16M', '--ro', '/bin/dd', '--', '/bin/sh', '-c', `${HOG}; ${HOG}; ${HOG}; exit 3`]);
  t.equal(r.code, 3, r.stderr);
  t.equal(r.stderr, "jailctl: hogs: the kernel's OOM killer killed 3 processes of the jail (memory limit 16M, --memory)\n");
});

t.test('run: within the limit, nothing is said', async (t) => {
  const r = jailctl(['run', '--dev', '--memory', '64M', '--', '/bin/dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1M', 'count=4']);
  t.equal(r.code, 0, r.stderr);
  t.notMatch(r.stderr, /OOM/);
});

t.test("a supervised service's log says so", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jailctl-oom-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const logFile = join(dir, 'svc.log');
  const plan = planRun({ raw: { name: 'oomsvc', command: ['/bin/sh', '-c', `${HOG}; echo "dd $?"`], dev: true, memory: '16M', ro: ['/bin/dd'] }, dryRun: false, cwd: '/' }, NO_SECCOMP);
  const supervised = withSupervision(plan, { respawn: false, thresholdMs: 1000, timeoutMs: 100, retry: 0, termTimeoutMs: 1000, stateFile: join(dir, 'svc.state'), logFile, syslogIdent: '', pidfile: '', hookArgv: [], hookEnv: [] });
  const pid = await spawnSupervisor(supervised, logFile, `oom-test-${process.pid}`);
  for (let i = 0; i < 200 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  t.notOk(isAlive(pid), 'the launcher ended with the service');
  t.equal(readFileSync(logFile, 'utf8'), "dd 137\njailctl: oomsvc: the kernel's OOM killer killed a process of the jail (memory limit 16M, --memory)\n");
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
