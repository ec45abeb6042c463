// The listener and the client for real, over loopback UDP: full exchange, replay in the same run
// and after a restart, wrong key, flood then trigger, reply sizes, flag failures (immutable file,
// read-only mount), rescue refusal, SIGTERM. Needs root for chattr and mount namespaces.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { FLAG_PATTERN } from '../../src/failsafe/flag.js';
import { decodePacket, encodeChallenge, PacketType } from '../../src/failsafe/protocol.js';
import { KEY_HEX, OTHER_KEY_HEX, keysOf, newChallenge, newTrigger, openProbe, runHook, seededRandom, startJailctlIn, tempDir, writeConfig } from '../helpers/failsafe.js';
import { CLI, isRoot, jailctl, startJailctl } from '../helpers/jailctl.js';

if (!isRoot) t.plan(0, 'needs root (chattr, mount namespaces)');

let nextPort = 20_000 + (process.pid % 20_000);
const port = () => nextPort++;

function listen(dir: string, p: number, extra: string[] = []) {
  const config = writeConfig(dir);
  const flag = join(dir, 'flag');
  const l = startJailctl(['failsafe', 'listen', '--config', config, '--udp', `127.0.0.1:${p}`, '--flag', flag, '--reboot-cmd', '', ...extra]);
  return { ...l, config, flag };
}

const trigger = (p: number, ...args: string[]) => jailctl(['failsafe', 'trigger', `127.0.0.1:${p}`, '--timeout', '150', ...args]);

t.test('full exchange: trigger sets the flag before the reboot command runs; --window exits 0', async (t) => {
  const dir = tempDir();
  const p = port();
  const patternFile = join(dir, 'pattern');
  writeFileSync(patternFile, FLAG_PATTERN);
  const marker = join(dir, 'rebooted');
  const l = listen(dir, p, ['--window', '20000', '--reboot-cmd', `cmp -s ${join(dir, 'flag')} ${patternFile} && touch ${marker}`]);
  await l.waitFor('listening on udp 127.0.0.1');
  const r = trigger(p, '--key', KEY_HEX);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /acknowledged the failsafe reboot: the flag is set/);
  const done = await l.done;
  t.equal(done.code, 0, done.stderr);
  t.match(done.stdout, /failsafe reboot triggered by 127\.0\.0\.1/);
  t.ok(existsSync(marker), 'the reboot command saw the verified flag');
  t.equal(jailctl(['failsafe', 'consume-flag', '--flag', l.flag]).code, 0, 'consumed once');
  t.equal(jailctl(['failsafe', 'consume-flag', '--flag', l.flag]).code, 1, 'and only once');
});

t.test('--window ends with exit 1 when nothing authentic arrives', async (t) => {
  const dir = tempDir();
  const l = listen(dir, port(), ['--window', '300']);
  const done = await l.done;
  t.equal(done.code, 1, done.stderr);
  t.same(readFileSync(l.flag), Buffer.alloc(4096));
});

t.test('the wire, packet by packet: silence to junk, replays and wrong keys; replies never larger', async (t) => {
  const dir = tempDir();
  const p = port();
  const l = listen(dir, p, ['--window', '20000']);
  await l.waitFor('listening on');
  const probe = await openProbe(p);
  const keys = keysOf();
  const wrong = keysOf(OTHER_KEY_HEX);
  t.same(await probe.send(Buffer.alloc(96, 0x41)), [], 'junk: silence');
  t.same(await probe.send(encodeChallenge({ ...wrong, devId: keys.devId }, Buffer.alloc(16, 3))), [], 'wrong key: silence');
  const c = newChallenge(keys);
  const [nonce] = await probe.request(c.bytes);
  t.equal(nonce?.length, 96, 'NONCE');
  if (nonce === undefined) return void (await probe.close());
  t.same(await probe.send(c.bytes), [], 'replayed CHALLENGE: silence');
  const trig = newTrigger(keys, c.clientNonce, nonce!);
  const forged = Buffer.from(trig);
  forged[40] = forged[40]! ^ 1;
  t.same(await probe.send(forged), [], 'forged server nonce: silence');
  const [ack] = await probe.request(trig);
  t.ok(ack, 'ACK');
  if (ack === undefined) return void (await probe.close());
  t.match(decodePacket(ack), { type: PacketType.ACK, status: 0 });
  const [again] = await probe.request(trig);
  t.same(again, ack, 'replayed TRIGGER: the identical ACK, nothing new');
  t.same(await probe.send(newChallenge(keys).bytes), [], 'after the trigger: silence');
  for (const { request, replies } of probe.log) for (const reply of replies) t.ok(reply.length <= request.length, `${reply.length} <= ${request.length}`);
  await probe.close();
  t.equal((await l.done).code, 0);
});

