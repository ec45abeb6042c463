// The failsafe daemon itself (build/Release/jailctl-failsafe), run without `jailctl failsafe
// listen`: its own one-line refusals before anything is opened, the RESCUE helper's answers
// (none, REFUSED, OK and a service that outlives the ACK), SIGTERM with a rescue running, and a
// reboot request nobody reads. The protocol itself: test/integration/failsafe*.test.ts.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { KEY_HEX, writeConfig } from '../helpers/failsafe.js';
import { jailctl, REPO } from '../helpers/jailctl.js';

const DAEMON = join(REPO, 'build', 'Release', 'jailctl-failsafe');
if (!existsSync(DAEMON)) t.plan(0, 'build/Release/jailctl-failsafe is not built (npm run build:native)');

const dir = mkdtempSync(join(tmpdir(), 'jailctl-daemon-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const config = writeConfig(dir);
let nextPort = 30_000 + (process.pid % 20_000);

function refuse(args: string[]) {
  const r = spawnSync(DAEMON, args, { encoding: 'utf8', timeout: 10_000 });
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('hint: '));
  return { code: r.status, line: lines.join('\n'), stdout: r.stdout };
}

t.test('refusals before anything is opened: one line, exit 125', async (t) => {
  const udp = ['--udp', `127.0.0.1:${nextPort++}`];
  const flag = ['--flag', join(dir, 'flag')];
  const cases: [string[], RegExp][] = [
    [[...udp, ...flag], /^jailctl: --config FILE is missing/],
    [['--config', config, ...flag], /^jailctl: nothing to listen on: no --udp and no --iface$/],
    [['--config', config, ...udp], /^jailctl: --flag PATH is missing: FAILSAFE_REBOOT needs a flag to set$/],
    [['--config', config, ...udp, ...flag, '--reboot-cmd', 'reboot', '--reboot-fifo', '/run/x'], /^jailctl: --reboot-fifo and --reboot-cmd exclude each other/],
    [['--config', config, ...udp, ...flag, '--window', '0'], /^jailctl: --window 0: expected a number of milliseconds above 0$/],
    [['--config', config, ...udp, ...flag, '--bogus'], /^jailctl: unknown option --bogus$/],
    [['--config', config, ...udp, ...flag, '--udp'], /^jailctl: --udp needs a value$/],
    [['--config', config, '--udp', 'everywhere', ...flag], /^jailctl: --udp everywhere: expected ADDR:PORT or \[V6ADDR\]:PORT$/],
    [['--config', join(dir, 'none'), ...udp, ...flag], /^jailctl: --config .*none: no such file$/],
    [['--config', config, ...udp, ...flag, '--reboot-fifo', config], /^jailctl: --reboot-fifo .*system: not a FIFO$/],
    [['--config', config, ...udp, ...flag, '--', ], /^jailctl: -- must be followed by the rescue helper's command$/],
  ];
  for (const [args, line] of cases) {
    const r = refuse(args);
    t.equal(r.code, 125, args.join(' '));
    t.match(r.line, line);
    t.equal(r.stdout, '', 'nothing listened');
  }
});

t.test('the key in the file: missing, malformed, unreadable UCI; never quoted back', async (t) => {
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return ['--config', join(dir, name), '--udp', '127.0.0.1:1', '--no-failsafe-action'];
  };
  t.match(refuse(write('nokey', "config failsafe 'failsafe'\n\toption udp_port '1'\n")).line, /^jailctl: .*nokey: no failsafe key \(config failsafe 'failsafe', option key\)$/);
  const short = refuse(write('short', `config failsafe 'failsafe'\n\toption key '${KEY_HEX.slice(2)}'\n`));
  t.match(short.line, /^jailctl: .*short:2: option key: the key must be 64 hex characters; got 62$/);
  t.notMatch(short.line, KEY_HEX.slice(2, 40));
  t.match(refuse(write('quote', "config failsafe 'failsafe'\n\toption x 'open\n")).line, /^jailctl: .*quote:2: unterminated quote$/);
});

function start(args: string[], reboot = ['--reboot-cmd', '']) {
  const port = nextPort++;
  const flag = join(dir, `flag-${port}`);
  const child = spawn(DAEMON, ['--config', config, '--udp', `127.0.0.1:${port}`, '--flag', flag, ...reboot, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  const ready = async () => {
    for (const begin = Date.now(); !stdout.includes('listening on'); await new Promise((r) => setTimeout(r, 20))) {
      if (Date.now() - begin > 10_000 || child.exitCode !== null) throw new Error(`not listening: ${stdout}${stderr}`);
    }
  };
  const trigger = (...more: string[]) => jailctl(['failsafe', 'trigger', `127.0.0.1:${port}`, '--key', KEY_HEX, '--timeout', '500', ...more], { timeout: 60_000 });
  return { child, done, ready, trigger, flag };
}

const rescue = ['--action', 'rescue', '--allow', '127.0.0.1', '--rescue-port', '2222', '--seconds', '9'];

t.test('RESCUE: a helper that ends without answering is ACK IOERR; the helper gets ALLOWED_IPV4 PORT SECONDS', async (t) => {
  const args = join(dir, 'helper-args');
  const d = start(['--window', '30000', '--', '/bin/sh', '-c', `echo "$@" > ${args}`, 'helper']);
  await d.ready();
  const r = d.trigger(...rescue);
  t.equal(r.code, 1);
  t.match(r.stderr, /could not carry out the rescue/);
  t.equal(readFileSync(args, 'utf8'), '127.0.0.1 2222 9\n');
  d.child.kill('SIGTERM');
  const done = await d.done;
  t.equal(done.code, 0);
  t.match(done.stderr, /failsafe: rescue failed: the rescue helper ended without an answer/);
  t.match(done.stdout, /rescue requested by 127\.0\.0\.1:\d+: answered IOERR/);
});

t.test('RESCUE: OK while the service runs on; --window waits for it after the ACK, SIGTERM stops it', async (t) => {
  const marker = join(dir, 'service-ended');
  const helper = `printf '\\000' >&3; exec 3>&-; trap 'echo stopped > ${marker}; exit 0' TERM; sleep 3; echo ran > ${marker}`; // longer than the 2 s linger
  const d = start(['--window', '30000', '--', '/bin/sh', '-c', helper, 'helper']);
  await d.ready();
  const r = d.trigger(...rescue);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /port 2222 is open to 127\.0\.0\.1 for 9 s/);
  const done = await d.done;
  t.equal(done.code, 0, 'triggered');
  t.equal(readFileSync(marker, 'utf8'), 'ran\n', 'the daemon ended after the service did, not before');

  rmSync(marker);
  const long = `printf '\\000' >&3; exec 3>&-; trap 'echo stopped > ${marker}; exit 0' TERM; while :; do sleep 0.1; done`;
  const d2 = start(['--', '/bin/sh', '-c', long, 'helper']);
  await d2.ready();
  t.equal(d2.trigger(...rescue).code, 0);
  d2.child.kill('SIGTERM');
  t.equal((await d2.done).code, 0);
  t.equal(readFileSync(marker, 'utf8'), 'stopped\n', 'SIGTERM reached the rescue before the daemon left');
});

t.test('a reboot FIFO nobody reads: the flag is set and ACKed, the request fails in one line', async (t) => {
  const fifo = join(dir, 'fifo');
  spawnSync('mkfifo', [fifo]);
  const d = start(['--window', '30000'], ['--reboot-fifo', fifo]);
  await d.ready();
  const r = d.trigger();
  t.equal(r.code, 0, r.stderr);
  const done = await d.done;
  t.equal(done.code, 0);
  t.match(done.stderr, new RegExp(`^failsafe: reboot request: nothing reads ${fifo} \\(ENXIO\\); not rebooting$`, 'm'));
  t.equal(jailctl(['failsafe', 'consume-flag', '--flag', d.flag]).code, 0, 'the flag is set all the same');
});
