// The listener keeps only the derived keys, and SIGTERM's shutdown zeroes them (a trigger does
// too: verifier.test.ts). K itself never leaves prepareListener; the jailed integration test
// looks for it in the running listener's memory.
import { join } from 'node:path';
import t from 'tap';
import { Listener, prepareListener, type ListenContext } from '../../../src/failsafe/listener.js';
import { keysOf, tempDir, writeConfig } from '../../helpers/failsafe.js';

t.test('shutdown (SIGTERM) zeroes the derived keys; dev_id stays', async (t) => {
  const dir = tempDir();
  const ctx: ListenContext = {
    flags: { config: writeConfig(dir), iface: [], rescueJail: [], udp: '127.0.0.1:4919', flag: join(dir, 'flag'), rebootCmd: '' },
    self: [], log: () => undefined, warn: () => undefined,
  };
  const prepared = prepareListener(ctx);
  const expected = keysOf();
  t.same(prepared.keys, expected, 'derived from the file');
  const listener = new Listener(prepared, ctx);
  await listener.shutdown(0);
  t.equal(await listener.finished, 0);
  t.ok(prepared.keys.c2d.every((b) => b === 0) && prepared.keys.d2c.every((b) => b === 0), 'K_c2d and K_d2c zeroed');
  t.same(prepared.keys.devId, expected.devId);
});
