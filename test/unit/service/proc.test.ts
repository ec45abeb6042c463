// What /proc says about processes, as `service stop` and `status` read it.
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { describeProcess, parentPid, processAlive, processState } from '../../../src/service/proc.js';

t.test('describeProcess names a live process by command and state, a gone one by pid only', async (t) => {
  t.match(describeProcess(process.pid), new RegExp(`^${process.pid} \\((node|MainThread)[^,]*, state [RS]\\)$`));
  const gone = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim();
  t.equal(describeProcess(Number(gone)), gone);
  t.equal(processState(Number(gone)), undefined);
  t.notOk(processAlive(Number(gone)));
  t.ok(processAlive(process.pid));
});

t.test('parentPid reads the parent from /proc, 0 for a gone process', async (t) => {
  t.equal(parentPid(process.pid), process.ppid);
  const gone = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim();
  t.equal(parentPid(Number(gone)), 0);
});
