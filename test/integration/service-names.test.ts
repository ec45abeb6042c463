// `service list` and a NAME that is not there: list shows procd init scripts only (a host's sysvinit
// scripts are one note line), lists them for a user who may not read the state folder (state
// unknown, exit 0), and a missing script is one line naming it and --initd: status exits 4 (LSB
// "status unknown"), every other command 125.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { CLI, isRoot, jailctl, REPO } from '../helpers/jailctl.js';

function fixture(t: Test) {
  const dir = mkdtempSync(join(tmpdir(), 'jailctl-service-names-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const initd = join(dir, 'initd');
  const state = join(dir, 'state');
  mkdirSync(initd);
  copyFileSync(join(REPO, 'init.d', 'httpd-example'), join(initd, 'httpd-example'));
  copyFileSync(join(REPO, 'test/fixtures/initd/not-procd'), join(initd, 'old-style'));
  writeFileSync(join(initd, 'hwclock.sh'), '#!/bin/sh\n### BEGIN INIT INFO\n# Provides: hwclock\n### END INIT INFO\ncase "$1" in start) ;; esac\n');
  return { dir, initd, state };
}

t.test('service list: procd init scripts only, and one note for the rest', async (t) => {
  const { initd, state } = fixture(t);
  const r = jailctl(['service', 'list', '--initd', initd, '--state', state]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'httpd-example: stopped\n');
  t.equal(r.stderr, `jailctl: note: left out 2 files of ${initd} that are no procd init scripts (no USE_PROCD=1): hwclock.sh, old-style\n`);
  const json = jailctl(['service', 'list', '--json', '--initd', initd, '--state', state]);
  t.same((JSON.parse(json.stdout) as { name: string }[]).map((s) => s.name), ['httpd-example']);
});

t.test('service list as a user who may not read the state folder: listed, state unknown', { skip: isRoot ? false : 'needs root (to run as nobody)' }, async (t) => {
  const { dir, initd, state } = fixture(t);
  mkdirSync(state, { mode: 0o700 }); // as root's /var/run/jailctl
  chmodSync(dir, 0o755);
  const r = spawnSync('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', process.execPath, CLI, 'service', 'list', '--initd', initd, '--state', state], { encoding: 'utf8', cwd: '/' });
  if (r.status !== 0 && /EACCES|Permission denied/.test(r.stderr) && !r.stderr.includes(state)) { t.comment(`skipped: nobody cannot run ${process.execPath}`); return; }
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^httpd-example: state unknown \(.*cannot read .*EACCES.*\)\n$/);
  t.notMatch(r.stderr, /^jailctl: (?!note:)/m, 'no error');
});

t.test('a missing script: one line naming it and --initd; status 4, other commands 125', async (t) => {
  const { initd, state } = fixture(t);
  for (const [command, code] of [['status', 4], ['start', 125], ['stop', 125], ['restart', 125], ['enabled', 125], ['logs', 125]] as const) {
    const r = jailctl(['service', 'nosuch', command, '--initd', initd, '--state', state]);
    t.equal(r.code, code, `${command}: ${r.stdout}${r.stderr}`);
    t.equal(r.stdout, '', `${command}: nothing on stdout (no "stopped")`);
    t.equal(r.stderr, `jailctl: init script ${initd}/nosuch: no such script\nhint: check the service name, and pass the folder of init scripts with --initd DIR\n`, command);
  }
});
