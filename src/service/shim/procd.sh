# jailctl's procd shell API (sourced by rc.common): procd_open_instance, procd_set_param,
# procd_add_jail ... record the service in shell variables, and procd_close_service appends it
# to the action log $JAILCTL_ACTIONS as the JSON procd would have received over ubus
# (PRIOR-ART.md §3.5), one JSON object per line. procd_kill and procd_send_signal are logged
# the same way; jailctl carries the log out, in order, once the script has finished.
# procd_running answers from $JAILCTL_RUNNING (lines "SERVICE INSTANCE running|stopped",
# written by jailctl before the script runs). Config triggers (procd_add_reload_trigger,
# procd_add_config_trigger config.change) are recorded for `jailctl service reload-config`;
# other triggers, validation and data blocks are accepted and ignored.
# Mistakes procd would silently ignore (unknown parameters, unknown jail flags, an unclosed
# instance) are errors here: they go to $JAILCTL_ACTIONS.err and end the evaluation.

_JC_CTL=$(printf '\001\002\003\004\005\006\007\010\011\012\013\014\015\016\017\020\021\022\023\024\025\026\027\030\031\032\033\034\035\036\037')
_JC_PARAMS="command env data limits file netdev respawn watch watchdog error nice term_timeout reload_signal pidfile user group seccomp capabilities facility extroot overlaydir tmpoverlaysize vrf stdout stderr no_new_privs jailctl_unjailed"
_JC_JAIL_FLAGS="log ubus udebug procfs sysfs ronly requirejail netns userns cgroupsns"

# _jc_fail MESSAGE: records the error and ends the evaluation (also from inside $(...)).
_jc_fail() {
	printf '%s\n' "$1" >>"${JAILCTL_ACTIONS:-/dev/null}.err"
	exit 3
}

# _jc_q VALUE: sets _jc_r to VALUE as a JSON string literal.
_jc_q() {
	_jc_s=$1
	_jc_r=
	while :; do
		case $_jc_s in
			*[\\\"$_JC_CTL]*) ;;
			*) _jc_r="\"$_jc_r$_jc_s\""; return 0 ;;
		esac
		_jc_pre=${_jc_s%%[\\\"$_JC_CTL]*}
		_jc_s=${_jc_s#"$_jc_pre"}
		_jc_c=${_jc_s%"${_jc_s#?}"}
		_jc_s=${_jc_s#?}
		case $_jc_c in
			\\) _jc_c='\\' ;;
			\") _jc_c='\"' ;;
			"$(printf '\t')") _jc_c='\t' ;;
			"
") _jc_c='\n' ;;
			*) _jc_c=$(printf '\\u%04x' "'$_jc_c") ;;
		esac
		_jc_r="$_jc_r$_jc_pre$_jc_c"
	done
}

# _jc_array VALUE...: sets _jc_r to the JSON array members for the values.
_jc_array() {
	_jc_list=
	for _jc_v in "$@"; do
		_jc_q "$_jc_v"
		_jc_list="${_jc_list:+$_jc_list,}$_jc_r"
	done
	_jc_r=$_jc_list
}

# _jc_table KEY=VALUE...: sets _jc_r to the JSON object members (procd's env/data/limits).
_jc_table() {
	_jc_list=
	for _jc_v in "$@"; do
		[ -n "$_jc_v" ] || continue
		_jc_q "${_jc_v%%=*}"
		_jc_k=$_jc_r
		case $_jc_v in *=*) _jc_q "${_jc_v#*=}" ;; *) _jc_q "" ;; esac
		_jc_list="${_jc_list:+$_jc_list,}$_jc_k:$_jc_r"
	done
	_jc_r=$_jc_list
}

_jc_bool() {
	case "$1" in 1|on|true|yes|enabled) echo true ;; *) echo false ;; esac
}

_jc_in_list() {
	case " $2 " in *" $1 "*) return 0 ;; esac
	return 1
}

