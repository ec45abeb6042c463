# jailctl's /lib/functions/network.sh (written for jailctl, POSIX sh). OpenWrt's asks netifd
# over ubus; here the answers come from the host: jailctl's network-status tool maps each
# logical interface of UCI's network package (--config) to a host device (option device or
# ifname; a bridge is br-NAME, a PPP protocol PROTO-NAME) and reads its state, addresses, default
# routes and the resolver's servers. Host devices and `loopback` (lo) are interfaces too. The
# answers are read once and kept until network_flush_cache. docs/services.md has the rules.

. "${JAILCTL_LIBROOT:-}/usr/share/libubox/jshn.sh"

__network_load() {
	[ -n "$__NETWORK_CACHE" ] && return 0
	if [ -z "$JAILCTL_NODE" ] || [ -z "$JAILCTL_TOOLS" ]; then
		echo "network.sh: jailctl's network-status tool is not set up (JAILCTL_NODE, JAILCTL_TOOLS)" >&2
		return 1
	fi
	__NETWORK_CACHE="$("$JAILCTL_NODE" "$JAILCTL_TOOLS" network-status)" || return 1
	eval "$__NETWORK_CACHE"
}

# __network_field VAR INTERFACE FIELD: VAR=the field's value; 1 (and VAR unset) without one
__network_field() {
	local __nf_i=1 __nf_name __nf_value
	__network_load || { unset "$1"; return 1; }
	while [ "$__nf_i" -le "${__JC_NET_COUNT:-0}" ]; do
		eval "__nf_name=\$__JC_NET_${__nf_i}_name"
		if [ "$__nf_name" = "$2" ]; then
			eval "__nf_value=\${__JC_NET_${__nf_i}_$3}"
			[ -n "$__nf_value" ] || break
			eval "$1=\$__nf_value"
			return 0
		fi
		__nf_i=$((__nf_i + 1))
	done
	unset "$1"
	return 1
}

# __network_first VAR INTERFACE FIELD: the first word of the field
__network_first() {
	__network_field "$1" "$2" "$3" || return 1
	eval "$1=\${$1%% *}"
}

network_get_ipaddr() { __network_first "$1" "$2" ipaddrs; }
network_get_ipaddr6() { __network_first "$1" "$2" ipaddrs6; }
network_get_subnet() { __network_first "$1" "$2" subnets; }
network_get_ipaddrs() { __network_field "$1" "$2" ipaddrs; }
network_get_ipaddrs6() { __network_field "$1" "$2" ipaddrs6; }
network_get_subnets() { __network_field "$1" "$2" subnets; }
network_get_subnets6() { __network_field "$1" "$2" subnets6; }

# the first IPv6 subnet that is neither link-local nor ULA, else the first non-link-local one
network_get_subnet6() {
	local __ns_nets __ns_net
	network_get_subnets6 __ns_nets "$2" || { unset "$1"; return 1; }
	for __ns_net in $__ns_nets; do
		case "$__ns_net" in fe[89ab]?:*|f[cd]??:*) continue ;; esac
		eval "$1=\$__ns_net"
		return 0
	done
	for __ns_net in $__ns_nets; do
		case "$__ns_net" in fe[89ab]?:*) continue ;; esac
		eval "$1=\$__ns_net"
		return 0
	done
	eval "$1=\${__ns_nets%% *}"
}

# no delegated prefixes outside netifd
network_get_prefix6() { unset "$1"; return 1; }
network_get_prefixes6() { unset "$1"; return 1; }

network_get_ipaddrs_all() {
	local __na_4 __na_6
	network_get_ipaddrs __na_4 "$2"
	network_get_ipaddrs6 __na_6 "$2"
	if [ -n "$__na_4$__na_6" ]; then
		eval "$1=\${__na_4:+\$__na_4\${__na_6:+ }}\$__na_6"
		return 0
	fi
	unset "$1"
	return 1
}

network_get_gateway() { __network_field "$1" "$2" gateway; }
network_get_gateway6() { __network_field "$1" "$2" gateway6; }
network_get_dnsserver() { __network_field "$1" "$2" dns; }
network_get_dnssearch() { __network_field "$1" "$2" dnssearch; }
network_get_protocol() { __network_field "$1" "$2" proto; }
network_get_device() { __network_field "$1" "$2" device; }
network_get_physdev() { __network_field "$1" "$2" physdev; }
network_get_metric() { __network_field "$1" "$2" metric; }
# netifd's uptime is not known here
network_get_uptime() { unset "$1"; return 1; }

network_is_up() {
	local __nu_up
	__network_field __nu_up "$1" up && [ "$__nu_up" = 1 ]
}

# __network_wan VAR FIELD: the first interface (not loopback) that has FIELD (its default route)
__network_wan() {
	local __nw_i=1 __nw_name __nw_value
	__network_load || { eval "$1="; return 1; }
	while [ "$__nw_i" -le "${__JC_NET_COUNT:-0}" ]; do
		eval "__nw_name=\$__JC_NET_${__nw_i}_name; __nw_value=\${__JC_NET_${__nw_i}_$2}"
		if [ "$__nw_name" != loopback ] && [ -n "$__nw_value" ]; then
			eval "$1=\$__nw_name"
			return 0
		fi
		__nw_i=$((__nw_i + 1))
	done
	eval "$1="
	return 1
}

network_find_wan() { __network_wan "$1" gateway; }
network_find_wan6() { __network_wan "$1" gateway6; }

# netifd is not there to defer or release devices
network_defer_device() { return 0; }
network_ready_device() { return 0; }

network_flush_cache() {
	local __nc_i=1 __nc_f
	while [ "$__nc_i" -le "${__JC_NET_COUNT:-0}" ]; do
		for __nc_f in name up proto device physdev ipaddrs subnets ipaddrs6 subnets6 gateway gateway6 metric dns dnssearch; do
			unset "__JC_NET_${__nc_i}_$__nc_f"
		done
		__nc_i=$((__nc_i + 1))
	done
	unset __NETWORK_CACHE __JC_NET_COUNT
}
