# jailctl's /usr/share/libubox/jshn.sh (written for jailctl, POSIX sh): JSON in shell variables
# with libubox's interface. Building and reading (json_add_*, json_select, json_get_*) is plain
# shell; json_load and json_dump run the jshn command (jailctl's, beside this library). The
# variables are those the jshn command reads from the environment, so they are exported: the
# table J_V is the root, K_<table> lists its keys, <table>_<key> and T_<table>_<key> hold a
# value and its type, N_<table>_<key> the key's own spelling when it is not a shell name,
# U_<table> the parent, S_<table> an array's length. Keys are shell names with every other
# character made "_"; array items are numbered from 1.

# _jshn_name VAR KEY: KEY with each character that is not a letter, digit or "_" made "_"
_jshn_name() {
	local _jn_in="$2" _jn_out= _jn_head
	while :; do
		case "$_jn_in" in
			*[!A-Za-z0-9_]*)
				_jn_head="${_jn_in%%[!A-Za-z0-9_]*}"
				_jn_in="${_jn_in#"$_jn_head"}"
				_jn_in="${_jn_in#?}"
				_jn_out="${_jn_out}${_jn_head}_"
				;;
			*)
				eval "$1=\$_jn_out\$_jn_in"
				return 0
				;;
		esac
	done
}

# _jshn_set NAME VALUE: sets and exports ${JSON_PREFIX}NAME
_jshn_set() {
	eval "${JSON_PREFIX}$1=\$2"
	export "${JSON_PREFIX}$1"
}

# _jshn_get VAR NAME: VAR=${JSON_PREFIX}NAME
_jshn_get() {
	eval "$1=\${${JSON_PREFIX}$2}"
}

# _jshn_append NAME WORD: adds WORD to the space-separated list ${JSON_PREFIX}NAME
_jshn_append() {
	local _ja_old
	_jshn_get _ja_old "$1"
	_jshn_set "$1" "${_ja_old:+$_ja_old }$2"
}

_jshn_is_array() {
	case "$1" in J_A[0-9]*) return 0 ;; esac
	return 1
}

# _json_add_generic TYPE KEY VALUE TABLE
_json_add_generic() {
	local _ag_var _ag_n
	if _jshn_is_array "$4"; then
		_jshn_get _ag_n "S_$4"
		_ag_var=$((${_ag_n:-0} + 1))
		_jshn_set "S_$4" "$_ag_var"
	else
		_jshn_name _ag_var "$2"
		[ "$_ag_var" = "$2" ] || _jshn_set "N_${4}_$_ag_var" "$2"
	fi
	_jshn_set "${4}_$_ag_var" "$3"
	_jshn_set "T_${4}_$_ag_var" "$1"
	_jshn_append JSON_UNSET "${4}_$_ag_var"
	_jshn_append "K_$4" "$_ag_var"
}

# _json_add_table KEY TYPE LETTER: opens a new object (T) or array (A) under the current table
_json_add_table() {
	local _at_cur _at_seq _at_table
	_jshn_get _at_cur JSON_CUR
	_jshn_get _at_seq JSON_SEQ
	_at_seq=$((${_at_seq:-0} + 1))
	_jshn_set JSON_SEQ "$_at_seq"
	_at_table="J_$3$_at_seq"
	_jshn_set "U_$_at_table" "$_at_cur"
	_jshn_set "K_$_at_table" ""
	unset "${JSON_PREFIX}S_$_at_table"
	_jshn_set JSON_CUR "$_at_table"
	_jshn_append JSON_UNSET "$_at_table"
	_json_add_generic "$2" "$1" "$_at_table" "$_at_cur"
}

_json_close_table() {
	local _ct_cur _ct_parent
	_jshn_get _ct_cur JSON_CUR
	_jshn_get _ct_parent "U_$_ct_cur"
	_jshn_set JSON_CUR "$_ct_parent"
}

# json_set_namespace PREFIX [VAR]: works on variables starting with PREFIX; VAR gets the old one
json_set_namespace() {
	[ -n "$2" ] && eval "$2=\$JSON_PREFIX"
	JSON_PREFIX="$1"
}

