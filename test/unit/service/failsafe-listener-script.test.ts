// init.d/failsafe-listener as procd would receive it (evaluated through the shim, nothing
// started): the C daemon with the options `jailctl failsafe listen --dry-run` decided, the jail's
// mounts (no Node.js, no bundle), CAP_NET_RAW only with raw frames, the user, the flag and FIFO it
// prepares, the reboot instance.
import { lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { evaluateInitScript } from '../../../src/service/script/evaluate.js';
import { KEY_HEX } from '../../helpers/failsafe.js';
import { isRoot, REPO } from '../../helpers/jailctl.js';

const SCRIPT = join(REPO, 'init.d', 'failsafe-listener');
const DAEMON = join(REPO, 'build', 'Release', 'jailctl-failsafe');

function evaluate(t: Test, options: string, key = `\toption key '${KEY_HEX}'\n`) {
  const dir = t.testdir({ config: {} });
  const paths = { system: join(dir, 'config', 'system'), flag: join(dir, 'flag'), fifo: join(dir, 'run', 'reboot') };
  writeFileSync(paths.system, `config failsafe 'failsafe'\n${key}\toption flag '${paths.flag}'\n\toption reboot_fifo '${paths.fifo}'\n${options}`);
  const { service, warnings } = evaluateInitScript({ script: SCRIPT, name: 'failsafe-listener', configDir: join(dir, 'config'), action: 'dump' });
  return { ...paths, instances: service.instances, warnings };
}

t.test('raw frames, as root: the daemon on lo, CAP_NET_RAW, the flag read-write, the FIFO, the reboot instance', async (t) => {
  const e = evaluate(t, "\tlist ifname 'lo'\n\toption reboot_cmd 'reboot -d 1'\n");
  t.same(Object.keys(e.instances), ['listener', 'reboot']);
  const listener = e.instances['listener']!;
  t.same(listener.command, [DAEMON, '--config', e.system, '--udp', '127.0.0.1:4919', '--iface', 'lo', '--flag', e.flag, '--reboot-fifo', e.fifo]);
  t.equal(listener.user, undefined, 'root: no user, so no /etc/passwd in the jail');
  t.equal(listener.seccomp, join(REPO, 'profiles', 'failsafe-listener.json'));
  t.equal(listener.capabilities, join(REPO, 'profiles', 'failsafe-listener.capabilities.json'));
  t.equal(listener.env, undefined);
  t.equal(listener.no_new_privs, true);
  t.same(listener.jail, { name: 'failsafe-listener', ronly: true, mount: { [e.system]: '0', [e.flag]: '1', [e.fifo]: '0' } });
  t.match(listener, { respawn: [], stdout: true, stderr: true });
  const reboot = e.instances['reboot']!;
  t.match(reboot.command, ['/bin/sh', '-c', /read -r request/, 'failsafe-reboot', e.fifo, 'reboot -d 1']);
  t.equal(reboot.jail, undefined, 'no jail: procd and jailctl run it plainly');
  t.same(readFileSync(e.flag), Buffer.alloc(4096), 'a missing flag is made, not set');
  t.ok(lstatSync(e.fifo).isFIFO());
  t.equal(lstatSync(e.fifo).mode & 0o777, 0o600);
});

t.test('UDP only, as another user: no capability; the flag and FIFO are that user\'s', { skip: isRoot ? false : 'chown needs root' }, async (t) => {
  const e = evaluate(t, "\toption udp_port '192.168.1.1:4919'\n\toption user 'nobody'\n");
  const listener = e.instances['listener']!;
  t.equal(listener.user, 'nobody');
  t.equal(listener.capabilities, join(REPO, 'profiles', 'none.capabilities.json'), 'every capability dropped: procd keeps them without a file');
  t.same(listener.command!.slice(3, 5), ['--udp', '192.168.1.1:4919']);
  t.same(Object.keys(listener.jail!.mount!), [e.system, e.flag, e.fifo]);
  t.equal(lstatSync(e.flag).uid, 65534);
  t.equal(lstatSync(e.fifo).uid, 65534);
});

t.test("reboot_cmd 'none': no FIFO, no reboot instance; failsafe_action 0: no flag either", async (t) => {
  const noReboot = evaluate(t, "\toption reboot_cmd 'none'\n\toption udp_port '127.0.0.1:4919'\n");
  t.same(Object.keys(noReboot.instances), ['listener']);
  t.same(noReboot.instances['listener']!.command!.slice(-4), ['--flag', noReboot.flag, '--reboot-cmd', '']);
  const noAction = evaluate(t, "\toption failsafe_action '0'\n\toption udp_port '127.0.0.1:4919'\n");
  t.same(noAction.instances['listener']!.command!.slice(3), ['--udp', '127.0.0.1:4919', '--no-failsafe-action', '--reboot-cmd', '']);
  t.same(Object.keys(noAction.instances['listener']!.jail!.mount!), [noAction.system]);
});

t.test('no key yet: keygen makes one before the jail, whose copy of the file is read-only', async (t) => {
  const e = evaluate(t, "\toption udp_port '127.0.0.1:4919'\n", '');
  t.match(readFileSync(e.system, 'utf8'), /^\toption key '[0-9a-f]{64}'$/m);
  t.ok(e.instances['listener']);
});

t.test('rescue_cmd is named as ignored: the jail cannot start a rescue service', async (t) => {
  const e = evaluate(t, "\toption rescue_cmd 'dropbear -F -p {port}'\n\toption udp_port '127.0.0.1:4919'\n");
  t.match(e.warnings.join('\n'), /rescue_cmd is ignored/);
  t.notOk(e.instances['listener']!.command!.includes('--'), 'no RESCUE helper');
});

t.test('a setting the daemon cannot use starts nothing, and jailctl\'s line says why', async (t) => {
  const e = evaluate(t, "\tlist ifname 'jcnone0'\n");
  t.same(e.instances, {});
  t.match(e.warnings, ['jailctl: UDP port 4919 given without an address, and jcnone0 has no IPv4 address', /^hint: give --udp ADDR:PORT/]);
});
