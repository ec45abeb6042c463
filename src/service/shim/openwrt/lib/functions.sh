# jailctl's /lib/functions.sh for hosts without OpenWrt's (written for jailctl, POSIX sh; see
# docs/services.md "Provided by the shim"). UCI reading (config_load and its callbacks,
# config_get ...), list helpers, users and groups, board and kernel command line, mtd lookups.
# config_load asks `uci -S -n export` like OpenWrt's, so anonymous sections have uci's names.

debug() {
	${DEBUG:-:} "$@"
}

N="
"
_C=0
NO_EXPORT=1
LOAD_STATE=1
LIST_SEP=" "

# xor HEX...: the values xored, printed with the width of the first
xor() {
	local _xor_width=${#1} _xor_ret=$((0x$1))
	shift
	while [ -n "$1" ]; do
		_xor_ret=$((_xor_ret ^ 0x$1))
		shift
	done
	printf "%0${_xor_width}x" "$_xor_ret"
}

# append VAR VALUE [SEP]: VAR becomes "$VAR$SEP$VALUE" (no separator around an empty side)
append() {
	local _ap_var="$1" _ap_value="$2" _ap_sep="${3:- }"
	eval "$_ap_var=\${$_ap_var:+\${$_ap_var}\${_ap_value:+\$_ap_sep}}\$_ap_value"
}

# prepend VAR VALUE [SEP]
prepend() {
	local _pp_var="$1" _pp_value="$2" _pp_sep="${3:- }"
	eval "$_pp_var=\$_pp_value\${$_pp_var:+\${_pp_value:+\$_pp_sep}\${$_pp_var}}"
}

# list_contains VAR WORD: 0 when the space-separated list in VAR holds WORD
list_contains() {
	local _lc_list
	eval "_lc_list=\" \${$1} \""
	case "$_lc_list" in *" $2 "*) return 0 ;; esac
	return 1
}

# list_remove VAR WORD: removes one WORD from the list in VAR
list_remove() {
	local _lr_list _lr_out= _lr_word _lr_done=
	eval "_lr_list=\${$1}"
	for _lr_word in $_lr_list; do
		if [ -z "$_lr_done" ] && [ "$_lr_word" = "$2" ]; then _lr_done=1; continue; fi
		_lr_out="${_lr_out:+$_lr_out }$_lr_word"
	done
	[ -n "$_lr_done" ] && eval "$1=\$_lr_out"
	return 0
}

to_lower() {
	printf '%s\n' "$*" | tr 'A-Z' 'a-z'
}

config_load() {
	[ -n "$IPKG_INSTROOT" ] && return 0
	uci_load "$@"
}

reset_cb() {
	config_cb() { return 0; }
	option_cb() { return 0; }
	list_cb() { return 0; }
}
reset_cb

package() {
	return 0
}

# the statements `uci export` prints, run by config_load
config() {
	local _cf_type="$1" _cf_name="$2"
	CONFIG_NUM_SECTIONS=$((CONFIG_NUM_SECTIONS + 1))
	_cf_name="${_cf_name:-cfg$CONFIG_NUM_SECTIONS}"
	append CONFIG_SECTIONS "$_cf_name"
	CONFIG_SECTION="$_cf_name"
	config_set "$CONFIG_SECTION" TYPE "$_cf_type"
	[ -n "$NO_CALLBACK" ] || config_cb "$_cf_type" "$_cf_name"
}

option() {
	local _op_name="$1"
	shift
	config_set "$CONFIG_SECTION" "$_op_name" "$*"
	[ -n "$NO_CALLBACK" ] || option_cb "$_op_name" "$*"
}

