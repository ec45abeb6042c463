// init.d/failsafe-listener as procd would receive it (evaluated through the shim, nothing
// started): jailctl's own files found through JAILCTL_ROOT/JAILCTL_NODE, the jail's mounts,
// CAP_NET_RAW only with raw frames, the user, the flag and FIFO it prepares, the reboot instance.
import { lstatSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { evaluateInitScript } from '../../../src/service/script/evaluate.js';
import { KEY_HEX } from '../../helpers/failsafe.js';
import { isRoot, REPO } from '../../helpers/jailctl.js';

const SCRIPT = join(REPO, 'init.d', 'failsafe-listener');
const NODE = realpathSync(process.execPath);
const BUNDLE = join(REPO, 'dist', 'jailctl.mjs');
const CLI_MODULE = join(REPO, 'dist', 'cli.mjs');

function evaluate(t: Test, options: string, key = `\toption key '${KEY_HEX}'\n`) {
  const dir = t.testdir({ config: {} });
  const paths = { system: join(dir, 'config', 'system'), flag: join(dir, 'flag'), fifo: join(dir, 'run', 'reboot') };
  writeFileSync(paths.system, `config failsafe 'failsafe'\n${key}\toption flag '${paths.flag}'\n\toption reboot_fifo '${paths.fifo}'\n${options}`);
  const { service, warnings } = evaluateInitScript({ script: SCRIPT, name: 'failsafe-listener', configDir: join(dir, 'config'), action: 'dump' });
  return { ...paths, instances: service.instances, warnings };
}

t.test('raw frames, as root: CAP_NET_RAW, the addon, the flag read-write, the FIFO, the reboot instance', async (t) => {
  const e = evaluate(t, "\tlist ifname 'br-lan'\n\toption reboot_cmd 'reboot -d 1'\n");
  t.same(Object.keys(e.instances), ['listener', 'reboot']);
  const listener = e.instances['listener']!;
  t.same(listener.command, [NODE, BUNDLE, 'failsafe', 'listen', '--config', e.system, '--rescue-cmd', '', '--flag', e.flag, '--reboot-fifo', e.fifo]);
  t.equal(listener.user, undefined, 'root: no user, so no /etc/passwd in the jail');
  t.equal(listener.seccomp, join(REPO, 'profiles', 'failsafe-listener.json'));
  t.equal(listener.capabilities, join(REPO, 'profiles', 'failsafe-listener.capabilities.json'));
  t.same(listener.env, { JAILCTL_NATIVE_DIR: join(REPO, 'build', 'Release') });
  t.same(listener.jail, {
    name: 'failsafe-listener',
    mount: { [BUNDLE]: '0', [CLI_MODULE]: '0', [join(REPO, 'dist', 'chunks')]: '0', [e.system]: '0', [join(REPO, 'build', 'Release', 'jailctl_native.node')]: '0', [e.flag]: '1', [e.fifo]: '0' },
  });
  t.match(listener, { respawn: [], stdout: true, stderr: true });
  const reboot = e.instances['reboot']!;
  t.match(reboot.command, ['/bin/sh', '-c', /read -r request/, 'failsafe-reboot', e.fifo, 'reboot -d 1']);
  t.equal(reboot.jailctl_unjailed, true);
  t.equal(reboot.jail, undefined);
  t.same(readFileSync(e.flag), Buffer.alloc(4096), 'a missing flag is made, not set');
  t.ok(lstatSync(e.fifo).isFIFO());
  t.equal(lstatSync(e.fifo).mode & 0o777, 0o600);
});

t.test('UDP only, as another user: no capability, no addon; the flag and FIFO are that user\'s', { skip: isRoot ? false : 'chown needs root' }, async (t) => {
  const e = evaluate(t, "\toption udp_port '192.168.1.1:4919'\n\toption user 'nobody'\n");
  const listener = e.instances['listener']!;
  t.equal(listener.user, 'nobody');
  t.equal(listener.capabilities, undefined, 'every capability dropped');
  t.equal(listener.env, undefined);
  t.same(Object.keys(listener.jail!.mount!), [BUNDLE, CLI_MODULE, join(REPO, 'dist', 'chunks'), e.system, e.flag, e.fifo]);
  t.equal(lstatSync(e.flag).uid, 65534);
  t.equal(lstatSync(e.fifo).uid, 65534);
});

t.test("reboot_cmd 'none': no FIFO, no reboot instance; failsafe_action 0: no flag either", async (t) => {
  const noReboot = evaluate(t, "\toption reboot_cmd 'none'\n");
  t.same(Object.keys(noReboot.instances), ['listener']);
  t.same(noReboot.instances['listener']!.command!.slice(-4), ['--flag', noReboot.flag, '--reboot-cmd', '']);
  const noAction = evaluate(t, "\toption failsafe_action '0'\n");
  t.same(noAction.instances['listener']!.command!.slice(6), ['--rescue-cmd', '', '--reboot-cmd', '']);
  t.same(Object.keys(noAction.instances['listener']!.jail!.mount!), [BUNDLE, CLI_MODULE, join(REPO, 'dist', 'chunks'), noAction.system]);
});

t.test('no key yet: keygen makes one before the jail, whose copy of the file is read-only', async (t) => {
  const e = evaluate(t, '', '');
  t.match(readFileSync(e.system, 'utf8'), /^\toption key '[0-9a-f]{64}'$/m);
  t.ok(e.instances['listener']);
});

t.test('rescue_cmd is named as ignored: the jail cannot start a rescue service', async (t) => {
  const e = evaluate(t, "\toption rescue_cmd 'dropbear -F -p {port}'\n");
  t.match(e.warnings.join('\n'), /rescue_cmd is ignored/);
  t.same(e.instances['listener']!.command!.slice(6, 8), ['--rescue-cmd', '']);
});