# _jc_signal SIGNAL: sets _jc_r to the JSON of a signal: its number, as procd.sh's $(kill -l
# NAME) gives it in ash, or its name (HUP, SIGHUP) as a string for jailctl to look up where the
# shell's kill -l cannot number names (dash).
_jc_signal() {
	case "$1" in
		'') return 1 ;;
		*[!0-9]*)
			case "${1#SIG}" in ''|*[!A-Za-z0-9+-]*) return 1 ;; esac
			_jc_sn=$(kill -l "${1#SIG}" 2>/dev/null)
			case "$_jc_sn" in
				''|*[!0-9]*) _jc_r="\"${1#SIG}\"" ;;
				*) _jc_r=$_jc_sn ;;
			esac ;;
		*) _jc_r=$1 ;;
	esac
}

# _jc_log JSON: appends one action to the log jailctl carries out after the script.
_jc_log() {
	printf '%s\n' "$1" >>"${JAILCTL_ACTIONS:-/dev/null}"
}

_jc_need_instance() {
	[ -n "$_jc_inst" ] || _jc_fail "$1 called outside procd_open_instance ... procd_close_instance"
}

# _jc_store KEY JSON-MEMBERS: the parameter's value (array or object members, or a scalar).
_jc_store() {
	_jc_in_list "$1" "$_jc_keys" || _jc_keys="$_jc_keys $1"
	eval "_jc_p_$1=\$2"
}

procd_open_service() {
	_jc_service=$1
	_jc_script=$2
	_jc_seq=0
	_jc_inst=
	_jc_instances=
	_jc_names=
}

procd_open_instance() {
	[ -z "$_jc_inst" ] || _jc_fail "procd_open_instance: instance \"$_jc_inst\" is still open (procd_close_instance is missing)"
	_jc_seq=$((_jc_seq + 1))
	_jc_inst=${1:-instance$_jc_seq}
	_jc_in_list "$_jc_inst" "$_jc_names" && _jc_fail "procd_open_instance: instance \"$_jc_inst\" is defined twice"
	_jc_keys=
	_jc_jail=
	_jc_jail_on=
	_jc_mounts=
}

procd_set_param() {
	_jc_need_instance procd_set_param
	_jc_type=$1
	[ "$#" -gt 0 ] && shift
	case "$_jc_type" in
		env|data|limits) _jc_table "$@" ;;
		command|netdev|file|respawn|watch|watchdog) _jc_array "$@" ;;
		error) _jc_array "$*" ;;
		nice|term_timeout)
			case "$1" in
				''|*[!0-9-]*|?*-*) _jc_fail "procd_set_param $_jc_type: \"$1\" is not a whole number" ;;
			esac
			_jc_r=$1 ;;
		reload_signal)
			_jc_signal "$1" || _jc_fail "procd_set_param reload_signal: \"$1\" is not a signal" ;;
		pidfile|user|group|seccomp|capabilities|facility|extroot|overlaydir|tmpoverlaysize|vrf) _jc_q "$1" ;;
		stdout|stderr|no_new_privs|jailctl_unjailed) _jc_r=$(_jc_bool "$1") ;;
		*) _jc_fail "procd_set_param: unknown parameter \"$_jc_type\" (known:$(printf ' %s' $_JC_PARAMS))" ;;
	esac
	_jc_store "$_jc_type" "$_jc_r"
}

procd_append_param() {
	_jc_need_instance procd_append_param
	_jc_type=$1
	if ! _jc_in_list "$_jc_type" "$_jc_keys"; then
		procd_set_param "$@"
		return
	fi
	shift
	eval "_jc_old=\$_jc_p_$_jc_type"
	case "$_jc_type" in
		env|data|limits) _jc_table "$@" ;;
		command|netdev|file|respawn|watch|watchdog) _jc_array "$@" ;;
		error) _jc_array "$*" ;;
		*) procd_set_param "$_jc_type" "$@"; return ;;
	esac
	_jc_store "$_jc_type" "${_jc_old:+$_jc_old${_jc_r:+,}}$_jc_r"
}

