// A script whose shell is killed by a signal (kill -9 $$ in start_service, SIGTERM in a hook) is
// described as such: "was killed by SIGKILL", never "exited with status null" or a bare 137.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { isRoot, jailctl } from '../helpers/jailctl.js';

if (!isRoot) t.plan(0, 'needs root');

const dir = mkdtempSync(join(tmpdir(), 'jailctl-killed-shell-'));
const initd = join(dir, 'initd');
const state = join(dir, 'state');
mkdirSync(initd);
writeFileSync(join(initd, 'killed'), '#!/bin/sh /etc/rc.common\nUSE_PROCD=1\nstart_service() {\n\techo "about to die"\n\tkill -9 $$\n}\n');
writeFileSync(join(initd, 'hookkilled'), '#!/bin/sh /etc/rc.common\nUSE_PROCD=1\nstart_service() {\n\tprocd_open_instance\n\tprocd_set_param command /bin/sleep 600\n\tprocd_close_instance\n}\nservice_started() { kill -TERM $$; }\n');
const service = (name: string, command: string) => jailctl(['service', name, command, '--initd', initd, '--state', state]);
t.teardown(() => {
  service('hookkilled', 'stop');
  rmSync(dir, { recursive: true, force: true });
});

t.test('start_service killed by SIGKILL', async (t) => {
  const r = service('killed', 'start');
  t.equal(r.code, 125);
  t.match(r.stderr, `jailctl: init script ${initd}/killed: start_service did not finish: the script was killed by SIGKILL after "about to die"\n`);
  t.notMatch(r.stderr, /null|undefined|status 137/);
});

t.test('a hook killed by SIGTERM is a note naming the signal', async (t) => {
  const r = service('hookkilled', 'start');
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, 'jailctl: note: service_started was killed by SIGTERM\n');
  t.notMatch(r.stderr, /null|undefined|status 143/);
});