list() {
	local _li_name="$1" _li_len
	shift
	config_get _li_len "$CONFIG_SECTION" "${_li_name}_LENGTH" 0
	[ "$_li_len" = 0 ] && append CONFIG_LIST_STATE "${CONFIG_SECTION}_${_li_name}"
	_li_len=$((_li_len + 1))
	config_set "$CONFIG_SECTION" "${_li_name}_ITEM$_li_len" "$*"
	config_set "$CONFIG_SECTION" "${_li_name}_LENGTH" "$_li_len"
	append "CONFIG_${CONFIG_SECTION}_${_li_name}" "$*" "$LIST_SEP"
	[ -n "$NO_CALLBACK" ] || list_cb "$_li_name" "$*"
}

config_unset() {
	config_set "$1" "$2" ""
}

# config_rename OLD NEW: moves a loaded section's variables to a new name
config_rename() {
	local _cr_var _cr_vars
	[ -n "$1" ] && [ -n "$2" ] || return 0
	_cr_vars=$(set | sed -n "s/^CONFIG_${1}_\([A-Za-z0-9_]*\)=.*/\1/p")
	for _cr_var in $_cr_vars; do
		eval "CONFIG_${2}_${_cr_var}=\$CONFIG_${1}_${_cr_var}"
		unset "CONFIG_${1}_${_cr_var}"
	done
	CONFIG_SECTIONS=$(printf ' %s ' "$CONFIG_SECTIONS" | sed "s/ $1 / $2 /; s/^ *//; s/ *$//")
	[ "$CONFIG_SECTION" = "$1" ] && CONFIG_SECTION="$2"
	return 0
}

# config_clear [SECTION]: forgets one loaded section, or all of them
config_clear() {
	local _cc_var
	if [ -n "$1" ]; then list_remove CONFIG_SECTIONS "$1"; else CONFIG_SECTIONS=; fi
	for _cc_var in $(set | sed -n "s/^\(CONFIG_${1:+${1}_}[A-Za-z0-9_]*\)=.*/\1/p"); do
		unset "$_cc_var"
	done
}

# config_get VAR SECTION OPTION [DEFAULT]   or   config_get SECTION OPTION (printed)
config_get() {
	case "$2${3:-$1}" in
		*[!A-Za-z0-9_]*) return 0 ;;
	esac
	if [ -z "$3" ]; then
		eval "printf '%s\n' \"\${CONFIG_${1}_${2}:-\${4}}\""
	else
		eval "$1=\${CONFIG_${2}_${3}:-\${4}}"
	fi
}

# get_bool VALUE [DEFAULT]: 1 or 0 for uci's bool words, else DEFAULT
get_bool() {
	local _gb_value="$1"
	case "$_gb_value" in
		1|on|true|yes|enabled) _gb_value=1 ;;
		0|off|false|no|disabled) _gb_value=0 ;;
		*) _gb_value="$2" ;;
	esac
	printf '%s' "$_gb_value"
}

config_get_bool() {
	local _cb_value
	config_get _cb_value "$2" "$3" "$4"
	_cb_value="$(get_bool "$_cb_value" "$4")"
	eval "$1=\$_cb_value"
}

config_set() {
	eval "CONFIG_${1}_${2}=\$3"
}

# config_foreach FUNCTION [TYPE [ARGS...]]: FUNCTION SECTION ARGS... for each loaded section
config_foreach() {
	local ___function="$1" ___type ___section ___stype
	[ "$#" -ge 1 ] && shift
	___type="$1"
	[ "$#" -ge 1 ] && shift
	[ -z "$CONFIG_SECTIONS" ] && return 0
	for ___section in ${CONFIG_SECTIONS}; do
		config_get ___stype "$___section" TYPE
		[ -n "$___type" ] && [ "x$___stype" != "x$___type" ] && continue
		eval "$___function \"\$___section\" \"\$@\""
	done
}

