// The failsafe over a real link: a veth pair between two network namespaces made for this test
// (removed afterwards). Raw 0x88B5 frames to the device's MAC and to broadcast, UDP bound to the
// LAN address of `ifname` only, and RESCUE reachable only from the authenticated address.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { FLAG_PATTERN } from '../../src/failsafe/flag.js';
import { KEY_HEX, startJailctlIn, tempDir, writeConfig } from '../helpers/failsafe.js';
import { CLI, isRoot } from '../helpers/jailctl.js';

const tag = `${process.pid % 100000}`;
const NS_DEV = `jcfs-dev-${tag}`;
const NS_ADMIN = `jcfs-adm-${tag}`;
const IF_DEV = `fsd${tag}`;
const IF_ADMIN = `fsa${tag}`;

const sh = (cmd: string) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });

function createNet(): string | undefined {
  const steps = [
    `ip netns add ${NS_DEV}`, `ip netns add ${NS_ADMIN}`,
    `ip link add ${IF_DEV} type veth peer name ${IF_ADMIN}`,
    `ip link set ${IF_DEV} netns ${NS_DEV}`, `ip link set ${IF_ADMIN} netns ${NS_ADMIN}`,
    `ip -n ${NS_DEV} addr add 10.77.0.1/24 dev ${IF_DEV}`,
    `ip -n ${NS_ADMIN} addr add 10.77.0.2/24 dev ${IF_ADMIN}`, `ip -n ${NS_ADMIN} addr add 10.77.0.3/24 dev ${IF_ADMIN}`,
    `ip -n ${NS_DEV} link set ${IF_DEV} up`, `ip -n ${NS_ADMIN} link set ${IF_ADMIN} up`,
    `ip -n ${NS_DEV} link set lo up`, `ip -n ${NS_ADMIN} link set lo up`,
  ];
  for (const step of steps) {
    const r = sh(step);
    if (r.status !== 0) return `${step}: ${r.stderr.trim()}`;
  }
  return undefined;
}

function removeNet(): void {
  sh(`ip netns del ${NS_DEV} 2>/dev/null; ip netns del ${NS_ADMIN} 2>/dev/null`);
}

const failure = isRoot ? createNet() : 'needs root';
if (failure !== undefined) {
  removeNet();
  t.plan(0, `cannot build the test network: ${failure}`);
}
t.teardown(removeNet);

const inDev = (args: string[]) => startJailctlIn(['ip', 'netns', 'exec', NS_DEV], args);
function adminTrigger(args: string[]) {
  const r = spawnSync('ip', ['netns', 'exec', NS_ADMIN, process.execPath, CLI, 'failsafe', 'trigger', '--timeout', '200', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const devMac = () => sh(`ip -n ${NS_DEV} -o link show ${IF_DEV}`).stdout.match(/link\/ether ([0-9a-f:]{17})/)?.[1] ?? '';

t.test('raw frames: trigger to the MAC address, and to broadcast', async (t) => {
  for (const host of [devMac(), 'broadcast']) {
    const dir = tempDir();
    const flag = join(dir, 'flag');
    const l = inDev(['failsafe', 'listen', '--config', writeConfig(dir), '--udp', '0', '--iface', IF_DEV, '--flag', flag, '--reboot-cmd', '', '--window', '15000']);
    await l.waitFor(`raw ${IF_DEV}`);
    const r = adminTrigger(['--iface', IF_ADMIN, host, '--key', KEY_HEX]);
    t.equal(r.code, 0, `${host}: ${r.stderr}`);
    t.match(r.stdout, /acknowledged the failsafe reboot/);
    const done = await l.done;
    t.equal(done.code, 0, done.stderr);
    t.match(done.stdout, new RegExp(`triggered by [0-9a-f:]{17}`));
    t.same(readFileSync(flag), FLAG_PATTERN);
  }
});

t.test('UDP without an address binds to the LAN address of ifname only', async (t) => {
  const dir = tempDir();
  const config = writeConfig(dir, `\tlist ifname '${IF_DEV}'\n\toption udp_port '4919'\n`);
  const l = inDev(['failsafe', 'listen', '--config', config, '--iface', IF_DEV, '--flag', join(dir, 'flag'), '--reboot-cmd', '', '--window', '15000']);
  await l.waitFor('listening on udp 10.77.0.1:4919');
  t.notMatch(l.output().stdout, /0\.0\.0\.0|127\.0\.0\.1/);
  const r = adminTrigger(['10.77.0.1', '--key', KEY_HEX]);
  t.equal(r.code, 0, r.stderr);
  t.equal((await l.done).code, 0);
});

const hasNft = sh('command -v nft || test -x /usr/sbin/nft').status === 0;

/** TCP connect from the admin namespace with a chosen source address; the first line read. */
function connectFrom(source: string, port: number): string {
  const script = `const s=require('net').connect({host:'10.77.0.1',port:${port},localAddress:'${source}'});` +
    `s.setTimeout(1500,()=>{console.log('timeout');process.exit(0)});s.on('data',d=>{console.log(String(d).trim());process.exit(0)});s.on('error',e=>{console.log(e.code);process.exit(0)})`;
  return spawnSync('ip', ['netns', 'exec', NS_ADMIN, process.execPath, '-e', script], { encoding: 'utf8' }).stdout.trim();
}

t.test('RESCUE: jailed service on the port, reachable only from the allowed address, stopped after the time', { skip: hasNft ? false : 'nft is not installed' }, async (t) => {
  const dir = tempDir();
  const l = inDev(['failsafe', 'listen', '--config', writeConfig(dir), '--udp', '10.77.0.1:4919', '--flag', join(dir, 'flag'), '--reboot-cmd', '',
    '--rescue-cmd', '/bin/busybox nc -ll -p {port} -e /bin/busybox echo rescue-ok', '--window', '30000']);
  await l.waitFor('actions: failsafe, rescue');
  const r = adminTrigger(['10.77.0.1', '--key', KEY_HEX, '--action', 'rescue', '--allow', '10.77.0.2', '--rescue-port', '2222', '--seconds', '8']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /port 2222 is open to 10\.77\.0\.2 for 8 s/);
  // The jail and nc start after the ACK: poll until the port answers (under load that can take a while).
  let answer = connectFrom('10.77.0.2', 2222);
  for (const started = Date.now(); answer === 'ECONNREFUSED' && Date.now() - started < 3000; answer = connectFrom('10.77.0.2', 2222)) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  t.equal(answer, 'rescue-ok', 'the allowed address gets through');
  t.equal(connectFrom('10.77.0.3', 2222), 'timeout', 'any other address is dropped');
  const done = await l.done;
  t.equal(done.code, 0, done.stderr);
  t.match(done.stdout, /rescue service ended .*; port 2222 closed again/);
  t.equal(sh(`ip netns exec ${NS_DEV} nft list tables`).stdout.trim(), '', 'the rules are gone');
  t.equal(connectFrom('10.77.0.2', 2222), 'ECONNREFUSED', 'the service is stopped');
});
