# jailctl's /lib/functions/service.sh (written for jailctl, POSIX sh): service_start,
# service_stop, service_check, service_signal, service_reload and `service -S|-K|-C EXEC ARGS`
# over start-stop-daemon (the host's, or busybox's), driven by the same SERVICE_* variables:
#   SERVICE_DAEMONIZE   run EXEC in the background     SERVICE_WRITE_PID  write a pid file
#   SERVICE_USE_PID     EXEC writes its own pid file    SERVICE_PID_FILE   (/var/run/NAME.pid)
#   SERVICE_MATCH_EXEC  match by executable (default)   SERVICE_MATCH_NAME match by process name
#   SERVICE_NAME        (EXEC's file name)              SERVICE_SIG        signal for -K
#   SERVICE_SIG_RELOAD  (HUP)  SERVICE_SIG_STOP (TERM)  SERVICE_STOP_TIME  seconds before KILL (5)
#   SERVICE_UID, SERVICE_GID  run as                    SERVICE_DEBUG      print, do nothing
#   SERVICE_QUIET       no output from start-stop-daemon (default)

SERVICE_QUIET=1
SERVICE_SIG_RELOAD="HUP"
SERVICE_SIG_STOP="TERM"
SERVICE_STOP_TIME=5
SERVICE_MATCH_EXEC=1

__jc_ssd() {
	if command -v start-stop-daemon >/dev/null 2>&1; then
		start-stop-daemon "$@"
	else
		busybox start-stop-daemon "$@"
	fi
}

# __jc_quote WORD: WORD in single quotes, for eval
__jc_quote() {
	local __q_in="$1" __q_out=
	while :; do
		case "$__q_in" in
			*\'*) __q_out="$__q_out${__q_in%%\'*}'\\''"; __q_in="${__q_in#*\'}" ;;
			*) printf "'%s'" "$__q_out$__q_in"; return 0 ;;
		esac
	done
}

# service -C|-S|-K EXEC [ARGS...]
service() {
	local __sv_action="$1" __sv_exec __sv_name __sv_start= __sv_args= __sv_arg
	case "$__sv_action" in
		-C|-S|-K) ;;
		*) echo "service: unknown ACTION '$__sv_action'" >&2; return 1 ;;
	esac
	shift
	__sv_exec="$1"
	[ -n "$__sv_exec" ] || { echo "service: missing argument" >&2; return 1; }
	[ -x "$__sv_exec" ] || { echo "service: file '$__sv_exec' is not executable" >&2; return 1; }
	shift
	for __sv_arg in "$@"; do
		__sv_args="$__sv_args $(__jc_quote "$__sv_arg")"
	done
	__sv_name="${SERVICE_NAME:-${__sv_exec##*/}}"
	set --
	[ -n "$SERVICE_QUIET" ] && set -- "$@" -q
	case "$__sv_action" in
		-C) set -- "$@" -K -t ;;
		-S) set -- "$@" -S; __sv_start=1
			[ -n "$SERVICE_DAEMONIZE" ] && set -- "$@" -b
			[ -n "$SERVICE_WRITE_PID" ] && set -- "$@" -m ;;
		-K) set -- "$@" -K; [ -n "$SERVICE_SIG" ] && set -- "$@" -s "$SERVICE_SIG" ;;
	esac
	[ -n "$SERVICE_USE_PID$SERVICE_WRITE_PID$SERVICE_PID_FILE" ] && set -- "$@" -p "${SERVICE_PID_FILE:-/var/run/$__sv_name.pid}"
	[ -n "$SERVICE_MATCH_NAME" ] && set -- "$@" -n "$__sv_name"
	[ -n "$SERVICE_UID" ] && set -- "$@" -c "$SERVICE_UID${SERVICE_GID:+:$SERVICE_GID}"
	[ -n "$SERVICE_MATCH_EXEC$__sv_start" ] && set -- "$@" -x "$__sv_exec"
	if [ -n "$SERVICE_DEBUG" ]; then
		eval "echo start-stop-daemon \"\$@\" ${__sv_args:+--$__sv_args}"
	else
		eval "__jc_ssd \"\$@\" ${__sv_args:+--$__sv_args}"
	fi
}

service_check() {
	service -C "$@"
}

service_signal() {
	SERVICE_SIG="${SERVICE_SIG:-USR1}" service -K "$@"
}

service_start() {
	service -S "$@"
}

service_stop() {
	local __st_try=0
	SERVICE_SIG="${SERVICE_SIG:-$SERVICE_SIG_STOP}" service -K "$@" || return 1
	while [ "$__st_try" -lt "$SERVICE_STOP_TIME" ]; do
		service -C "$@" || return 0
		sleep 1
		__st_try=$((__st_try + 1))
	done
	SERVICE_SIG="KILL" service -K "$@"
	sleep 1
	! service -C "$@"
}

service_reload() {
	SERVICE_SIG="${SERVICE_SIG:-$SERVICE_SIG_RELOAD}" service -K "$@"
}
