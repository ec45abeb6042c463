// Real OpenWrt init scripts, unmodified, evaluated as `jailctl service NAME start` reads them.
// Runs when JAILCTL_INITD_CORPUS names a folder of scripts (and its subfolders), for example
// scripts from openwrt/openwrt's package/ and openwrt/packages; JAILCTL_INITD_CORPUS_CONFIG may
// name a folder of UCI packages for them (their defaults). Every evaluation happens in a
// throwaway root: real start_service functions run for real. A script may fail for reasons of
// its own (a file of its package missing on this host, its own `exit`); it must never fail for
// want of what jailctl provides: the OpenWrt libraries, uci, jshn, validate_data, ash idioms.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { REPO } from '../helpers/jailctl.js';
import { throwawayCommand, throwawayUnavailable } from '../helpers/throwaway-root.js';

const CORPUS = process.env['JAILCTL_INITD_CORPUS'];
const CONFIG = process.env['JAILCTL_INITD_CORPUS_CONFIG'];
const RUNNER = join(REPO, 'build-test', 'test', 'helpers', 'corpus-runner.js');

interface Result {
  name: string;
  ok: boolean;
  commands?: Record<string, string[]>;
  warnings?: string[];
  error?: string;
}

/** What jailctl promises a script: none of these may be why it fails. */
const JAILCTL_PROMISES = new RegExp([
  String.raw`can't open '/(?:lib/functions(?:\.sh|/(?:network|service|system|procd)\.sh)|lib/config/uci\.sh|usr/share/libubox/jshn\.sh)'`,
  String.raw`\b(?:uci|jshn|validate_data): not found`,
  'Bad substitution',
  String.raw`\b(?:config|json|network|uci|service|procd)_[a-z_]+: not found`,
].join('|'));

function evaluateFolder(folder: string, configDir: string): Result[] {
  const argv = throwawayCommand([process.execPath, RUNNER, folder, configDir]);
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 3_600_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`the corpus runner failed (${r.status}): ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Result);
}

const why = CORPUS === undefined ? 'set JAILCTL_INITD_CORPUS to a folder of real OpenWrt init scripts' : throwawayUnavailable();

t.test('real OpenWrt init scripts evaluate unmodified', { skip: why ?? false, timeout: 3_600_000 }, async (t) => {
  const folders = [CORPUS!, ...readdirSync(CORPUS!).map((n) => join(CORPUS!, n)).filter((p) => statSync(p).isDirectory())];
  const empty = t.testdir({ config: {} });
  const results = folders.flatMap((folder) => evaluateFolder(folder, CONFIG ?? join(empty, 'config')));
  const failed = results.filter((r) => !r.ok);
  t.comment(`${results.length - failed.length} of ${results.length} scripts evaluated unmodified`);
  for (const r of failed) t.comment(`${r.name}: ${r.error}`);
  t.same(failed.filter((r) => JAILCTL_PROMISES.test(r.error ?? '')).map((r) => `${r.name}: ${r.error}`), [], 'no script fails for want of what jailctl provides');
  t.ok(results.length > 0, 'the corpus holds scripts');
});

t.test("OpenWrt's dropbear script: PasswordAuth 'off', RootPasswordAuth 'off', RootLogin 'no' give -s -g -w", { skip: why ?? false }, async (t) => {
  const script = CORPUS === undefined ? undefined : [CORPUS, ...readdirSync(CORPUS).map((n) => join(CORPUS, n))].map((d) => join(d, 'dropbear')).find((p) => existsSync(p) && statSync(p).isFile());
  if (script === undefined) return t.pass('no dropbear script in the corpus');
  const dir = t.testdir({ scripts: {}, config: { dropbear: "config dropbear\n\toption PasswordAuth 'off'\n\toption RootPasswordAuth 'off'\n\toption RootLogin 'no'\n\toption Port '22'\n" } });
  copyFileSync(script, join(dir, 'scripts', 'dropbear'));
  const [result] = evaluateFolder(join(dir, 'scripts'), join(dir, 'config'));
  t.equal(result?.ok, true, result?.error ?? 'evaluated');
  const commands = Object.values(result?.commands ?? {});
  t.equal(commands.length, 1, 'one instance');
  for (const flag of ['-s', '-g', '-w']) t.ok(commands[0]?.includes(flag), `${flag} is on the command line: ${commands[0]?.join(' ')}`);
});
