#!/usr/bin/env node
// Regenerates profiles/failsafe-listener.json: runs the shipped init.d/failsafe-listener through
// `jailctl service NAME trace`, so the listener (the C daemon jailctl-failsafe) is traced inside
// the very jail it ships with
// (raw frames on lo, UDP on lo's address found through the interface list, the flag, the reboot
// FIFO), while it lives through junk, wrong keys, a full trigger, the reboot request and SIGTERM.
// Then the names the same calls have on the other OpenWrt ABIs are added (after the traced ones,
// which stay most frequent first), and the result is checked for every architecture.
// Needs root and a built tree (`npm run build`). Usage: node scripts/trace-failsafe-profile.mjs [OUT]
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'jailctl.mjs');
const OUT = resolve(process.argv[2] ?? join(ROOT, 'profiles', 'failsafe-listener.json'));
const { ARCH_NAMES, ARCHES, archFromNode, resolveSyscall } = await import(join(ROOT, 'dist', 'profile', 'arch.js'));
const { encodeChallenge, deriveKeys } = await import(join(ROOT, 'dist', 'failsafe', 'protocol.js'));
const { writeFileAtomic } = await import(join(ROOT, 'dist', 'io', 'write-atomic.js'));

/** The ABIs OpenWrt devices run; the profile lists them so that each one's names are valid. */
const ARCHITECTURES = ['x86_64', 'aarch64', 'arm', 'mipsel', 'mips'];
/**
 * Traced x86_64 name -> the same call on the other listed ABIs (32-bit arm and mips, aarch64;
 * glibc and musl; musl's 64-bit time_t on 32-bit). Reviewed by hand: nothing here grants more
 * than the traced name does.
 */
const SPELLINGS = {
  mmap: ['mmap2'], fstat: ['fstat64'], newfstatat: ['fstatat64', 'stat', 'lstat', 'stat64', 'lstat64'],
  openat: ['open'], open: ['openat'], stat: ['newfstatat', 'fstatat64', 'stat64', 'statx'], access: ['faccessat', 'faccessat2'], readlink: ['readlinkat'], fcntl: ['fcntl64'],
  lseek: ['_llseek'], epoll_pwait: ['epoll_wait'], epoll_create1: ['epoll_create'], pipe2: ['pipe'],
  clone3: ['clone'], rt_sigreturn: ['sigreturn'], futex: ['futex_time64'], prlimit64: ['ugetrlimit', 'getrlimit'],
  getuid: ['getuid32'], geteuid: ['geteuid32'], getgid: ['getgid32'], getegid: ['getegid32'],
  arch_prctl: ['set_tls', 'set_thread_area'], sendto: ['send'], recvfrom: ['recv'], ppoll: ['ppoll_time64'],
};
/** Clocks come from the vDSO on x86_64, so a trace there never sees them; some mips kernels have no vDSO clock. */
const CLOCKS = ['clock_gettime', 'clock_gettime64', 'gettimeofday', 'clock_getres', 'clock_getres_time64'];

function run(args, options = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000, ...options });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

function fail(message) {
  throw new Error(message);
}

async function freeUdpPort() {
  const socket = createSocket('udp4');
  await new Promise((done) => socket.bind(0, '127.0.0.1', done));
  const { port } = socket.address();
  await new Promise((done) => socket.close(done));
  return port;
}

async function waitFor(test, what, ms = 20_000) {
  for (const start = Date.now(); !test(); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() - start > ms) fail(`timed out waiting for ${what}`);
  }
}

/** Junk, then CHALLENGEs with our dev_id and a wrong tag (the HMAC path), over UDP. */
async function sendNoise(port, devId) {
  const socket = createSocket('udp4');
  const wrong = { ...deriveKeys(Buffer.alloc(32, 0xee)), devId };
  const send = (bytes) => new Promise((done) => socket.send(bytes, port, '127.0.0.1', done));
  for (let i = 0; i < 2000; i++) await send(randomBytes(i % 2 === 0 ? 96 : 17));
  for (let i = 0; i < 200; i++) await send(encodeChallenge(wrong, randomBytes(16)));
  await new Promise((done) => socket.close(done));
}

function writeProfile(traced, out) {
  const names = traced.syscalls.flatMap((entry) => entry.names);
  const known = (name) => ARCHITECTURES.some((arch) => resolveSyscall(arch, name) !== undefined);
  const added = [...names.flatMap((name) => SPELLINGS[name] ?? []), ...CLOCKS].filter((n, i, all) => !names.includes(n) && all.indexOf(n) === i && known(n));
  const comment = `jailctl-failsafe (the C daemon of jailctl failsafe listen), jailed by init.d/failsafe-listener. The first ${names.length} names were traced on ${archFromNode()} `
    + `by scripts/trace-failsafe-profile.mjs inside the listener's own jail, through junk, wrong keys, a full trigger over UDP, `
    + 'raw 0x88B5 frames, the reboot request and SIGTERM; the rest are the same calls as the 32-bit, arm and mips ABIs and musl spell them (checked under qemu-user '
    + 'for each by test/native/targets-failsafe.test.ts), and the clocks the vDSO hides on x86_64. Regenerate with scripts/trace-failsafe-profile.mjs; '
    + 're-trace on the device with --merge if the listener is killed.';
  const profile = {
    comment,
    defaultAction: traced.defaultAction,
    architectures: ARCHITECTURES.map((arch) => ARCHES[arch].scmpName),
    syscalls: [{ names: [...names, ...added], action: 'SCMP_ACT_ALLOW' }],
  };
  writeFileAtomic(out, formatProfile(profile)); // a failed run never leaves half a profile
  return { traced: names.length, added };
}