# procd_add_jail NAME [FLAG...]: flags are split on blanks, as procd.sh does.
procd_add_jail() {
	_jc_need_instance procd_add_jail
	_jc_q "$1"
	_jc_jail="\"name\":$_jc_r"
	_jc_jail_on=1
	shift
	for _jc_a in $*; do
		_jc_in_list "$_jc_a" "$_JC_JAIL_FLAGS" || _jc_fail "procd_add_jail: unknown flag \"$_jc_a\" (procd knows:$(printf ' %s' $_JC_JAIL_FLAGS))"
		_jc_jail="$_jc_jail,\"$_jc_a\":true"
	done
}

_jc_add_mounts() {
	_jc_need_instance "$1"
	_jc_rw=$2
	shift 2
	for _jc_a in $*; do
		_jc_q "$_jc_a"
		_jc_mounts="${_jc_mounts:+$_jc_mounts,}$_jc_r:\"$_jc_rw\""
	done
}

# Without procd_add_jail (before it, too) procd.sh drops these: so does jailctl, with a note.
procd_add_jail_mount() {
	[ -n "$_jc_jail_on" ] || { _jc_no_jail procd_add_jail_mount "$@"; return 0; }
	_jc_add_mounts procd_add_jail_mount 0 "$@"
}
procd_add_jail_mount_rw() {
	[ -n "$_jc_jail_on" ] || { _jc_no_jail procd_add_jail_mount_rw "$@"; return 0; }
	_jc_add_mounts procd_add_jail_mount_rw 1 "$@"
}

_jc_no_jail() {
	_jc_need_instance "$1"
	printf 'jailctl: note: instance "%s": %s %s: ignored without procd_add_jail, as procd does\n' "$_jc_inst" "$1" "$(shift; echo "$*")" >&2
}

# procd's respawn defaults, from UCI system.@service[0] like procd.sh.
_jc_respawn_defaults() {
	eval "_jc_old=\$_jc_p_respawn"
	[ -z "$_jc_old" ] || return 0
	_jc_array "$(uci_get system.@service[0].respawn_threshold '' '' 3600)" \
		"$(uci_get system.@service[0].respawn_timeout '' '' 5)" \
		"$(uci_get system.@service[0].respawn_retry '' '' 5)"
	_jc_p_respawn=$_jc_r
}

procd_close_instance() {
	_jc_need_instance procd_close_instance
	_jc_in_list respawn "$_jc_keys" && _jc_respawn_defaults
	_jc_obj=
	for _jc_k in $_jc_keys; do
		eval "_jc_v=\$_jc_p_$_jc_k"
		case "$_jc_k" in
			env|data|limits) _jc_v="{$_jc_v}" ;;
			command|netdev|file|respawn|watch|watchdog|error) _jc_v="[$_jc_v]" ;;
		esac
		_jc_obj="${_jc_obj:+$_jc_obj,}\"$_jc_k\":$_jc_v"
		unset "_jc_p_$_jc_k"
	done
	if [ -n "$_jc_jail_on" ]; then
		_jc_obj="${_jc_obj:+$_jc_obj,}\"jail\":{$_jc_jail${_jc_jail:+,}\"mount\":{$_jc_mounts}}"
	fi
	[ -z "$TRACE_SYSCALLS" ] || _jc_obj="${_jc_obj:+$_jc_obj,}\"trace\":true"
	_jc_q "$_jc_inst"
	_jc_instances="${_jc_instances:+$_jc_instances,}$_jc_r:{$_jc_obj}"
	_jc_names="$_jc_names $_jc_inst"
	_jc_inst=
}

procd_add_instance() {
	procd_open_instance
	procd_set_param command "$@"
	procd_close_instance
}

# procd_close_service [set|add]: "add" keeps the service's other instances (rc.common's start
# with arguments), "set" replaces them.
procd_close_service() {
	[ -z "$_jc_inst" ] || _jc_fail "start_service ended with instance \"$_jc_inst\" still open (procd_close_instance is missing)"
	_jc_triggers=
	service_triggers
	_jc_q "$_jc_service"
	_jc_out="{\"name\":$_jc_r"
	_jc_q "$_jc_script"
	_jc_out="$_jc_out,\"script\":$_jc_r,\"instances\":{$_jc_instances},\"triggers\":[$_jc_triggers]}"
	_jc_log "{\"op\":\"set\",\"method\":\"${1:-set}\",\"service\":$_jc_out}"
}

