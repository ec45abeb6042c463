# jailctl's /lib/config/uci.sh (written for jailctl, POSIX sh): the uci_* helpers over the uci
# command, which on this host is jailctl's (sbin/uci beside this library: --config's folder,
# changes saved in /tmp/.uci until uci_commit). uci_load reads jailctl's cache of
# `uci -S -n export` when no change was made since the evaluation began.

__jc_uci="${JAILCTL_LIBROOT:-}/sbin/uci"

CONFIG_APPEND=

# uci_load PACKAGE: runs the package's statements (config, option, list) in this shell
uci_load() {
	local PACKAGE="$1" DATA RET VAR _ul_cache
	_C=0
	if [ -z "$CONFIG_APPEND" ]; then
		for VAR in $CONFIG_LIST_STATE; do
			eval "CONFIG_${VAR}="
			eval "CONFIG_${VAR}_LENGTH="
		done
		CONFIG_LIST_STATE=
		CONFIG_SECTIONS=
		CONFIG_NUM_SECTIONS=0
		CONFIG_SECTION=
	fi
	# jailctl's cache of the export, made for --config's folder when the evaluation began
	_ul_cache="$JAILCTL_UCI/export/plain/$PACKAGE"
	[ -n "$LOAD_STATE" ] && _ul_cache="$JAILCTL_UCI/export/state/$PACKAGE"
	case "$PACKAGE" in */*|.*|'') _ul_cache= ;; esac
	if [ -n "$JAILCTL_UCI" ] && [ -n "$_ul_cache" ] && [ -f "$_ul_cache" ] && [ "${UCI_CONFIG_DIR:-/etc/config}" = "$JAILCTL_UCI_CONFDIR" ]; then
		RET=0
		. "$_ul_cache"
	else
		DATA="$("$__jc_uci" ${UCI_CONFIG_DIR:+-c "$UCI_CONFIG_DIR"} ${LOAD_STATE:+-P /var/state} -S -n export "$PACKAGE" 2>/dev/null)"
		RET="$?"
		[ "$RET" != 0 ] || [ -z "$DATA" ] || eval "$DATA"
		unset DATA
	fi
	# what jailctl noticed in the file (lines uci skips, options set twice ...), said once
	if [ -n "$JAILCTL_UCI" ] && [ -n "$_ul_cache" ] && [ -f "$JAILCTL_UCI/warn/$PACKAGE" ]; then
		cat "$JAILCTL_UCI/warn/$PACKAGE" >&2
		rm -f "$JAILCTL_UCI/warn/$PACKAGE"
	fi
	${CONFIG_SECTION:+config_cb}
	return "$RET"
}

uci_set_default() {
	"$__jc_uci" ${UCI_CONFIG_DIR:+-c "$UCI_CONFIG_DIR"} -q show "$1" >/dev/null && return 0
	"$__jc_uci" ${UCI_CONFIG_DIR:+-c "$UCI_CONFIG_DIR"} import "$1"
	"$__jc_uci" ${UCI_CONFIG_DIR:+-c "$UCI_CONFIG_DIR"} commit "$1"
}

# uci_revert_state PACKAGE [SECTION [OPTION]]
uci_revert_state() {
	"$__jc_uci" ${UCI_CONFIG_DIR:+-c "$UCI_CONFIG_DIR"} -P /var/state revert "$1${2:+.$2}${3:+.$3}"
}

# uci_set_state PACKAGE SECTION OPTION VALUE (nothing unless all four are given)
uci_set_state() {
	[ "$#" = 4 ] || return 0
	"$__jc_uci" ${UCI_CONFIG_DIR:+-c "$UCI_CONFIG_DIR"} -P /var/state set "$1.$2${3:+.$3}=$4"
}

uci_toggle_state() {
	uci_revert_state "$1" "$2" "$3"
	uci_set_state "$1" "$2" "$3" "$4"
}

# uci_set PACKAGE SECTION OPTION VALUE
uci_set() {
	"$__jc_uci" ${UCI_CONFIG_DIR:+-c "$UCI_CONFIG_DIR"} set "$1.$2.$3=$4"
}

uci_add_list() {
	"$__jc_uci" ${UCI_CONFIG_DIR:+-c "$UCI_CONFIG_DIR"} add_list "$1.$2.$3=$4"
}

uci_get_state() {
	uci_get "$1" "$2" "$3" "$4" /var/state
}

# uci_get PACKAGE [SECTION [OPTION [DEFAULT [STATEDIR]]]]: prints the value, or DEFAULT when
# there is none; the status is uci's
uci_get() {
	local _ug_ret
	"$__jc_uci" ${UCI_CONFIG_DIR:+-c "$UCI_CONFIG_DIR"} ${5:+-P "$5"} -q get "$1${2:+.$2}${3:+.$3}"
	_ug_ret="$?"
	[ "$_ug_ret" -ne 0 ] && [ -n "$4" ] && echo "$4"
	return "$_ug_ret"
}

# uci_add PACKAGE TYPE [NAME]: sets CONFIG_SECTION to the new section's name
uci_add() {
	if [ -z "$3" ]; then
		CONFIG_SECTION="$("$__jc_uci" ${UCI_CONFIG_DIR:+-c "$UCI_CONFIG_DIR"} add "$1" "$2")"
	else
		"$__jc_uci" ${UCI_CONFIG_DIR:+-c "$UCI_CONFIG_DIR"} set "$1.$3=$2"
		CONFIG_SECTION="$3"
	fi
}

# uci_rename PACKAGE SECTION [OPTION] NAME
uci_rename() {
	"$__jc_uci" ${UCI_CONFIG_DIR:+-c "$UCI_CONFIG_DIR"} rename "$1.$2${4:+.$3}=${4:-$3}"
}

# uci_remove PACKAGE SECTION [OPTION]
uci_remove() {
	"$__jc_uci" ${UCI_CONFIG_DIR:+-c "$UCI_CONFIG_DIR"} del "$1.$2${3:+.$3}"
}

uci_remove_list() {
	"$__jc_uci" ${UCI_CONFIG_DIR:+-c "$UCI_CONFIG_DIR"} del_list "$1.$2.$3=$4"
}

uci_revert() {
	"$__jc_uci" ${UCI_CONFIG_DIR:+-c "$UCI_CONFIG_DIR"} revert "$1${2:+.$2}${3:+.$3}"
}

uci_commit() {
	"$__jc_uci" ${UCI_CONFIG_DIR:+-c "$UCI_CONFIG_DIR"} commit $1
}
