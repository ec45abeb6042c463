// As root, only when JAILCTL_INITD_CORPUS names a folder of real init scripts (and subfolders;
// OpenWrt's, say: nobody here wrote them, so none is committed): every script's start --dry-run
// ends in plans or one clear error line, never a stack trace, and leaves no state. Scripts named
// in JAILCTL_INITD_CORPUS_START (blank-separated names) are started for real, with
// JAILCTL_INITD_CORPUS_CONFIG as --config (an empty folder otherwise), and start, status and
// stop must tell the truth about each other. A real start does what the script does on the host
// (keys in /etc/dropbear, files in /tmp ...): name only scripts that may.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { isRoot, jailctl } from '../helpers/jailctl.js';
import { alive } from '../helpers/service.js';

const CORPUS = process.env['JAILCTL_INITD_CORPUS'];
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.@+-]*$/;
if (CORPUS === undefined || CORPUS === '') t.plan(0, 'set JAILCTL_INITD_CORPUS to a folder of real init scripts to run them');
else if (!isRoot) t.plan(0, 'needs root');
else corpusTests(CORPUS);

/** Every script of the folder and its subfolders: [folder, name]. */
function scriptsIn(folder: string): [string, string][] {
  return readdirSync(folder).sort().flatMap((n): [string, string][] => {
    const path = join(folder, n);
    if (statSync(path).isDirectory()) return scriptsIn(path);
    return NAME.test(n) && readFileSync(path, 'latin1').startsWith('#!') ? [[folder, n]] : [];
  });
}

function corpusTests(corpus: string): void {
  const scripts = scriptsIn(corpus);
  const startList = (process.env['JAILCTL_INITD_CORPUS_START'] ?? '').split(/\s+/).filter(Boolean);
  const work = mkdtempSync(join(tmpdir(), 'jailctl-corpus-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const config = process.env['JAILCTL_INITD_CORPUS_CONFIG'] || join(work, 'config');
  const options = (initd: string) => ['--initd', initd, '--state', join(work, 'state'), '--config', config, '--rcd', join(work, 'rc.d')];
  const initdOf = (name: string) => scripts.find(([, n]) => n === name)?.[0] ?? corpus;
  const svc = (name: string, ...args: string[]) => jailctl(['service', name, ...args, ...options(initdOf(name))], { timeout: 120_000 });

  for (const [, name] of scripts) {
    t.test(`${name}: start --dry-run`, async (t) => {
      const r = svc(name, 'start', '--dry-run');
      t.notMatch(r.stderr, /internal error|\n\s+at /, 'no stack trace');
      if (r.code === 0) t.ok(Array.isArray(JSON.parse(r.stdout)), 'plans');
      else {
        // one line per failure, each naming the script (each failing instance fails alone)
        const errors = r.stderr.split('\n').filter((l) => l.startsWith('jailctl: ') && !l.startsWith('jailctl: note:') && !l.startsWith('jailctl: warning:'));
        t.ok(errors.length >= 1 && errors.every((l) => l.startsWith(`jailctl: init script ${join(initdOf(name), name)}: `)), `error lines name the script: ${r.stderr}`);
      }
      t.notOk(existsSync(join(work, 'state', name)), 'a dry run leaves no state');
    });
  }

  for (const name of startList) {
    t.test(`${name}: start, status, stop tell the truth`, async (t) => {
      const start = svc(name, 'start');
      t.notMatch(start.stderr, /internal error/);
      const status = svc(name, 'status', '--json');
      const json = JSON.parse(status.stdout) as { state: string; instances: { pid: number | null; launcherPid: number | null }[] };
      const line = svc(name, 'status');
      const expected = json.state === 'running' ? 0 : json.state === 'stopped' ? 3 : 1;
      t.equal(line.code, expected, `status exits ${expected} for "${json.state}": ${line.stdout.split('\n')[0]}`);
      t.match(line.stdout, new RegExp(`^${name}: ${json.state}`), 'the first line says the state');
      if (start.code === 0) t.ok(['running', 'stopped'].includes(json.state), `start exited 0: ${start.stdout}`);
      else t.not(json.state, 'running', `start exited ${start.code}: ${start.stdout}${start.stderr}`);
      const pids = json.instances.flatMap((i) => [i.pid, i.launcherPid]).filter((p): p is number => p !== null);
      const stop = svc(name, 'stop');
      t.equal(stop.code, 0, stop.stderr);
      t.same(pids.filter(alive), [], 'stop leaves no process');
      t.equal(svc(name, 'status').code, 3);
    });
  }
}