t.test('replay after a restart: the captured TRIGGER is dead', async (t) => {
  const dir = tempDir();
  const p = port();
  const first = listen(dir, p, ['--window', '20000']);
  await first.waitFor('listening on');
  const probe = await openProbe(p);
  const keys = keysOf();
  const c = newChallenge(keys);
  const [nonce] = await probe.request(c.bytes);
  t.ok(nonce, 'NONCE');
  if (nonce === undefined) return void (await probe.close());
  const trig = newTrigger(keys, c.clientNonce, nonce);
  first.child.kill('SIGTERM');
  const stopped = await first.done;
  t.equal(stopped.code, 0, 'SIGTERM: clean exit 0');
  const second = listen(dir, p, ['--window', '2000']);
  await second.waitFor('listening on');
  t.same(await probe.send(trig), [], 'old TRIGGER: silence');
  await probe.close();
  t.equal((await second.done).code, 1, 'not triggered');
  t.same(readFileSync(second.flag), Buffer.alloc(4096), 'flag untouched');
});

t.test('wrong key: the client gives up with exit 1 and the flag stays clear', async (t) => {
  const dir = tempDir();
  const p = port();
  const l = listen(dir, p, ['--window', '5000']);
  await l.waitFor('listening on');
  const r = trigger(p, '--key', OTHER_KEY_HEX);
  t.equal(r.code, 1);
  t.match(r.stderr, /^failsafe: no answer from 127\.0\.0\.1:\d+ .* after 4 challenges/);
  l.child.kill('SIGTERM');
  await l.done;
  t.same(readFileSync(l.flag), Buffer.alloc(4096));
});

t.test('a flood of junk, then a valid trigger succeeds once the flood ends', async (t) => {
  const dir = tempDir();
  const p = port();
  const l = listen(dir, p, ['--window', '60000']);
  await l.waitFor('listening on');
  const probe = await openProbe(p);
  const rng = seededRandom(99);
  const keys = keysOf();
  const lookalike = Buffer.from(newChallenge(keys).bytes);
  for (let i = 0; i < 20_000; i++) {
    const packet = i % 2 === 0 ? rng.bytes(rng.int(120)) : lookalike;
    if (i % 2 === 1) lookalike[20] = i & 0xff;
    await probe.blast(packet);
  }
  await probe.close();
  const start = Date.now();
  const r = trigger(p, '--key', KEY_HEX);
  t.equal(r.code, 0, r.stderr);
  t.ok(Date.now() - start < 3000, `trigger took ${Date.now() - start} ms after the flood`);
  t.equal((await l.done).code, 0);
});

