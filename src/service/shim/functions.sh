# jailctl's subset of OpenWrt's /lib/functions.sh (sourced by rc.common): the UCI helpers init
# scripts use (config_load, config_get, config_foreach ...) over packages jailctl has already
# parsed and normalized into $JAILCTL_UCI (one file per package of config/option/list lines
# with single-quoted words), plus append, list_contains, uci_get and the validation helpers.
# Types given to uci_load_validate are not checked; option defaults are applied.

LIST_SEP=" "
CONFIG_SECTIONS=
CONFIG_NUM_SECTIONS=0
CONFIG_SECTION=

append() {
	local _var="$1" _value="$2" _sep="${3:- }"
	eval "$_var=\${$_var:+\${$_var}\${_value:+\$_sep}}\$_value"
}

prepend() {
	local _var="$1" _value="$2" _sep="${3:- }"
	eval "$_var=\$_value\${$_var:+\${_value:+\$_sep}\${$_var}}"
}

list_contains() {
	local _var="$1" _str="$2" _list
	eval "_list=\" \${$_var} \""
	case "$_list" in *" $_str "*) return 0 ;; esac
	return 1
}

get_bool() {
	local _tmp="$1"
	case "$_tmp" in
		1|on|true|yes|enabled) _tmp=1 ;;
		0|off|false|no|disabled) _tmp=0 ;;
		*) _tmp="$2" ;;
	esac
	printf '%s' "$_tmp"
}

# Hooks a script may define before config_load; reset_cb restores the no-op versions.
reset_cb() {
	config_cb() { return 0; }
	option_cb() { return 0; }
	list_cb() { return 0; }
}
reset_cb

config() {
	local _type="$1" _name="$2"
	CONFIG_NUM_SECTIONS=$((CONFIG_NUM_SECTIONS + 1))
	_name="${_name:-cfg$CONFIG_NUM_SECTIONS}"
	append CONFIG_SECTIONS "$_name"
	CONFIG_SECTION="$_name"
	eval "CONFIG_${_name}_TYPE=\$_type"
	config_cb "$_type" "$_name"
}

option() {
	local _varname="$1"; shift
	local _value="$*"
	eval "CONFIG_${CONFIG_SECTION}_${_varname}=\$_value"
	option_cb "$_varname" "$_value"
}

list() {
	local _varname="$1"; shift
	local _value="$*" _len
	eval "_len=\${CONFIG_${CONFIG_SECTION}_${_varname}_LENGTH:-0}"
	_len=$((_len + 1))
	eval "CONFIG_${CONFIG_SECTION}_${_varname}_ITEM$_len=\$_value"
	eval "CONFIG_${CONFIG_SECTION}_${_varname}_LENGTH=$_len"
	append "CONFIG_${CONFIG_SECTION}_${_varname}" "$_value" "$LIST_SEP"
	list_cb "$_varname" "$_value"
}

# config_load PACKAGE: 1 when the package does not exist.
config_load() {
	local _pkg="$1"
	case "$_pkg" in ''|*[!A-Za-z0-9_-]*) return 1 ;; esac
	CONFIG_SECTIONS=
	CONFIG_NUM_SECTIONS=0
	CONFIG_SECTION=
	[ -n "$JAILCTL_UCI" ] && [ -f "$JAILCTL_UCI/$_pkg" ] || return 1
	. "$JAILCTL_UCI/$_pkg"
	config_cb
}

# config_get VAR SECTION OPTION [DEFAULT], or config_get SECTION OPTION (prints the value).
_jc_ident() {
	case "$1" in ''|*[!A-Za-z0-9_]*) return 1 ;; esac
	return 0
}

config_get() {
	if [ "$#" -le 2 ]; then
		_jc_ident "$1$2" && eval "echo \"\${CONFIG_${1}_${2}:-}\""
		return 0
	fi
	_jc_ident "$1" || return 1
	if _jc_ident "$2$3"; then eval "$1=\${CONFIG_${2}_${3}:-\$4}"; else eval "$1=\$4"; fi
}

config_get_bool() {
	local _tmp
	config_get _tmp "$2" "$3" "$4"
	_tmp="$(get_bool "$_tmp" "$4")"
	eval "$1=\$_tmp"
}

config_set() {
	local _section="$1" _option="$2" _value="$3"
	eval "CONFIG_${_section}_${_option}=\$_value"
}