json_cleanup() {
	local _cl_tables _cl_t
	_jshn_get _cl_tables JSON_UNSET
	for _cl_t in $_cl_tables J_V; do
		unset "${JSON_PREFIX}U_$_cl_t" "${JSON_PREFIX}K_$_cl_t" "${JSON_PREFIX}S_$_cl_t" \
			"${JSON_PREFIX}T_$_cl_t" "${JSON_PREFIX}N_$_cl_t" "${JSON_PREFIX}$_cl_t"
	done
	unset "${JSON_PREFIX}JSON_SEQ" "${JSON_PREFIX}JSON_CUR" "${JSON_PREFIX}JSON_UNSET"
}

json_init() {
	json_cleanup
	eval "${JSON_PREFIX}JSON_SEQ=0"
	_jshn_set JSON_CUR J_V
	_jshn_set K_J_V ""
}

json_add_object() { _json_add_table "$1" object T; }
json_close_object() { _json_close_table; }
json_add_array() { _json_add_table "$1" array A; }
json_close_array() { _json_close_table; }

_json_add() {
	local _ad_cur
	_jshn_get _ad_cur JSON_CUR
	_json_add_generic "$1" "$2" "$3" "$_ad_cur"
}

# _json_push TYPE VALUE: adds an item to the current array (a warning elsewhere)
_json_push() {
	local _pu_cur
	_jshn_get _pu_cur JSON_CUR
	if ! _jshn_is_array "$_pu_cur"; then
		[ -n "$_json_no_warning" ] || echo "WARNING: Not in an array" >&2
		return 1
	fi
	_json_add_generic "$1" "" "$2" "$_pu_cur"
}

json_add_string() { _json_add string "$1" "$2"; }
json_add_int() { _json_add int "$1" "$2"; }
json_add_boolean() { _json_add boolean "$1" "$2"; }
json_add_double() { _json_add double "$1" "$2"; }
json_add_null() { _json_add null "$1" ""; }
json_push_string() { _json_push string "$1"; }
json_push_int() { _json_push int "$1"; }
json_push_boolean() { _json_push boolean "$1"; }
json_push_double() { _json_push double "$1"; }
json_push_null() { _json_push null ""; }

# json_add_fields NAME[:TYPE]=VALUE...
json_add_fields() {
	local _af_field _af_name _af_value _af_type
	for _af_field in "$@"; do
		_af_name="${_af_field%%=*}"
		_af_value="${_af_field#*=}"
		[ "$_af_name" != "$_af_field" ] || _af_value=""
		_af_type="${_af_name#*:}"
		[ "$_af_type" != "$_af_name" ] || _af_type=string
		_af_name="${_af_name%%:*}"
		case "$_af_type" in
			string|int|boolean|double) _json_add "$_af_type" "$_af_name" "$_af_value" ;;
		esac
	done
}

# json_get_index VAR: the number of the current table in its parent array
json_get_index() {
	local _gi_cur _gi_parent
	_jshn_get _gi_cur JSON_CUR
	_jshn_get _gi_parent "U_$_gi_cur"
	if ! _jshn_is_array "$_gi_parent"; then
		[ -n "$_json_no_warning" ] || echo "WARNING: Not inside an array" >&2
		return 1
	fi
	eval "$1=\${${JSON_PREFIX}S_$_gi_parent}; [ -n \"\${${JSON_PREFIX}S_$_gi_parent+x}\" ]"
}

json_compact() {
	JSON_NONEWLINE=1
	JSON_INDENT=
}

json_pretty() {
	JSON_NONEWLINE=
	JSON_INDENT=1
}

# the jshn command: jailctl's tool when it is set up, else the one on PATH
_jshn_cmd() {
	if [ -n "$JAILCTL_NODE" ] && [ -n "$JAILCTL_TOOLS" ]; then
		"$JAILCTL_NODE" "$JAILCTL_TOOLS" jshn "$@"
	else
		jshn "$@"
	fi
}

json_load() {
	eval "$(_jshn_cmd -r "$1")"
}

json_load_file() {
	eval "$(_jshn_cmd -R "$1")"
}

json_dump() {
	_jshn_cmd "$@" ${JSON_PREFIX:+-p "$JSON_PREFIX"} ${JSON_NONEWLINE:+-n} ${JSON_INDENT:+-i} -w
}

