# jailctl's stand-ins for what procd.sh asks procd over ubus (sourced by rc.common after
# procd.sh): config triggers, procd_kill, procd_send_signal and procd_set_config_changed go to
# the action log; procd_running and _procd_status answer from jailctl's snapshot of the state
# folder ($JAILCTL_RUNNING). Other triggers, validation and data blocks are accepted and
# ignored, as nothing here would ever fire them.

# _jc_config_trigger PACKAGE SCRIPT ACTION...: procd's config.change trigger on PACKAGE.
_jc_config_trigger() {
	_jc_q "$1"
	_jc_t="{\"type\":\"config.change\",\"package\":$_jc_r"
	shift
	_jc_array "$@"
	_jc_triggers="${_jc_triggers:+$_jc_triggers,}$_jc_t,\"run\":[$_jc_r]}"
}

procd_add_reload_trigger() {
	_jc_f=
	for _jc_f in "$@"; do
		_jc_config_trigger "$_jc_f" "/etc/init.d/${_jc_service}" reload
	done
}

# procd_add_config_trigger EVENT PACKAGE SCRIPT ACTION...: only config.change events exist here.
procd_add_config_trigger() {
	[ "$1" = config.change ] || return 0
	shift
	_jc_config_trigger "$@"
}

# procd_kill SERVICE [INSTANCE]: stop the instance, or the whole service.
procd_kill() {
	_jc_q "$1"
	_jc_k="{\"op\":\"kill\",\"service\":$_jc_r"
	if [ -n "$2" ]; then _jc_q "$2"; _jc_k="$_jc_k,\"instance\":$_jc_r"; fi
	_jc_log "$_jc_k}"
}

# procd_send_signal SERVICE [INSTANCE|*] [SIGNAL]: SIGHUP when no signal is given, as procd.
procd_send_signal() {
	_jc_sig=1
	if [ -n "$3" ]; then _jc_signal "$3" || return 1; _jc_sig=$_jc_r; fi
	_jc_q "$1"
	_jc_k="{\"op\":\"signal\",\"service\":$_jc_r,\"signal\":$_jc_sig"
	if [ -n "$2" ] && [ "$2" != "*" ]; then _jc_q "$2"; _jc_k="$_jc_k,\"instance\":$_jc_r"; fi
	_jc_log "$_jc_k}"
}

# procd_set_config_changed PACKAGE: the config.change event of PACKAGE, for the services
# whose triggers name it (as `jailctl service reload-config` finds changed packages).
procd_set_config_changed() {
	_jc_q "$1"
	_jc_log "{\"op\":\"config-changed\",\"package\":$_jc_r}"
}

# procd_running SERVICE [INSTANCE|*]: from jailctl's snapshot of the state folder.
procd_running() {
	_jc_want=${2:-*}
	[ -f "${JAILCTL_RUNNING:-}" ] || return 1
	while read -r _jc_s _jc_i _jc_st; do
		[ "$_jc_s" = "$1" ] && [ "$_jc_st" = running ] || continue
		[ "$_jc_want" = "*" ] || [ "$_jc_want" = "$_jc_i" ] || continue
		return 0
	done <"$JAILCTL_RUNNING"
	return 1
}

# _procd_status SERVICE [INSTANCE]: procd.sh's words and exit codes, from the same snapshot.
_procd_status() {
	_jc_total=0
	_jc_up=0
	[ -f "${JAILCTL_RUNNING:-}" ] && while read -r _jc_s _jc_i _jc_st; do
		[ "$_jc_s" = "$1" ] || continue
		[ -z "$2" ] || [ "$2" = "$_jc_i" ] || continue
		_jc_total=$((_jc_total + 1))
		[ "$_jc_st" = running ] && _jc_up=$((_jc_up + 1))
	done <"$JAILCTL_RUNNING"
	if [ "$_jc_total" = 0 ]; then
		if [ -n "$2" ]; then echo "unknown instance $2"; return 4; fi
		echo "inactive"; return 3
	fi
	if [ "$_jc_up" = "$_jc_total" ]; then echo "running"; return 0; fi
	if [ "$_jc_up" -gt 0 ]; then echo "running ($_jc_up/$_jc_total)"; return 0; fi
	echo "not running"
	return 5
}

# Accepted and ignored: jailctl reacts to no other event and runs no validators of procd's.
procd_lock() { :; }
procd_open_trigger() { :; }
procd_close_trigger() { :; }
procd_add_raw_trigger() { :; }
procd_add_interface_trigger() { :; }
procd_add_mount_trigger() { :; }
procd_add_reload_data_trigger() { :; }
procd_add_reload_interface_trigger() { :; }
procd_add_action_mount_trigger() { :; }
procd_add_reload_mount_trigger() { :; }
procd_add_restart_mount_trigger() { :; }
procd_open_validate() { :; }
procd_close_validate() { :; }
procd_add_validation() { :; }
procd_open_data() { :; }
procd_close_data() { :; }
procd_add_mdns() { :; }
procd_add_mdns_service() { :; }
procd_get_mountpoints() { :; }
