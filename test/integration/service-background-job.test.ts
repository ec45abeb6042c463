// A background job the script starts (`cmd &` in start_service, in a hook, in an extra command)
// keeps the script's output open; jailctl must not wait for it: the command returns when the
// script's shell has exited (once, 30 s went by waiting for such a job's output to close).
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { CLI, isRoot, jailctl } from '../helpers/jailctl.js';

if (!isRoot) t.plan(0, 'needs root');

const dir = mkdtempSync(join(tmpdir(), 'jailctl-bgjob-'));
const initd = join(dir, 'initd');
const state = join(dir, 'state');
mkdirSync(initd);
// the job holds the script's stdout and stderr for 60 s; its argv names our folder, so we can end it
const holder = join(dir, 'holder');
writeFileSync(holder, '#!/bin/sh\necho holding\nexec sleep 60\n');
chmodSync(holder, 0o755);
writeFileSync(join(initd, 'bgjob'), `#!/bin/sh /etc/rc.common
USE_PROCD=1
EXTRA_COMMANDS="spawn"
start_service() {
	${holder} start &
	procd_open_instance
	procd_set_param command /bin/sleep 600
	procd_close_instance
}
service_started() { ${holder} hook & }
spawn() { ${holder} extra & }
`);

t.teardown(() => {
  jailctl(['service', 'bgjob', 'stop', '--initd', initd, '--state', state]);
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(holder)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

// start, restart and stop print jailctl's lines: their output must close when jailctl exits.
// An extra command's script talks to the terminal itself (as `/etc/init.d/NAME spawn` does), so
// its job may hold jailctl's stdout like the script's own: there jailctl's exit is what counts.
for (const command of ['start', 'spawn', 'restart', 'stop']) {
  t.test(`service ${command} returns while the script's background job still runs`, async (t) => {
    const began = Date.now();
    const args = [CLI, 'service', 'bgjob', command, '--initd', initd, '--state', state];
    const out = openSync(join(dir, `${command}.out`), 'w');
    const r = command === 'spawn'
      ? spawnSync(process.execPath, args, { stdio: ['ignore', out, out], timeout: 25_000 })
      : spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 25_000 });
    closeSync(out);
    t.equal(r.signal, null, `not killed by the test's timeout (${Date.now() - began} ms)`);
    t.equal(r.status, 0, String(r.stderr ?? readFileSync(join(dir, `${command}.out`), 'utf8')));
    t.ok(Date.now() - began < 15_000, `returned after ${Date.now() - began} ms, not after the job's 60 s`);
  });
}
