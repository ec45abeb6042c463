// jailctl's network.sh (answers from the host, through UCI's network package), service.sh
// (start-stop-daemon) and system.sh (MAC helpers), under busybox ash.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { findOnPath } from '../../../../src/io/find-on-path.js';
import { BUSYBOX, runLibrary, uciDirs } from '../../../helpers/openwrt-shell.js';

const ash = BUSYBOX === undefined ? undefined : [BUSYBOX, 'ash'];
const skip = ash === undefined && 'busybox is not installed';
const NETWORK = "config interface 'lan'\n\toption device 'lo'\n\toption proto 'static'\nconfig interface 'ghost'\n\toption device 'jc-no-such-dev'\n";

t.test('network.sh maps UCI interfaces to host devices', { skip }, async (t) => {
  const r = runLibrary(ash!, `
    . "$JAILCTL_LIBROOT/lib/functions/network.sh"
    network_get_device dev lan; echo "device=$dev st=$?"
    network_get_ipaddr ip lan; echo "ip=$ip"
    network_get_subnet net lan; echo "subnet=$net"
    network_get_ipaddrs_all all lan; echo "all=\${all%% *}"
    network_get_protocol proto lan; echo "proto=$proto"
    network_is_up lan && echo lan-up
    network_is_up ghost || echo ghost-down
    unknown=before; network_get_device unknown nosuchiface; echo "unknown=[\${unknown-unset}] st=$?"
    network_get_device lo loopback; echo "loopback=$lo"
    network_get_uptime up lan; echo "uptime st=$?"
    network_find_wan wan; st=$?
    if [ $st -eq 0 ]; then [ -n "$wan" ] && echo find-wan-consistent; else [ -z "$wan" ] && echo find-wan-consistent; fi
    network_flush_cache; network_get_device dev lan; echo "after flush=$dev"
  `, uciDirs(t, { network: NETWORK }));
  t.equal(r.stderr, '');
  t.equal(r.stdout, 'device=lo st=0\nip=127.0.0.1\nsubnet=127.0.0.1/8\nall=127.0.0.1\nproto=static\nlan-up\nghost-down\nunknown=[unset] st=1\nloopback=lo\nuptime st=1\nfind-wan-consistent\nafter flush=lo\n');
});

t.test('service.sh runs start-stop-daemon with the SERVICE_* settings', { skip: skip || (findOnPath('start-stop-daemon') === undefined && 'start-stop-daemon is not installed') }, async (t) => {
  const dirs = uciDirs(t);
  const pid = join(dirs.save, 'sleeper.pid');
  const r = runLibrary(ash!, `
    SERVICE_DEBUG=1 SERVICE_USE_PID=1 SERVICE_UID=nobody service_start /bin/true "a b"
    SERVICE_DAEMONIZE=1 SERVICE_WRITE_PID=1 SERVICE_PID_FILE=${pid} service_start /bin/sleep 60; echo "start=$?"
    n=0; until SERVICE_PID_FILE=${pid} service_check /bin/sleep || [ $n -ge 100 ]; do sleep 0.1; n=$((n + 1)); done
    SERVICE_PID_FILE=${pid} service_check /bin/sleep && echo running
    SERVICE_PID_FILE=${pid} SERVICE_STOP_TIME=3 service_stop /bin/sleep; echo "stop=$?"
    SERVICE_PID_FILE=${pid} service_check /bin/sleep || echo stopped
    service -X /bin/true; echo "bad=$?"
    service_start /nonexistent/binary; echo "missing=$?"
  `, dirs);
  t.equal(r.stdout, "start-stop-daemon -q -S -p /var/run/true.pid -c nobody -x /bin/true -- a b\nstart=0\nrunning\nstop=0\nstopped\nbad=1\nmissing=1\n");
  t.match(r.stderr, /service: unknown ACTION '-X'/);
  t.match(r.stderr, /service: file '\/nonexistent\/binary' is not executable/);
});

t.test('system.sh: MAC address helpers', { skip }, async (t) => {
  const dirs = uciDirs(t);
  const eeprom = join(dirs.save, 'eeprom');
  writeFileSync(eeprom, Buffer.from([0xde, 0xad, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55]));
  const r = runLibrary(ash!, `
    . "$JAILCTL_LIBROOT/lib/functions/system.sh"
    macaddr_canonicalize '00-11-22-AA-BB-CC'; echo
    macaddr_canonicalize '0011.22aa.bbcc'; echo
    macaddr_canonicalize '1:2:3:4:5:6'; echo
    echo "[$(macaddr_canonicalize 'zz:11:22:33:44:55')]"
    macaddr_add 00:11:22:33:44:ff 2
    macaddr_setbit_la 00:11:22:33:44:55; echo
    macaddr_unsetbit_mc 03:11:22:33:44:55; echo
    get_mac_binary ${eeprom} 2; echo
    macaddr_2bin 41:42:43 | od -An -c | tr -s ' '
  `, dirs);
  t.equal(r.stderr, '');
  t.equal(r.stdout, '00:11:22:aa:bb:cc\n00:11:22:aa:bb:cc\n01:02:03:04:05:06\n[]\n00:11:22:33:45:01\n02:11:22:33:44:55\n02:11:22:33:44:55\n00:11:22:33:44:55\n A B C\n');
});
