// As root: a repeated `jailctl run` starts from its cached plan, and a change on the host that
// would change the plan makes it plan again.
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { isRoot, jailctl } from '../helpers/jailctl.js';

if (!isRoot) t.plan(0, 'needs root');

const dir = mkdtempSync(join(tmpdir(), 'jailctl-run-cache-'));
chmodSync(dir, 0o700);
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const cache = join(dir, 'plans');
const env = { ...process.env, JAILCTL_PLAN_CACHE: cache };
const settle = () => new Promise((resolve) => setTimeout(resolve, 1200)); // past the racy window
/** The one stored plan file's inode: a hit leaves it, a miss writes a new file over it. */
const storedInode = (): number | undefined => {
  const files = readdirSync(cache).filter((f) => f.endsWith('.json'));
  return files.length === 1 ? statSync(join(cache, files[0]!)).ino : undefined;
};

t.test('stored on the first run, used on the next, replaced when the program changes', async (t) => {
  const program = join(dir, 'program');
  writeFileSync(program, '#!/bin/sh\necho "$0 one"\n', { mode: 0o755 });
  await settle();
  const first = jailctl(['run', '--', program], { env });
  t.equal(first.code, 0, first.stderr);
  t.equal(first.stdout, `${program} one\n`);
  const stored = storedInode();
  t.ok(stored, 'the plan is stored');

  const second = jailctl(['run', '--', program], { env });
  t.equal(second.code, 0, second.stderr);
  t.equal(second.stdout, `${program} one\n`, 'the cached plan runs the same jail');
  t.equal(storedInode(), stored, 'a hit: nothing planned or written');

  // another interpreter: a stale plan would lack /bin/bash in the jail
  writeFileSync(program, '#!/bin/bash\necho "$0 two $BASH_VERSINFO"\n');
  await settle();
  const third = jailctl(['run', '--', program], { env });
  t.equal(third.code, 0, third.stderr);
  t.match(third.stdout, new RegExp(`^${program} two \\d+\\n$`), 'planned again: bash is bound');
  t.not(storedInode(), stored, 'and the new plan stored');
});

t.test('JAILCTL_PLAN_CACHE=off neither reads nor writes', async (t) => {
  const off = join(dir, 'off');
  const r = jailctl(['run', '--', '/bin/true'], { env: { ...process.env, JAILCTL_PLAN_CACHE: 'off' } });
  t.equal(r.code, 0, r.stderr);
  t.throws(() => readdirSync(off));
});

t.test('a plan with cgroup limits is never stored (it is named after the launcher pid)', async (t) => {
  const own = join(dir, 'cgroup-plans');
  const r = jailctl(['run', '--pids', '20', '--', '/bin/true'], { env: { ...process.env, JAILCTL_PLAN_CACHE: own } });
  t.equal(r.code, 0, r.stderr);
  let stored: string[] = [];
  try {
    stored = readdirSync(own);
  } catch {
    // never created: nothing stored either
  }
  t.same(stored, []);
});