t.test('flag that cannot be written: ACK IOERR, no reboot command', async (t) => {
  const dir = tempDir();
  const p = port();
  const marker = join(dir, 'rebooted');
  const l = listen(dir, p, ['--window', '6000', '--reboot-cmd', `touch ${marker}`]);
  await l.waitFor('listening on');
  spawnSync('chattr', ['+i', l.flag]);
  try {
    const r = trigger(p, '--key', KEY_HEX);
    t.equal(r.code, 1);
    t.match(r.stderr, /could not carry out the failsafe reboot \(I\/O error on the device/);
  } finally {
    spawnSync('chattr', ['-i', l.flag]);
  }
  const done = await l.done;
  t.equal(done.code, 1, 'not triggered');
  t.match(done.stderr, /cannot open it for setting \(EPERM/);
  t.notOk(existsSync(marker), 'reboot command not run');
});

t.test('erase failure on a read-only mount: consume-flag and the preinit hook both fail closed', async (t) => {
  const dir = tempDir();
  const mnt = join(dir, 'ro');
  const inner = [
    `mkdir -p ${mnt} && mount -t tmpfs none ${mnt}`,
    `cat ${join(dir, 'pattern')} > ${mnt}/flag`,
    `mount -o remount,ro ${mnt}`,
    `"${process.execPath}" "${CLI}" failsafe consume-flag --flag ${mnt}/flag; echo "consume=$?"`,
    `cmp -s ${mnt}/flag ${join(dir, 'pattern')} && echo still-set`,
  ].join('; ');
  writeFileSync(join(dir, 'pattern'), FLAG_PATTERN);
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', inner], { encoding: 'utf8' });
  t.match(r.stdout, /cannot open it for erasing \(EROFS.*\(flag was set\); normal boot/);
  t.match(r.stdout, /consume=1/);
  t.match(r.stdout, /still-set/);
  const hook = runHook(`${mnt}/flag`, ['unshare', '-m', '--propagation', 'private', 'sh', '-c',
    `mkdir -p ${mnt} && mount -t tmpfs none ${mnt} && cat ${join(dir, 'pattern')} > ${mnt}/flag && mount -o remount,ro ${mnt} && exec "$0" "$@"`]);
  t.equal(hook.failsafe, '', 'hook: FAILSAFE stays unset');
  t.equal(hook.code, 0);
});

/** Firewall tools on this host, hidden from the listener by binding /dev/null over them. */
const FIREWALL_TOOLS = ['/usr/sbin/nft', '/sbin/nft', '/usr/sbin/iptables', '/sbin/iptables', '/usr/sbin/ip6tables', '/sbin/ip6tables'].filter((p) => existsSync(p));
const hideTools = ['unshare', '-m', '--propagation', 'private', 'sh', '-c', `${FIREWALL_TOOLS.map((p) => `mount --bind /dev/null ${p} && `).join('')}exec "$@"`, 'sh'];

t.test('RESCUE without nft or iptables: REFUSED, and the listener says why', async (t) => {
  const dir = tempDir();
  const p = port();
  const args = ['failsafe', 'listen', '--config', writeConfig(dir), '--udp', `127.0.0.1:${p}`, '--flag', join(dir, 'flag'), '--reboot-cmd', '', '--window', '3000', '--rescue-cmd', '/bin/sleep 60'];
  const l = startJailctlIn(hideTools, args);
  await l.waitFor('actions: failsafe, rescue');
  const r = trigger(p, '--key', KEY_HEX, '--action', 'rescue', '--allow', '127.0.0.1', '--rescue-port', '2222', '--seconds', '5');
  t.equal(r.code, 1);
  t.match(r.stderr, /refused the rescue/);
  const done = await l.done;
  t.match(done.stderr, /rescue refused: port 2222 cannot be restricted to 127\.0\.0\.1: neither nft nor iptables/);
  t.equal(done.code, 1, 'not triggered');
});

t.test('RESCUE disabled by configuration (no rescue command): REFUSED', async (t) => {
  const dir = tempDir();
  const p = port();
  const l = listen(dir, p, ['--window', '30000']);
  await l.waitFor('listening on');
  const r = trigger(p, '--key', KEY_HEX, '--action', 'rescue');
  t.equal(r.code, 1);
  t.match(r.stderr, /refused the rescue/);
  l.child.kill('SIGTERM');
  t.equal((await l.done).code, 0);
});

t.test('first start without a key: the listener creates one in the existing file, keeping the rest', async (t) => {
  const dir = tempDir();
  const config = join(dir, 'system');
  writeFileSync(config, "# mine\nconfig system\n\toption hostname 'r1'\n");
  const l = startJailctlIn([], ['failsafe', 'listen', '--config', config, '--udp', `127.0.0.1:${port()}`, '--flag', join(dir, 'flag'), '--window', '300']);
  const done = await l.done;
  t.equal(done.code, 1, done.stderr);
  t.match(done.stdout, /no key in .*system; created one \(dev_id [0-9a-f]{16}\)/);
  t.match(readFileSync(config, 'utf8'), /^# mine\nconfig system\n\toption hostname 'r1'\n\nconfig failsafe 'failsafe'\n\toption key '[0-9a-f]{64}'\n$/);
});
