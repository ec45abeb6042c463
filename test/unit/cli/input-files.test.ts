// Every file jailctl takes as input, given as a FIFO, /dev/zero, a directory and a file over its
// size limit: one line naming the option and the path, exit 125, and never a hang (each run has
// a timeout, so a regression fails here instead of stalling the suite).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { INPUT_LIMITS, type InputLimit } from '../../../src/io/input-limits.js';
import { CLI, REPO, type Result } from '../../helpers/jailctl.js';
import { expectOneLineError } from '../../helpers/one-line-error.js';

const TIMEOUT_MS = 20_000;
const dir = mkdtempSync(join(tmpdir(), 'jailctl-inputs-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const FIFO = join(dir, 'fifo');
const mkfifo = spawnSync('mkfifo', [FIFO]);
if (mkfifo.status !== 0) throw new Error(`mkfifo failed: ${mkfifo.stderr}`);
const DIRECTORY = join(dir, 'a-directory');
mkdirSync(DIRECTORY);
const GOOD_PROFILE = join(REPO, 'profiles', 'httpd-example.json');

/** A sparse file one byte over `limit`: refused by its size, never read. */
function oversized(name: string, limit: InputLimit): string {
  const path = join(dir, name);
  writeFileSync(path, '');
  truncateSync(path, limit.maxBytes + 1);
  return path;
}

function run(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface InputCase {
  name: string;
  /** the command line with the bad file in it */
  args: (file: string) => string[];
  /** what the line says before the path ('--seccomp ', or '' for a positional file) */
  prefix: string;
  limit: InputLimit;
}

const out = join(dir, 'out.json');
const CASES: InputCase[] = [
  { name: 'profile check FILE', args: (f) => ['profile', 'check', f], prefix: '', limit: INPUT_LIMITS.profile },
  { name: 'profile compile FILE', args: (f) => ['profile', 'compile', f, '--format', 'hex'], prefix: '', limit: INPUT_LIMITS.profile },
  { name: 'profile compile --stats', args: (f) => ['profile', 'compile', GOOD_PROFILE, '--format', 'hex', '--stats', f], prefix: '--stats ', limit: INPUT_LIMITS.stats },
  { name: 'profile disasm FILE', args: (f) => ['profile', 'disasm', f], prefix: '', limit: INPUT_LIMITS.bpf },
  { name: 'profile merge FILE', args: (f) => ['profile', 'merge', GOOD_PROFILE, f, '-o', out], prefix: '', limit: INPUT_LIMITS.profile },
  { name: 'profile diff A FILE', args: (f) => ['profile', 'diff', GOOD_PROFILE, f], prefix: '', limit: INPUT_LIMITS.profile },
  { name: 'profile explain FILE', args: (f) => ['profile', 'explain', f], prefix: '', limit: INPUT_LIMITS.profile },
  { name: 'profile explain --stats', args: (f) => ['profile', 'explain', GOOD_PROFILE, '--stats', f], prefix: '--stats ', limit: INPUT_LIMITS.stats },
  { name: 'run --seccomp', args: (f) => ['run', '--dry-run', '--no-auto-libs', '--seccomp', f, '--', '/bin/true'], prefix: '--seccomp ', limit: INPUT_LIMITS.profile },
  { name: 'run --seccomp --learn', args: (f) => ['run', '--dry-run', '--no-auto-libs', '--seccomp', f, '--learn', out, '--', '/bin/true'], prefix: '--seccomp ', limit: INPUT_LIMITS.profile },
  { name: 'run --caps', args: (f) => ['run', '--dry-run', '--no-auto-libs', '--caps', f, '--', '/bin/true'], prefix: '--caps ', limit: INPUT_LIMITS.caps },
  { name: 'run --spec', args: (f) => ['run', '--dry-run', '--spec', f, '--', '/bin/true'], prefix: '--spec ', limit: INPUT_LIMITS.spec },
  { name: 'trace --jail --spec', args: (f) => ['trace', '--dry-run', '--jail', '--spec', f, '--', '/bin/true'], prefix: '--spec ', limit: INPUT_LIMITS.spec },
  { name: 'trace --merge -o', args: (f) => ['trace', '--merge', '-o', f, '--', '/bin/true'], prefix: '-o ', limit: INPUT_LIMITS.profile },
  { name: 'trace --merge --stats', args: (f) => ['trace', '--merge', '--stats', f, '--', '/bin/true'], prefix: '--stats ', limit: INPUT_LIMITS.stats },
  { name: 'trace --merge --mounts', args: (f) => ['trace', '--merge', '--mounts', f, '--', '/bin/true'], prefix: '--mounts ', limit: INPUT_LIMITS.spec },
  { name: 'failsafe keygen --config', args: (f) => ['failsafe', 'keygen', '--config', f], prefix: '--config ', limit: INPUT_LIMITS.uci },
  { name: 'failsafe listen --config', args: (f) => ['failsafe', 'listen', '--config', f, '--udp', '0', '--window', '100'], prefix: '--config ', limit: INPUT_LIMITS.uci },
  { name: 'failsafe trigger --config', args: (f) => ['failsafe', 'trigger', '127.0.0.1', '--config', f], prefix: '--config ', limit: INPUT_LIMITS.uci },
  { name: 'failsafe trigger --key-file', args: (f) => ['failsafe', 'trigger', '127.0.0.1', '--key-file', f], prefix: '--key-file ', limit: INPUT_LIMITS.key },
];

const KINDS: { kind: string; file: (c: InputCase, i: number) => string; says: RegExp }[] = [
  { kind: 'a FIFO', file: () => FIFO, says: /not a regular file \(a FIFO\)$/ },
  { kind: '/dev/zero', file: () => '/dev/zero', says: /not a regular file \(a character device\)$/ },
  { kind: 'a directory', file: () => DIRECTORY, says: /not a regular file \(a directory\)$/ },
  { kind: 'an oversized file', file: (c, i) => oversized(`big-${i}`, c.limit), says: /too large \(\d+ bytes; .+ may be at most \d+ [KM]iB\)$/ },
];

t.test('every input option refuses what is not a regular file of sane size', async (t) => {
  const runs = CASES.flatMap((c, i) => KINDS.map((k) => ({ c, k, file: k.file(c, i) })));
  const results: Result[] = [];
  // two at a time: the machine is shared
  for (let i = 0; i < runs.length; i += 2) results.push(...(await Promise.all(runs.slice(i, i + 2).map((r) => run(r.c.args(r.file))))));
  runs.forEach(({ c, k, file }, i) => {
    const pattern = new RegExp(`^jailctl: ${escape(c.prefix + file)}: ${k.says.source}`);
    t.test(`${c.name} with ${k.kind}`, async (t) => expectOneLineError(t, results[i]!, pattern));
  });
});

/** An init script whose one instance names `file` with procd_set_param `key`. */
function initScript(initd: string, name: string, key: string, file: string): void {
  writeFileSync(join(initd, name), [
    '#!/bin/sh /etc/rc.common', 'USE_PROCD=1', 'start_service() {', '\tprocd_open_instance',
    '\tprocd_set_param command /bin/true', '\tprocd_add_jail svc', `\tprocd_set_param ${key} ${file}`, '\tprocd_close_instance', '}', '',
  ].join('\n'));
  chmodSync(join(initd, name), 0o755);
}

t.test('procd_set_param seccomp and capabilities in an init script', async (t) => {
  const initd = join(dir, 'initd');
  mkdirSync(initd);
  for (const [key, limit] of [['seccomp', INPUT_LIMITS.profile], ['capabilities', INPUT_LIMITS.caps]] as const) {
    for (const [i, k] of KINDS.entries()) {
      const file = k.file({ name: key, args: () => [], prefix: '', limit }, 100 + i + (key === 'seccomp' ? 0 : 10));
      const name = `${key}-${i}`;
      initScript(initd, name, key, file);
      const r = await run(['service', name, 'start', '--dry-run', '--initd', initd, '--state', join(dir, 'state'), '--config', join(dir, 'no-config')]);
      const pattern = new RegExp(`^jailctl: init script ${escape(join(initd, name))}: instance "instance1": procd_set_param ${key} ${escape(file)}: ${k.says.source}`);
      t.test(`${key} ${k.kind}`, async (t) => expectOneLineError(t, r, pattern));
    }
  }
});

t.test('service state files: a FIFO, a symlink, a directory or an oversized file', async (t) => {
  const initd = join(dir, 'initd-state');
  mkdirSync(initd);
  initScript(initd, 'svc', 'respawn', '');
  const record = (n: number) => join(dir, `state-${n}`, 'svc', 'service.json');
  const plant: [string, (path: string) => void, RegExp][] = [
    ['a FIFO', (p) => spawnSync('mkfifo', [p]), /not a regular file \(a FIFO\)$/],
    ['a symlink to /dev/zero', (p) => symlinkSync('/dev/zero', p), /not a regular file \(a symbolic link\)$/],
    ['a directory', (p) => mkdirSync(p), /not a regular file \(a directory\)$/],
    ['an oversized file', (p) => { writeFileSync(p, ''); truncateSync(p, INPUT_LIMITS.state.maxBytes + 1); }, /too large/],
  ];
  for (const [n, [kind, make, says]] of plant.entries()) {
    mkdirSync(join(dir, `state-${n}`, 'svc'), { recursive: true });
    make(record(n));
    const r = await run(['service', 'svc', 'status', '--initd', initd, '--state', join(dir, `state-${n}`)]);
    t.test(kind, async (t) => expectOneLineError(t, r, new RegExp(`^jailctl: ${escape(record(n))}: ${says.source}`)));
  }
});

t.test('service --config: a FIFO or device among the UCI packages is not found, as uci says, and never read', async (t) => {
  const config = join(dir, 'config');
  mkdirSync(config);
  spawnSync('mkfifo', [join(config, 'network')]);
  symlinkSync('/dev/zero', join(config, 'firewall'));
  writeFileSync(join(config, 'system'), "config system 'main'\n\toption hostname 'box'\n");
  const initd = join(dir, 'initd-config');
  mkdirSync(initd);
  writeFileSync(join(initd, 'svc'), [
    '#!/bin/sh /etc/rc.common', 'USE_PROCD=1', 'start_service() {', '\tconfig_load network', '\tconfig_load firewall', '\tconfig_load system',
    '\tconfig_get host main hostname', '\tprocd_open_instance', '\tprocd_set_param command /bin/echo "$host"', '\tprocd_close_instance', '}', '',
  ].join('\n'));
  chmodSync(join(initd, 'svc'), 0o755);
  const r = await run(['service', 'svc', 'start', '--dry-run', '--initd', initd, '--state', join(dir, 'state'), '--config', config]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /"argv": \[\s*"\/bin\/echo",\s*"box"\s*\]/, 'the regular package is read');
});
