// As root: `jailctl run --seccomp` with a profile runc would accept but jailctl warns about
// prints its warning lines and runs; every run prints them (a warned plan is not cached, so a
// cache hit cannot hide them); --seccomp-strict refuses the profile with exit 125.
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { isRoot, jailctl } from '../helpers/jailctl.js';

if (!isRoot) t.plan(0, 'needs root');

t.test('warnings on every run, the program runs; --seccomp-strict refuses', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jailctl-run-warn-'));
  chmodSync(dir, 0o700);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const env = { ...process.env, JAILCTL_PLAN_CACHE: join(dir, 'plans') };
  const profile = join(dir, 'p.json');
  writeFileSync(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['sethostname', 'sethostname', 'nosuchcall'], action: 'SCMP_ACT_ERRNO' }] }));
  for (const run of [1, 2]) {
    const r = jailctl(['run', '--seccomp', profile, '--', '/bin/busybox', 'echo', 'ran'], { env });
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stdout, 'ran\n');
    const lines = r.stderr.trim().split('\n');
    t.match(lines, [/^jailctl: warning: .*p\.json: \/syscalls\/0\/names\/2: "nosuchcall" is not a syscall/, /^jailctl: warning: .*p\.json: \/syscalls\/0\/names\/1: duplicate rule for "sethostname"/], `run ${run}`);
  }
  const plans = join(dir, 'plans');
  t.same(existsSync(plans) ? readdirSync(plans).filter((f) => f.endsWith('.json')) : [], [], 'no plan stored');
  const refused = jailctl(['run', '--seccomp-strict', '--seccomp', profile, '--', '/bin/busybox', 'echo', 'ran'], { env });
  t.equal(refused.code, 125);
  t.equal(refused.stdout, '');
  t.match(refused.stderr, /^jailctl: .*p\.json: \/syscalls\/0\/names\/1: duplicate rule/m);
});
