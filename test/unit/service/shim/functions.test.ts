// jailctl's /lib/functions.sh under busybox ash and dash: the list helpers, config_load with
// uci's section names and the callbacks, config_get and friends, config_foreach and
// config_list_foreach with extra arguments.
import t from 'tap';
import { runLibrary, shells, uciDirs } from '../../../helpers/openwrt-shell.js';

const CONFIG = `config dropbear
	option PasswordAuth 'off'
	option Port '22'
config dropbear 'second'
	option Port '2222'
	option enable 'no'
	list iface 'lan'
	list iface 'it'\\''s wan'
config other
`;

for (const shell of shells()) {
  t.test(`${shell.name}: list helpers`, async (t) => {
    const dirs = uciDirs(t);
    const r = runLibrary(shell.argv, `
      a=; append a one; append a two; append a "" ; append a three ,; echo "[$a]"
      p=b; prepend p a; prepend p z -; echo "[$p]"
      l="x y z"; list_contains l y && echo has-y; list_contains l w || echo no-w
      list_remove l y; echo "[$l]"
      echo "$(xor 0f f0 01)"
      echo "$(get_bool on 9)$(get_bool disabled 9)$(get_bool maybe 9)$(get_bool yes)"
    `, dirs);
    t.equal(r.stderr, '');
    t.equal(r.stdout, '[one two,three]\n[z-a b]\nhas-y\nno-w\n[x z]\nfe\n1091\n');
  });

  t.test(`${shell.name}: config_load names sections as uci does and runs the callbacks`, async (t) => {
    const dirs = uciDirs(t, { dropbear: CONFIG });
    const r = runLibrary(shell.argv, `
      config_cb() { [ -n "$1" ] && echo "config_cb $1 $2"; }
      option_cb() { echo "option_cb $1=$2"; }
      list_cb() { echo "list_cb $1=$2"; }
      config_load dropbear; echo "status $?"
      echo "sections: $CONFIG_SECTIONS ($CONFIG_NUM_SECTIONS)"
      reset_cb
      config_load nosuchpackage; echo "missing $?"
    `, dirs);
    t.equal(r.stderr, '');
    t.equal(r.stdout, [
      'config_cb dropbear cfg014dd4', 'option_cb PasswordAuth=off', 'option_cb Port=22',
      'config_cb dropbear second', 'option_cb Port=2222', 'option_cb enable=no', 'list_cb iface=lan', "list_cb iface=it's wan",
      'config_cb other cfg0303e7', 'status 0', 'sections: cfg014dd4 second cfg0303e7 (3)', 'missing 1', '',
    ].join('\n'));
  });

  t.test(`${shell.name}: config_get, config_get_bool, config_set, config_unset`, async (t) => {
    const dirs = uciDirs(t, { dropbear: CONFIG });
    const r = runLibrary(shell.argv, `
      config_load dropbear
      config_get port cfg014dd4 Port; echo "port=$port"
      config_get none second nothing default; echo "none=$none"
      echo "printed=$(config_get second Port)"
      config_get ifaces second iface; echo "ifaces=$ifaces"
      config_get n second iface_LENGTH; echo "n=$n"
      config_get_bool pa cfg014dd4 PasswordAuth 1; config_get_bool en second enable 1; config_get_bool dflt second missing 1; echo "bools=$pa$en$dflt"
      config_set second Port 8022; config_get port second Port; echo "set=$port"
      config_unset second Port; config_get port second Port fallback; echo "unset=$port"
      kept=old; config_get kept 'bad-section' Port; echo "kept=$kept"
      config_get type second TYPE; echo "type=$type"
    `, dirs);
    t.equal(r.stderr, '');
    t.equal(r.stdout, "port=22\nnone=default\nprinted=2222\nifaces=lan it's wan\nn=2\nbools=001\nset=8022\nunset=fallback\nkept=old\ntype=dropbear\n");
  });

  t.test(`${shell.name}: config_foreach and config_list_foreach pass extra arguments`, async (t) => {
    const dirs = uciDirs(t, { dropbear: CONFIG });
    const r = runLibrary(shell.argv, `
      config_load dropbear
      each() { echo "each $1 [$2] [$3]"; }
      item() { echo "item [$1] [$2]"; }
      config_foreach each dropbear "a b" c
      config_foreach each
      config_list_foreach second iface item extra
      config_list_foreach cfg014dd4 iface item
    `, dirs);
    t.equal(r.stderr, '');
    t.equal(r.stdout, "each cfg014dd4 [a b] [c]\neach second [a b] [c]\neach cfg014dd4 [] []\neach second [] []\neach cfg0303e7 [] []\nitem [lan] [extra]\nitem [it's wan] [extra]\n");
  });

  t.test(`${shell.name}: include, user_exists, accounts are not changed`, async (t) => {
    const dirs = uciDirs(t);
    const incdir = t.testdir({ 'a.sh': 'INCLUDED_A=1\n', 'b.sh': 'INCLUDED_B=2\n', 'c.txt': 'exit 9\n' });
    const r = runLibrary(shell.argv, `
      include ${incdir}; echo "$INCLUDED_A$INCLUDED_B"
      user_exists root && echo root-exists
      user_exists no-such-user-here || echo no-user
      user_add someone 4242; echo "user_add $?"
      echo "board=$(board_name)"
    `, dirs);
    t.equal(r.stdout, '12\nroot-exists\nno-user\nuser_add 1\nboard=generic\n');
    t.match(r.stderr, /user_add someone 4242: not changing this host's accounts/);
  });
}
