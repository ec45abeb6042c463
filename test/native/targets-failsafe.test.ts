// The failsafe daemon of every router architecture (build/targets/ARCH/jailctl-failsafe, under
// qemu-user where it is foreign) end to end on loopback, against the TypeScript client
// (`jailctl failsafe trigger`): trigger -> flag written and read back -> reboot command; and
// trigger -> reboot request through a FIFO -> SIGTERM. Under `qemu -strace`, every call it
// makes on that architecture must be named by profiles/failsafe-listener.json.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { FLAG_PATTERN } from '../../src/failsafe/flag.js';
import { jailctl, REPO } from '../helpers/jailctl.js';
import { TARGETS, target, type TargetRun } from '../helpers/targets.js';

const PROFILE = join(REPO, 'profiles', 'failsafe-listener.json');

function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => {
    const { port } = socket.address();
    socket.close(() => resolve(port));
  }));
}

function startDaemon(argv: string[]) {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  const waitFor = async (text: string, ms = 20_000) => {
    for (const start = Date.now(); !stdout.includes(text); await new Promise((r) => setTimeout(r, 20))) {
      if (Date.now() - start > ms || child.exitCode !== null) throw new Error(`no ${JSON.stringify(text)}: ${stdout}${stderr}`);
    }
  };
  return { child, done, waitFor };
}

async function setup(tg: TargetRun) {
  const dir = mkdtempSync(join(tmpdir(), `jailctl-target-${tg.arch}-`));
  const key = randomBytes(32).toString('hex');
  const config = join(dir, 'system');
  writeFileSync(config, `config failsafe 'failsafe'\n\toption key '${key}'\n`);
  writeFileSync(join(dir, 'pattern'), FLAG_PATTERN);
  const port = await freeUdpPort();
  const common = ['--config', config, '--udp', `127.0.0.1:${port}`, '--flag', join(dir, 'flag')];
  const trigger = () => jailctl(['failsafe', 'trigger', `127.0.0.1:${port}`, '--key', key, '--timeout', '1000'], { timeout: 60_000 });
  return { dir, key, common, trigger, flag: join(dir, 'flag') };
}

for (const arch of TARGETS) {
  const tg = target(arch);
  t.test(`${arch}: trigger -> flag set and read back -> reboot command; --window exits 0`, { skip: tg.skip }, async (t) => {
    const s = await setup(tg);
    t.teardown(() => rmSync(s.dir, { recursive: true, force: true }));
    const marker = join(s.dir, 'rebooted');
    const d = startDaemon(tg.argv('jailctl-failsafe', [...s.common, '--window', '60000', '--reboot-cmd', `cmp -s ${s.flag} ${join(s.dir, 'pattern')} && touch ${marker}`]));
    await d.waitFor('listening on udp 127.0.0.1');
    t.same(readFileSync(s.flag), Buffer.alloc(4096), 'the flag is made, not set');
    const r = s.trigger();
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, /acknowledged the failsafe reboot/);
    const done = await d.done;
    t.equal(done.code, 0, done.stderr);
    t.match(done.stdout, /failsafe reboot triggered by 127\.0\.0\.1:\d+\nfailsafe: flag set; running cmp/);
    t.ok(existsSync(marker), 'the reboot command saw the verified flag');
    t.equal(jailctl(['failsafe', 'consume-flag', '--flag', s.flag]).code, 0, 'preinit finds it set');
  });

  t.test(`${arch}: reboot request through a FIFO, SIGTERM; every call it made is in the profile`, { skip: tg.skip || (tg.qemu === undefined ? 'no qemu for -strace' : false) }, async (t) => {
    const s = await setup(tg);
    t.teardown(() => rmSync(s.dir, { recursive: true, force: true }));
    const fifo = join(s.dir, 'reboot');
    spawnSync('mkfifo', [fifo]);
    const reader = spawnSync('sh', ['-c', `(read line < ${fifo}; echo "$line" > ${join(s.dir, 'request')}) >/dev/null 2>&1 & echo $!`], { encoding: 'utf8' });
    t.teardown(() => void spawnSync('kill', [reader.stdout.trim()]));
    const straced = join(s.dir, 'strace');
    const argv = [tg.qemu!, '-strace', '-D', straced, tg.program('jailctl-failsafe'), ...s.common, '--reboot-fifo', fifo];
    const d = startDaemon(argv);
    await d.waitFor('listening on udp 127.0.0.1');
    const r = s.trigger();
    t.equal(r.code, 0, r.stderr);
    for (const start = Date.now(); !existsSync(join(s.dir, 'request')) && Date.now() - start < 10_000; ) await new Promise((res) => setTimeout(res, 50));
    t.equal(readFileSync(join(s.dir, 'request'), 'utf8'), 'reboot\n', 'one "reboot" line');
    d.child.kill('SIGTERM');
    const done = await d.done;
    t.equal(done.code, 0, done.stderr);
    t.match(done.stdout, /reboot requested through .*reboot\n.*stopping; packets seen: .*act 1/s);
    const profile = new Set((JSON.parse(readFileSync(PROFILE, 'utf8')) as { syscalls: { names: string[] }[] }).syscalls.flatMap((x) => x.names));
    const calls = [...new Set([...readFileSync(straced, 'utf8').matchAll(/^\d+ (\w+)\(/gm)].map((m) => m[1]!))];
    t.ok(calls.length > 10, `${calls.length} distinct calls traced`);
    t.same(calls.filter((c) => !profile.has(c)), [], `${arch}: calls missing from profiles/failsafe-listener.json`);
  });
}
