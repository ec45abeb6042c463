// Files that hold secrets, given where jailctl expects a profile, spec, capabilities file, stats,
// mount list, UCI file or key file: the error says what is wrong and where (file, line, JSON
// path), and not one fragment of the secret reaches stderr. jailctl often runs as root for a
// user who could not read /etc/shadow.
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { CLI, REPO, type Result } from '../../helpers/jailctl.js';

const dir = mkdtempSync(join(tmpdir(), 'jailctl-secrets-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const GOOD_PROFILE = join(REPO, 'profiles', 'httpd-example.json');

// each secret holds fragments no message may contain
const HASH = 'N3vYBtQ3ZmQ1kVbL2bYyX8yJ3l3Fg0aZ8q';
const HEX = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const PEM_BODY = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ';
const PASSWORD = 'Tr0ub4dor&3-horse';
const FRAGMENTS = [HASH, HEX.slice(0, 12), HEX.slice(-12), PEM_BODY.slice(0, 12), PASSWORD, 'j9T', 'OPENSSH'];

const SECRETS: Record<string, string> = {
  'shadow': `root:$y$j9T$${HASH}:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n`,
  'bare hex key': `${HEX}\n`,
  'PEM block': `-----BEGIN OPENSSH PRIVATE KEY-----\n${PEM_BODY}\n-----END OPENSSH PRIVATE KEY-----\n`,
  'JSON credentials': JSON.stringify({ [HEX]: PASSWORD, bounding: [PASSWORD], name: { key: HEX }, hostname: [HEX], whitelist: [HASH], arch: PASSWORD, counts: { [HEX]: HASH } }),
  'UCI with a bare key line': `config system\n\toption hostname 'x'\n${HEX}\nconfig failsafe 'failsafe'\n\toption key '${PASSWORD}'\n`,
};

function run(args: string[], cwd = REPO): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** An init script whose instance names `file` with procd_set_param `key`. */
function initScript(initd: string, name: string, key: string, file: string): void {
  writeFileSync(join(initd, name), ['#!/bin/sh /etc/rc.common', 'USE_PROCD=1', 'start_service() {', '\tprocd_open_instance',
    '\tprocd_set_param command /bin/true', '\tprocd_add_jail svc', `\tprocd_set_param ${key} ${file}`, '\tprocd_close_instance', '}', ''].join('\n'));
  chmodSync(join(initd, name), 0o755);
}

/** Each parser, fed `file` (a fresh copy: keygen must not write into the test's only copy). */
const PARSERS: [string, (file: string, n: number) => string[], number][] = [
  ['run --caps', (f) => ['run', '--dry-run', '--no-auto-libs', '--caps', f, '--', '/bin/true'], 125],
  ['run --spec', (f) => ['run', '--dry-run', '--spec', f, '--', '/bin/true'], 125],
  ['run --seccomp', (f) => ['run', '--dry-run', '--no-auto-libs', '--seccomp', f, '--', '/bin/true'], 125],
  ['profile check', (f) => ['profile', 'check', f], 1],
  ['profile diff', (f) => ['profile', 'diff', GOOD_PROFILE, f], 125],
  ['profile explain --stats', (f) => ['profile', 'explain', GOOD_PROFILE, '--stats', f], 125],
  ['trace --merge --mounts', (f) => ['trace', '--merge', '--mounts', f, '--', '/bin/true'], 125],
  ['trace --merge --stats', (f) => ['trace', '--merge', '--stats', f, '--', '/bin/true'], 125],
  ['failsafe keygen --config', (f) => ['failsafe', 'keygen', '--config', f], 125],
  ['failsafe listen --config', (f) => ['failsafe', 'listen', '--config', f, '--udp', '0', '--window', '100'], 125],
  ['failsafe trigger --config', (f) => ['failsafe', 'trigger', '127.0.0.1', '--config', f], 125],
  ['procd_set_param capabilities', (f, n) => service('capabilities', f, n), 125],
  ['procd_set_param seccomp', (f, n) => service('seccomp', f, n), 125],
];

const initd = join(dir, 'initd');
mkdirSync(initd);
function service(key: string, file: string, n: number): string[] {
  initScript(initd, `svc${n}`, key, file);
  return ['service', `svc${n}`, 'start', '--dry-run', '--initd', initd, '--state', join(dir, 'state'), '--config', join(dir, 'no-config')];
}

/** JSON credentials holding a "whitelist" is a procd legacy profile to the profile readers: its
 * unknown keys and names are warnings (as runc and procd ignore them), so those accept it. */
const ACCEPTED_AS_PROFILE = new Set(['run --seccomp', 'profile check', 'profile diff', 'procd_set_param seccomp']);
function expectedCode(secret: string, parser: string, code: number): number {
  return secret === 'JSON credentials' && ACCEPTED_AS_PROFILE.has(parser) ? 0 : code;
}

function expectNoSecret(t: Test, r: Result, code: number): void {
  t.equal(r.code, code, `exit ${code}: ${r.stderr}`);
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  for (const fragment of FRAGMENTS) t.notOk(r.stderr.includes(fragment) || r.stdout.includes(fragment), `no "${fragment}" in: ${r.stderr}`);
}

t.test('no parser quotes a secret back', async (t) => {
  const runs: { name: string; args: string[]; code: number }[] = [];
  let n = 0;
  for (const [secret, text] of Object.entries(SECRETS)) {
    const source = join(dir, `secret-${n}`);
    writeFileSync(source, text);
    for (const [parser, args, code] of PARSERS) {
      const copy = join(dir, `copy-${n++}`);
      copyFileSync(source, copy);
      runs.push({ name: `${parser} given ${secret}`, args: args(copy, n), code: expectedCode(secret, parser, code) });
    }
  }
  const results: Result[] = [];
  for (let i = 0; i < runs.length; i += 2) results.push(...(await Promise.all(runs.slice(i, i + 2).map((r) => run(r.args)))));
  runs.forEach((r, i) => t.test(r.name, async (t) => expectNoSecret(t, results[i]!, r.code)));
});

t.test('--key-file holding something else than a key', async (t) => {
  for (const [secret, text] of Object.entries(SECRETS).filter(([name]) => name !== 'bare hex key')) {
    const file = join(dir, `key-${secret.replace(/\W/g, '_')}`);
    writeFileSync(file, text);
    const r = await run(['failsafe', 'trigger', '127.0.0.1', '--key-file', file]);
    t.test(secret, async (t) => {
      expectNoSecret(t, r, 125);
      t.match(r.stderr, /^jailctl: --key-file \S+: the key must be 64 hex characters; it holds characters that are not hex digits$/m);
    });
  }
});

t.test('service --config: the lines of a package holding secrets are skipped with warnings that quote none', async (t) => {
  const config = join(dir, 'config');
  mkdirSync(config);
  const names = Object.keys(SECRETS).map((_, i) => `pkg${i}`);
  Object.values(SECRETS).forEach((text, i) => writeFileSync(join(config, names[i]!), text));
  writeFileSync(join(initd, 'loader'), ['#!/bin/sh /etc/rc.common', 'USE_PROCD=1', 'start_service() {', ...names.map((n) => `\tconfig_load ${n}`),
    '\tprocd_open_instance', '\tprocd_set_param command /bin/true', '\tprocd_close_instance', '}', ''].join('\n'));
  chmodSync(join(initd, 'loader'), 0o755);
  const r = await run(['service', 'loader', 'start', '--dry-run', '--initd', initd, '--state', join(dir, 'state'), '--config', config]);
  expectNoSecret(t, r, 0);
  t.match(r.stderr, /warning: config \S+pkg0: line 1: .*; uci skips the line/);
  t.match(r.stderr, /warning: config \S+pkg4: line 3: .*; uci skips the line/);
});

t.test('what the messages say instead', async (t) => {
  const shadow = join(dir, 'shadow');
  writeFileSync(shadow, SECRETS['shadow']!);
  const caps = await run(['run', '--dry-run', '--no-auto-libs', '--caps', shadow, '--', '/bin/true']);
  t.match(caps.stderr, new RegExp(`^jailctl: ${shadow}: invalid JSON at line 1, column 1: unexpected character`));
  const listen = await run(['failsafe', 'listen', '--config', shadow, '--udp', '0', '--window', '100']);
  t.match(listen.stderr, new RegExp(`^jailctl: ${shadow}:1: not a UCI statement`));
  const json = join(dir, 'credentials.json');
  writeFileSync(json, SECRETS['JSON credentials']!);
  const spec = await run(['run', '--dry-run', '--spec', json, '--', '/bin/true']);
  t.match(spec.stderr, /unknown key <a string of 64 characters>/);
  const capsJson = await run(['run', '--dry-run', '--no-auto-libs', '--caps', json, '--', '/bin/true']);
  t.match(capsJson.stderr, /unknown capability set <a string of 64 characters>/);
});