# config_list_foreach SECTION OPTION FUNCTION [ARGS...]: FUNCTION ITEM ARGS... per list item
config_list_foreach() {
	[ "$#" -ge 3 ] || return 0
	local _lf_section="$1" _lf_option="$2" _lf_function="$3" _lf_len _lf_i=1 _lf_item
	shift 3
	config_get _lf_len "$_lf_section" "${_lf_option}_LENGTH"
	[ -z "$_lf_len" ] && return 0
	while [ "$_lf_i" -le "$_lf_len" ]; do
		config_get _lf_item "$_lf_section" "${_lf_option}_ITEM$_lf_i"
		eval "$_lf_function \"\$_lf_item\" \"\$@\""
		_lf_i=$((_lf_i + 1))
	done
}

# include DIR: sources every DIR/*.sh
include() {
	local _in_file
	for _in_file in "$1"/*.sh; do
		[ -f "$_in_file" ] && . "$_in_file"
	done
	return 0
}

__jc_no_accounts() {
	echo "jailctl: note: $1: not changing this host's accounts (create them with the host's tools, e.g. useradd/groupadd)" >&2
	return 1
}

user_exists() {
	grep -qs "^${1}:" "${IPKG_INSTROOT}/etc/passwd"
}

group_exists() {
	grep -qs "^${1}:" "${IPKG_INSTROOT}/etc/group"
}

# Accounts are the host's: these say what the script wanted and fail, rather than append
# lines to /etc/passwd behind the host's own tools.
user_add() { __jc_no_accounts "user_add $*"; }
group_add() { __jc_no_accounts "group_add $*"; }
group_add_user() { __jc_no_accounts "group_add_user $*"; }
group_add_next() {
	local _gn_gid
	_gn_gid=$(grep -s "^${1}:" "${IPKG_INSTROOT}/etc/group" | cut -d: -f3)
	[ -n "$_gn_gid" ] && { echo "$_gn_gid"; return 0; }
	__jc_no_accounts "group_add_next $*"
}

default_prerm() { echo "jailctl: default_prerm: package scripts are not run here" >&2; return 0; }
default_postinst() { echo "jailctl: default_postinst: package scripts are not run here" >&2; return 0; }
uci_apply_defaults() { echo "jailctl: uci_apply_defaults: /etc/uci-defaults is not run here" >&2; return 0; }

board_name() {
	[ -e /tmp/sysinfo/board_name ] && cat /tmp/sysinfo/board_name || echo "generic"
}

# cmdline_get_var NAME: the value of NAME=... on the kernel command line
cmdline_get_var() {
	local _cl_word
	for _cl_word in $(cat /proc/cmdline 2>/dev/null); do
		case "$_cl_word" in
			"$1="*) printf '%s\n' "${_cl_word#*=}" ;;
		esac
	done
}

# find_mtd_index NAME: the number of the mtd partition called NAME (nothing without /proc/mtd)
find_mtd_index() {
	local _fm_part
	_fm_part=$(grep -s "\"$1\"" /proc/mtd | cut -d: -f1)
	printf '%s\n' "${_fm_part##mtd}"
}

find_mtd_part() {
	local _fm_index _fm_prefix=/dev/mtdblock
	_fm_index=$(find_mtd_index "$1")
	[ -d /dev/mtdblock ] && _fm_prefix=/dev/mtdblock/
	printf '%s\n' "${_fm_index:+$_fm_prefix$_fm_index}"
}

# find_mmc_part NAME [DEVICE]: the /dev node of the eMMC partition named NAME
find_mmc_part() {
	local _mm_dev _mm_name
	grep -qs "$1" /proc/mtd && { echo ""; return 0; }
	for _mm_dev in /sys/block/${2:-mmcblk*}/mmcblk*p*; do
		[ -e "$_mm_dev/uevent" ] || continue
		_mm_name=$(sed -n 's/^PARTNAME=//p' "$_mm_dev/uevent")
		[ "$_mm_name" = "$1" ] && { echo "/dev/${_mm_dev##*/}"; return 0; }
	done
}

if [ -z "$IPKG_INSTROOT" ]; then
	. "${JAILCTL_LIBROOT:-}/lib/config/uci.sh"
fi
