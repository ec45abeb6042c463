# The OpenWrt shell environment an init script gets under procd, loaded by rc.common:
# /lib/functions.sh (with /lib/config/uci.sh), /lib/functions/service.sh (OpenWrt's rc.common
# loads both) and /usr/share/libubox/jshn.sh (OpenWrt's procd.sh loads it), plus the
# validation helpers of OpenWrt's procd.sh. They are OpenWrt's own where the host has them
# (JAILCTL_LIBROOT empty: /lib/functions.sh and /sbin/uci exist), else jailctl's from
# openwrt/ beside this file, seen at the same paths in the evaluation's mount namespace
# (JAILCTL_LIBROOT empty too) or, where no namespace could be made, read from there
# (JAILCTL_LIBROOT=that folder; a script's own `. /lib/functions.sh` then fails).

# run without jailctl's evaluation (no JAILCTL_LIBROOT) on a host without the libraries: ours
if [ -z "${JAILCTL_LIBROOT+x}" ] && [ ! -f /lib/functions.sh ]; then
	JAILCTL_LIBROOT="$JAILCTL_SHIM/openwrt"
fi

. "${JAILCTL_LIBROOT:-}/lib/functions.sh"
[ -f "${JAILCTL_LIBROOT:-}/lib/functions/service.sh" ] && . "${JAILCTL_LIBROOT:-}/lib/functions/service.sh"
. "${JAILCTL_LIBROOT:-}/usr/share/libubox/jshn.sh"
. "$JAILCTL_SHIM/validate.sh"
