// Installs compiled filters in the real kernel (x86_64): a C probe built at test time forks,
// sets no_new_privs, calls seccomp(SECCOMP_SET_MODE_FILTER) and makes 64-bit, int 0x80 (i386)
// and x32-bit calls. Needs gcc; runs as root in CI but needs no privilege itself.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { compileFilter } from '../../src/profile/compile.js';
import type { SeccompProfile } from '../../src/profile/model.js';
import { ALLOW, KILL_PROCESS, cond, errno, manyArgRules, profileOf, rule } from '../fixtures/seccomp/profiles.js';

const SOURCE = fileURLToPath(new URL('../../../test/fixtures/seccomp/probe.c', import.meta.url));
const hasGcc = spawnSync('gcc', ['--version'], { stdio: 'ignore' }).status === 0;
if (process.arch !== 'x64' || process.platform !== 'linux') t.plan(0, 'the probe is x86_64 Linux code');
else if (!hasGcc) t.plan(0, 'needs gcc to build the probe');

const SIGSYS = 31;
let probePath = '';

t.before(() => {
  const dir = t.testdir({});
  probePath = join(dir, 'probe');
  const r = spawnSync('gcc', ['-O1', '-Wall', '-Werror', '-o', probePath, SOURCE], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc failed: ${r.stderr}`);
});

/** Compile `profile`, run the probe with `calls`, return call -> result ("ok", "errno 1", "killed 31"). */
function probe(profile: SeccompProfile, calls: string[]): Record<string, string> {
  const filterPath = `${probePath}.${process.pid}.bpf`;
  writeFileSync(filterPath, compileFilter(profile, 'x86_64').program);
  const r = spawnSync(probePath, [filterPath, ...calls], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`probe failed: ${r.stderr}`);
  return Object.fromEntries(r.stdout.trim().split('\n').map((line) => {
    const [call, ...rest] = line.split(' ');
    return [call!, rest.join(' ')];
  }));
}

t.test('baseline: with every ABI allowed, int 0x80 and x32 calls reach the kernel', async (t) => {
  const out = probe(profileOf(ALLOW, [], ['i386', 'x32']), ['x64:39', 'i386:20', 'x32:39']);
  t.equal(out['x64:39'], 'ok');
  t.equal(out['i386:20'], 'ok', 'IA32 emulation answers int 0x80');
  t.match(out['x32:39'], /^(ok|errno 38)$/, 'x32 runs, or ENOSYS from a kernel without CONFIG_X86_X32_ABI');
});

t.test('a deny-list profile: i386 and x32 calls cannot slip past it', async (t) => {
  const profile = profileOf(ALLOW, [
    rule('getppid', errno(13)),
    rule('ptrace', KILL_PROCESS),
    rule('getpid', errno(5), cond(0, 'EQ', 0x1_0000_0005n)),
  ]);
  const out = probe(profile, ['x64:39', 'x64:110', 'x64:101', 'x64:39:5', 'x64:39:0x100000005', 'i386:20', 'x32:39']);
  t.equal(out['x64:39'], 'ok', 'getpid is allowed');
  t.equal(out['x64:110'], 'errno 13', 'getppid gets EACCES');
  t.equal(out['x64:101'], `killed ${SIGSYS}`, 'ptrace kills the process');
  t.equal(out['x64:39:5'], 'ok', 'the low word alone does not match a 64-bit value');
  t.equal(out['x64:39:0x100000005'], 'errno 5', 'the full 64-bit argument matches');
  t.equal(out['i386:20'], `killed ${SIGSYS}`, 'int 0x80 getpid is killed: i386 is not in the filter');
  t.equal(out['x32:39'], `killed ${SIGSYS}`, 'an x32 call is killed: x32 is not in the filter');
});

t.test('an allow-list with an errno default and an i386 section', async (t) => {
  const profile = profileOf(errno(1), [
    rule('exit_group', ALLOW), rule('getpid', ALLOW), rule('getuid', ALLOW),
  ], ['i386']);
  const out = probe(profile, ['x64:39', 'x64:110', 'x64:600', 'i386:20', 'i386:64', 'x32:39']);
  t.equal(out['x64:39'], 'ok');
  t.equal(out['x64:110'], 'errno 1', 'getppid gets the default EPERM');
  t.equal(out['x64:600'], 'errno 38', 'a number above the table gets ENOSYS, not EPERM');
  t.equal(out['i386:20'], 'ok', 'i386 getpid is allowed by name in its own section');
  t.equal(out['i386:64'], 'errno 1', 'i386 getppid gets the default');
  t.equal(out['x32:39'], `killed ${SIGSYS}`);
});

t.test('a filter with BPF_JA trampolines loads and decides', async (t) => {
  const profile = manyArgRules(320);
  const out = probe(profile, ['x64:16:1:0x5401', 'x64:16:1:0x553f', 'x64:16:1:0x5540', 'x64:16:2000:0x5401']);
  t.not(out['x64:16:1:0x5401'], 'errno 1', 'the first ioctl rule matches');
  t.not(out['x64:16:1:0x553f'], 'errno 1', 'the 320th ioctl rule matches');
  t.equal(out['x64:16:1:0x5540'], 'errno 1', 'no rule: default');
  t.equal(out['x64:16:2000:0x5401'], 'errno 1', 'fd above 1023: default');
  t.notMatch(Object.values(out).join('\n'), /install-failed/);
});
