// The jailed listener's reboot request: one "reboot" line into a FIFO, never blocking; a missing
// reader or a path that is not a FIFO is an error that says so.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { resolveListenerConfig } from '../../../src/failsafe/config.js';
import { REBOOT_REQUEST, checkRebootFifo, requestReboot } from '../../../src/failsafe/reboot-request.js';
import { tempDir } from '../../helpers/failsafe.js';

function makeFifo(): string {
  const path = join(tempDir(), 'reboot');
  const r = spawnSync('mkfifo', [path]);
  if (r.status !== 0) throw new Error(`mkfifo: ${r.stderr}`);
  return path;
}

t.test('the reader gets exactly one "reboot" line', async (t) => {
  const fifo = makeFifo();
  checkRebootFifo(fifo);
  const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
  let got = '';
  reader.stdout.on('data', (d: Buffer) => (got += d.toString()));
  const done = new Promise((resolve) => reader.on('exit', resolve));
  for (let i = 0; ; i++) {
    try {
      requestReboot(fifo);
      break;
    } catch (err) {
      if (i > 100) throw err; // cat has not opened the FIFO yet
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  await done;
  t.equal(got, REBOOT_REQUEST);
});

t.test('nobody reading: an error at once, never a blocked listener', async (t) => {
  const fifo = makeFifo();
  t.throws(() => requestReboot(fifo), { code: 'IO_FAILED', message: `reboot request: nothing reads ${fifo} (ENXIO); not rebooting` });
});

t.test('at start the path must be a FIFO', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'file'), '');
  t.throws(() => checkRebootFifo(join(dir, 'file')), { code: 'USAGE', message: /--reboot-fifo .*file: not a FIFO$/ });
  t.throws(() => checkRebootFifo(join(dir, 'none')), { code: 'IO_FAILED', message: /cannot use it \(ENOENT/ });
});

t.test('--reboot-fifo replaces the reboot command; both at once is refused', async (t) => {
  const flags = { config: '/etc/config/system', iface: [], rescueJail: [], udp: '127.0.0.1:4919' };
  const c = resolveListenerConfig(undefined, { ...flags, rebootFifo: '/run/f' }, () => []);
  t.equal(c.rebootFifo, '/run/f');
  t.throws(() => resolveListenerConfig(undefined, { ...flags, rebootFifo: '/run/f', rebootCmd: '' }, () => []), { code: 'USAGE', message: /--reboot-fifo and --reboot-cmd exclude each other/ });
});