# config_foreach FUNCTION [TYPE] [ARGS...]
config_foreach() {
	local _function="$1" _type="$2" _section _stype
	[ "$#" -ge 1 ] && shift
	[ "$#" -ge 1 ] && shift
	for _section in $CONFIG_SECTIONS; do
		eval "_stype=\$CONFIG_${_section}_TYPE"
		[ -z "$_type" ] || [ "$_type" = "$_stype" ] || continue
		eval "$_function \"\$_section\" \"\$@\""
	done
}

# config_list_foreach SECTION OPTION FUNCTION [ARGS...]
config_list_foreach() {
	local _section="$1" _option="$2" _function="$3" _len _i=0 _val
	shift 3
	eval "_len=\${CONFIG_${_section}_${_option}_LENGTH:-0}"
	while [ "$_i" -lt "$_len" ]; do
		_i=$((_i + 1))
		eval "_val=\$CONFIG_${_section}_${_option}_ITEM$_i"
		eval "$_function \"\$_val\" \"\$@\""
	done
}

# _jc_uci_section TYPE INDEX: the name of @TYPE[INDEX] in the loaded package (negative from the end).
_jc_uci_section() {
	local _want="$1" _index="$2" _names= _s _t _n=0
	case "$_index" in ''|-|*[!0-9-]*|?*-*) return 1 ;; esac
	for _s in $CONFIG_SECTIONS; do
		eval "_t=\$CONFIG_${_s}_TYPE"
		[ "$_t" = "$_want" ] || continue
		_names="$_names $_s"
		_n=$((_n + 1))
	done
	[ "$_index" -lt 0 ] && _index=$((_n + _index))
	set -- $_names
	[ "$_index" -ge 0 ] && [ "$_index" -lt "$#" ] || return 1
	shift "$_index"
	echo "$1"
}

# uci_get PACKAGE[.SECTION[.OPTION]] or uci_get PACKAGE SECTION OPTION [DEFAULT]; sections may
# be written @type[N]. Reads the package afresh, without disturbing the script's loaded one.
uci_get() {
	local _path="$1${2:+.$2}${3:+.$3}" _default="$4" _value
	_value=$(
		_pkg=${_path%%.*}
		_rest=${_path#"$_pkg"}; _rest=${_rest#.}
		_section=${_rest%%.*}
		_option=${_rest#"$_section"}; _option=${_option#.}
		config_load "$_pkg" || exit 1
		case "$_section" in
			@*\[*\])
				_i=${_section#*\[}; _i=${_i%\]}
				_t=${_section%%\[*}; _t=${_t#@}
				_section=$(_jc_uci_section "$_t" "$_i") || exit 1 ;;
		esac
		case "$_section" in ''|*[!A-Za-z0-9_]*) exit 1 ;; esac
		if [ -z "$_option" ]; then eval "printf %s \"\$CONFIG_${_section}_TYPE\""; exit 0; fi
		case "$_option" in *[!A-Za-z0-9_]*) exit 1 ;; esac
		eval "printf %s \"\${CONFIG_${_section}_${_option}:-}\""
	)
	echo "${_value:-$_default}"
}

uci_get_state() { uci_get "$@"; }

# uci_validate_section PACKAGE TYPE SECTION 'option:type:default'...: sets each option's
# variable from the loaded section (types are not checked).
uci_validate_section() {
	local _package="$1" _type="$2" _name="$3" _spec _opt _rest _default _v
	shift 3
	for _spec in "$@"; do
		_opt=${_spec%%:*}
		_rest=${_spec#*:}
		_default=
		case "$_rest" in *:*) _default=${_rest#*:} ;; esac
		case "$_opt" in ''|*[!A-Za-z0-9_]*) continue ;; esac
		_v=
		[ -n "$_name" ] && config_get _v "$_name" "$_opt"
		eval "$_opt=\${_v:-\$_default}"
	done
	return 0
}

# uci_load_validate PACKAGE TYPE SECTION FUNCTION 'option:type:default'...
uci_load_validate() {
	local _package="$1" _type="$2" _name="$3" _function="$4" _option _result
	shift 4
	for _option in "$@"; do
		eval "local ${_option%%:*}"
	done
	uci_validate_section "$_package" "$_type" "$_name" "$@"
	_result=$?
	[ -n "$_function" ] || return $_result
	eval "$_function \"\$_name\" \"\$_result\""
}

user_exists() {
	grep -qs "^$1:" /etc/passwd
}

group_exists() {
	grep -qs "^$1:" /etc/group
}

# include DIR: sources every *.sh file in DIR, like OpenWrt's.
include() {
	local _file
	for _file in "$1"/*.sh; do
		[ -f "$_file" ] && . "$_file"
	done
}