/** JSON with the name list wrapped at 100 columns, like jailctl's own profiles. */
function formatProfile(profile) {
  const rows = [];
  let row = '';
  for (const name of profile.syscalls[0].names.map((n) => JSON.stringify(n))) {
    if (row !== '' && row.length + name.length + 10 > 100) {
      rows.push(row);
      row = '';
    }
    row = row === '' ? name : `${row}, ${name}`;
  }
  rows.push(row);
  const head = JSON.stringify({ comment: profile.comment, defaultAction: profile.defaultAction, architectures: profile.architectures }, null, 2).slice(0, -2);
  return `${head},\n  "syscalls": [\n    {\n      "names": [\n${rows.map((r) => `        ${r}`).join(',\n')}\n      ],\n      "action": "SCMP_ACT_ALLOW"\n    }\n  ]\n}\n`;
}

function quit(message) {
  console.error(`trace-failsafe-profile: ${message}`);
  process.exit(1);
}
if (process.geteuid() !== 0) quit('needs root (it runs the listener jailed)');
if (!existsSync(CLI) || !existsSync(join(ROOT, 'build', 'Release', 'jailctl_native.node'))) quit('build first: npm run build');

const work = mkdtempSync(join(tmpdir(), 'jailctl-trace-failsafe-'));
const name = `failsafe-listener-trace-${process.pid}`;
const [initd, state, config] = ['initd', 'state', 'config'].map((d) => join(work, d));
for (const dir of [initd, state, config]) mkdirSync(dir);
copyFileSync(join(ROOT, 'init.d', 'failsafe-listener'), join(initd, name));
const system = join(config, 'system');
const port = await freeUdpPort();
const traced = join(work, 'traced.json');
const rebooted = join(work, 'rebooted');
const service = (action) => run(['service', name, action, '--initd', initd, '--state', state, '--config', config]);
let tracer;
try {
  const keygen = run(['failsafe', 'keygen', '--config', system]);
  if (keygen.code !== 0) fail(keygen.out);
  appendFileSync(system, [`option udp_port '${port}'`, "list ifname 'lo'", `option flag '${join(work, 'flag')}'`, `option reboot_cmd ': > ${rebooted}'`,
    `option reboot_fifo '${join(work, 'run', 'reboot')}'`, `option seccomp '${traced}'`].map((l) => `\t${l}\n`).join(''));
  let output = '';
  tracer = spawn(process.execPath, [CLI, 'service', name, 'trace', '--initd', initd, '--state', state, '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  tracer.stdout.on('data', (d) => (output += d));
  tracer.stderr.on('data', (d) => (output += d));
  const ended = new Promise((done) => tracer.on('exit', done));
  await waitFor(() => output.includes(`listening on udp 127.0.0.1:${port}, raw lo`), `the listener (output so far: ${output})`);
  const devId = /dev_id ([0-9a-f]{16})/.exec(output)?.[1] ?? fail(`the listener did not say its dev_id:\n${output}`);
  await sendNoise(port, Buffer.from(devId, 'hex'));
  const wrongKey = ['--key', 'ee'.repeat(32), '--timeout', '100'];
  run(['failsafe', 'trigger', '--iface', 'lo', 'broadcast', ...wrongKey]);
  run(['failsafe', 'trigger', `127.0.0.1:${port}`, ...wrongKey]);
  const trigger = run(['failsafe', 'trigger', `127.0.0.1:${port}`, '--config', system]);
  if (trigger.code !== 0) fail(`the trigger failed: ${trigger.out}\n${output}`);
  await waitFor(() => existsSync(rebooted), 'the reboot request to reach the reboot instance');
  await new Promise((r) => setTimeout(r, 2000));
  const stop = service('stop');
  if (stop.code !== 0) fail(stop.out);
  await ended;
  if (!existsSync(traced)) fail(`no profile written:\n${output}`);
  const { traced: count, added } = writeProfile(JSON.parse(readFileSync(traced, 'utf8')), OUT);
  console.log(`wrote ${OUT}: ${count} traced syscalls, ${added.length} added (${added.join(', ')})`);
  for (const arch of ARCH_NAMES) {
    const check = run(['profile', 'check', OUT, '--arch', arch]);
    if (check.code !== 0) fail(`${arch}: ${check.out}`);
  }
  console.log(`checked for ${ARCH_NAMES.join(', ')}`);
} catch (err) {
  // one line, whatever failed (a step here, jailctl's own modules); the stack only when asked
  console.error(`trace-failsafe-profile: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.JAILCTL_DEBUG && err instanceof Error) console.error(err.stack);
  process.exitCode = 1;
} finally {
  if (tracer?.exitCode === null) service('stop');
  rmSync(join(tmpdir(), `${name}.json`), { force: true }); // the reboot instance's trace: not wanted
  rmSync(work, { recursive: true, force: true });
}