# json_get_type VAR KEY: object, array, string, int, double, boolean or null
json_get_type() {
	local _gt_cur _gt_key
	_jshn_get _gt_cur JSON_CUR
	_jshn_name _gt_key "$2"
	eval "$1=\${${JSON_PREFIX}T_${_gt_cur}_$_gt_key}; [ -n \"\${${JSON_PREFIX}T_${_gt_cur}_$_gt_key+x}\" ]"
}

# json_get_keys VAR [KEY]: the keys of the current table (or of its table KEY)
json_get_keys() {
	local _gk_table
	if [ -n "$2" ]; then
		json_get_var _gk_table "$2"
	else
		_jshn_get _gk_table JSON_CUR
	fi
	eval "$1=\${${JSON_PREFIX}K_$_gk_table}; [ -n \"\${${JSON_PREFIX}K_$_gk_table+x}\" ]"
}

# json_get_values VAR [KEY]: the values of the current table (or of its table KEY)
json_get_values() {
	local _gv_dest="$1" _gv_keys _gv_key _gv_value _gv_list= _gv_any= _gv_selected= _json_no_warning=1
	unset "$_gv_dest"
	if [ -n "$2" ]; then
		json_select "$2" || return 1
		_gv_selected=1
	fi
	json_get_keys _gv_keys
	for _gv_key in $_gv_keys; do
		json_get_var _gv_value "$_gv_key"
		_gv_list="${_gv_list:+$_gv_list${_gv_value:+ }}$_gv_value"
		_gv_any=1
	done
	[ -z "$_gv_any" ] || eval "$_gv_dest=\$_gv_list"
	[ -n "$_gv_selected" ] && json_select ..
	return 0
}

# json_get_var VAR KEY [DEFAULT]: the value (DEFAULT when it is empty or missing)
json_get_var() {
	local _gr_cur _gr_key
	_jshn_get _gr_cur JSON_CUR
	_jshn_name _gr_key "$2"
	eval "$1=\${${JSON_PREFIX}${_gr_cur}_$_gr_key:-\$3}; [ -n \"\${${JSON_PREFIX}${_gr_cur}_$_gr_key+x}\${3+x}\" ]"
}

# json_get_vars NAME[:DEFAULT]...: each into the variable of its name
json_get_vars() {
	local _gs_var
	for _gs_var in "$@"; do
		if [ "$_gs_var" != "${_gs_var#*:}" ]; then
			json_get_var "${_gs_var%%:*}" "${_gs_var%%:*}" "${_gs_var#*:}"
		else
			json_get_var "$_gs_var" "$_gs_var"
		fi
	done
}

# json_select KEY|..|"": into the table KEY, back to the parent, or to the root
json_select() {
	local _se_type _se_cur
	if [ -z "$1" ]; then
		_jshn_set JSON_CUR J_V
		return 0
	fi
	if [ "$1" = ".." ]; then
		_jshn_get _se_cur JSON_CUR
		_jshn_get _se_cur "U_$_se_cur"
		_jshn_set JSON_CUR "$_se_cur"
		return 0
	fi
	json_get_type _se_type "$1"
	case "$_se_type" in
		object|array)
			json_get_var _se_cur "$1"
			_jshn_set JSON_CUR "$_se_cur"
			;;
		*)
			[ -n "$_json_no_warning" ] || echo "WARNING: Variable '$1' does not exist or is not an array/object" >&2
			return 1
			;;
	esac
}

json_is_a() {
	local _ia_type
	json_get_type _ia_type "$1"
	[ "$_ia_type" = "$2" ]
}

# json_for_each_item FUNCTION KEY [ARGS...]: FUNCTION VALUE ITEMKEY ARGS... per item of KEY
json_for_each_item() {
	[ "$#" -ge 2 ] || return 0
	local _fe_function="$1" _fe_target="$2" _fe_type _fe_keys _fe_key _fe_value
	shift 2
	json_get_type _fe_type "$_fe_target"
	case "$_fe_type" in
		object|array)
			json_select "$_fe_target"
			json_get_keys _fe_keys
			for _fe_key in $_fe_keys; do
				json_get_var _fe_value "$_fe_key"
				eval "$_fe_function \"\$_fe_value\" \"\$_fe_key\" \"\$@\""
			done
			json_select ..
			;;
		*)
			json_get_var _fe_value "$_fe_target"
			eval "$_fe_function \"\$_fe_value\" \"\" \"\$@\""
			;;
	esac
}
