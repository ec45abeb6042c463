// jailctl's /lib/config/uci.sh and uci command from the shell: uci_get with defaults and
// extended references, the write helpers, commit into the config folder, and validation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { BUSYBOX, runLibrary, uciDirs } from '../../../helpers/openwrt-shell.js';

const ash = BUSYBOX === undefined ? undefined : [BUSYBOX, 'ash'];
const DROPBEAR = "config dropbear\n\toption PasswordAuth 'off'\n\toption RootPasswordAuth 'off'\n\toption RootLogin 'no'\n\toption Port '22'\n";

t.test('uci_get: values, defaults, status', { skip: ash === undefined && 'busybox is not installed' }, async (t) => {
  const dirs = uciDirs(t, { dropbear: DROPBEAR, system: "config system\nconfig service\n\toption respawn_retry 9\n" });
  const r = runLibrary(ash!, `
    uci_get dropbear @dropbear[0] Port; echo "st=$?"
    uci_get system.@service[0].respawn_retry '' '' 5
    uci_get system.@service[0].respawn_timeout '' '' 5; echo "st=$?"
    uci_get dropbear nosection nooption; echo "st=$?"
    uci -q get dropbear.cfg014dd4.RootLogin
    uci get dropbear.cfg014dd4.nothing; echo "st=$?"
  `, dirs);
  t.equal(r.stdout, '22\nst=0\n9\n5\nst=1\nst=1\nno\nst=1\n');
  t.equal(r.stderr, 'uci: Entry not found\n');
});

t.test('the write helpers save changes; uci_commit writes the package', { skip: ash === undefined && 'busybox is not installed' }, async (t) => {
  const dirs = uciDirs(t, { dropbear: DROPBEAR });
  const r = runLibrary(ash!, `
    uci_set dropbear cfg014dd4 Port 2222
    uci_add dropbear dropbear; echo "added=$CONFIG_SECTION"
    uci_set dropbear "$CONFIG_SECTION" Port 22
    uci_add dropbear extra named; echo "named=$CONFIG_SECTION"
    uci_add_list dropbear named item a; uci_add_list dropbear named item b; uci_remove_list dropbear named item a
    uci_rename dropbear named renamed
    uci_remove dropbear cfg014dd4 RootLogin
    uci changes dropbear
    uci_commit dropbear; echo "commit=$?"
    config_load dropbear; echo "$CONFIG_SECTIONS"
    config_get p cfg014dd4 Port; config_get i renamed item; echo "$p $i"
  `, dirs);
  t.equal(r.stderr, '');
  t.equal(r.stdout, "added=cfg024dd4\nnamed=named\ndropbear.cfg014dd4.Port='2222'\ndropbear.cfg024dd4='dropbear'\ndropbear.cfg024dd4.Port='22'\ndropbear.named='extra'\ndropbear.named.item+='a'\ndropbear.named.item+='b'\ndropbear.named.item-='a'\ndropbear.named='renamed'\n-dropbear.cfg014dd4.RootLogin\ncommit=0\ncfg014dd4 cfg024dd4 renamed\n2222 b\n");
  t.equal(readFileSync(join(dirs.config, 'dropbear'), 'utf8'), "\nconfig dropbear\n\toption PasswordAuth 'off'\n\toption RootPasswordAuth 'off'\n\toption Port '2222'\n\nconfig dropbear\n\toption Port '22'\n\nconfig extra 'renamed'\n\tlist item 'b'\n\n");
});

t.test('uci_validate_section and uci_load_validate check and normalise; a failure reaches the callback', { skip: ash === undefined && 'busybox is not installed' }, async (t) => {
  const dirs = uciDirs(t, { dropbear: DROPBEAR + "config dropbear 'bad'\n\toption Port 'ssh'\n" });
  const r = runLibrary(ash!, `
    instance() { echo "instance $1 status=$2 PasswordAuth=$PasswordAuth RootLogin=$RootLogin Port=\${Port-unset} mdns=$mdns"; }
    validate() {
      uci_load_validate dropbear dropbear "$1" "$2" 'PasswordAuth:bool:1' 'RootLogin:bool:1' 'Port:port:22' 'mdns:bool:1'
    }
    config_load dropbear
    config_foreach validate dropbear instance
    echo "after: [$PasswordAuth]"
    uci_validate_section dropbear dropbear cfg014dd4 'RootPasswordAuth:bool:1'; echo "direct=$RootPasswordAuth st=$?"
  `, dirs);
  t.equal(r.stdout, 'instance cfg014dd4 status=0 PasswordAuth=0 RootLogin=0 Port=22 mdns=1\ninstance bad status=255 PasswordAuth=1 RootLogin=1 Port=unset mdns=1\nafter: []\ndirect=0 st=0\n');
  t.match(r.stderr, /dropbear\.bad\.Port=ssh validates as port with false/, 'the checks are shown when one fails');
  t.notMatch(r.stderr, /cfg014dd4/, 'and only then');
});
