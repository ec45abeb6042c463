# jailctl's /lib/functions/system.sh (written for jailctl, POSIX sh): MAC address helpers and
# the flash (mtd) lookups board scripts use. On a host without /proc/mtd the lookups find
# nothing and say so, as on a device without that partition.

# get_mac_binary FILE OFFSET: six bytes at OFFSET as aa:bb:cc:dd:ee:ff
get_mac_binary() {
	if ! [ -e "$1" ]; then
		echo "get_mac_binary: file $1 not found!" >&2
		return
	fi
	od -An -tx1 -v -j "$2" -N 6 "$1" 2>/dev/null | tr -s ' \n' ' ' | sed 's/^ //; s/ $//; s/ /:/g'
}

# get_mac_ascii FILE KEY: the value of KEY=... in a text file (as printed by strings)
get_mac_ascii() {
	local __ga_mac
	__ga_mac=$(strings "$1" 2>/dev/null | sed -n "s/^$2=//p" | head -n 1)
	[ -n "$__ga_mac" ] && macaddr_canonicalize "$__ga_mac"
}

get_mac_label() {
	local __gl_mac
	[ -r /proc/device-tree/aliases/label-mac-device ] || return 0
	__gl_mac=$(get_mac_binary "/proc/device-tree$(cat /proc/device-tree/aliases/label-mac-device)/mac-address" 0 2>/dev/null)
	[ -n "$__gl_mac" ] && echo "$__gl_mac"
}

find_mtd_chardev() {
	local __fc_index __fc_prefix=/dev/mtd
	__fc_index=$(find_mtd_index "$1")
	[ -d /dev/mtd ] && __fc_prefix=/dev/mtd/
	echo "${__fc_index:+$__fc_prefix$__fc_index}"
}

__jc_mtd_part() {
	local __mp_part
	__mp_part=$(find_mtd_part "$2")
	[ -n "$__mp_part" ] || echo "$1: partition $2 not found!" >&2
	echo "$__mp_part"
}

mtd_get_mac_ascii() {
	local __ma_part
	__ma_part=$(__jc_mtd_part mtd_get_mac_ascii "$1")
	[ -n "$__ma_part" ] && get_mac_ascii "$__ma_part" "$2"
}

mtd_get_mac_text() {
	local __mt_part __mt_mac
	__mt_part=$(__jc_mtd_part mtd_get_mac_text "$1")
	[ -n "$__mt_part" ] || return
	[ -n "$2" ] || { echo "mtd_get_mac_text: offset missing!" >&2; return; }
	__mt_mac=$(dd if="$__mt_part" bs=1 skip="$2" count=17 2>/dev/null)
	[ -n "$__mt_mac" ] && macaddr_canonicalize "$__mt_mac"
}

mtd_get_mac_binary() {
	local __mb_part
	__mb_part=$(__jc_mtd_part mtd_get_mac_binary "$1")
	[ -n "$__mb_part" ] && get_mac_binary "$__mb_part" "$2"
}

mtd_get_part_size() {
	local __ps_dev __ps_size __ps_erase __ps_name
	while read -r __ps_dev __ps_size __ps_erase __ps_name; do
		__ps_name=${__ps_name#\"}
		__ps_name=${__ps_name%\"}
		if [ "$__ps_name" = "$1" ]; then
			echo $((0x$__ps_size))
			break
		fi
	done </proc/mtd 2>/dev/null
}

# macaddr_add MAC N: MAC with N added to its last three bytes
macaddr_add() {
	local __ad_oui __ad_nic
	__ad_oui=${1%:*:*:*}
	__ad_nic=$(echo "${1#*:*:*:}" | tr -d ':')
	__ad_nic=$(printf "%06x" $(((0x$__ad_nic + $2) & 0xffffff)))
	echo "$__ad_oui:$(echo "$__ad_nic" | sed 's/^\(..\)\(..\)\(..\)$/\1:\2:\3/')"
}

__jc_mac_first() {
	printf "%02x:%s" "$1" "${2#*:}"
}

macaddr_setbit() { __jc_mac_first $((0x${1%%:*} | (1 << ${2:-0}))) "$1"; }
macaddr_unsetbit() { __jc_mac_first $((0x${1%%:*} & ~(1 << ${2:-0}))) "$1"; }
macaddr_setbit_la() { __jc_mac_first $((0x${1%%:*} | 0x02)) "$1"; }
macaddr_unsetbit_mc() { __jc_mac_first $((0x${1%%:*} & ~0x01)) "$1"; }

macaddr_random() {
	local __mr_mac
	__mr_mac=$(od -An -tx1 -N6 /dev/urandom | tr -s ' \n' ' ' | sed 's/^ //; s/ $//; s/ /:/g')
	macaddr_setbit_la "$(macaddr_unsetbit_mc "$__mr_mac")"
}

# macaddr_2bin MAC: the six bytes
macaddr_2bin() {
	local __2b_hex
	__2b_hex=$(echo "$1" | tr -d ':')
	printf "$(echo "$__2b_hex" | sed 's/\(..\)/\\x\1/g')"
}

# macaddr_canonicalize MAC: aa:bb:cc:dd:ee:ff from 6 groups of 1-2 digits (":", "-", "." or " "),
# 3 groups of 4, or 12 digits; nothing when it is not a MAC address
macaddr_canonicalize() {
	local __mc_in __mc_octets= __mc_group __mc_count=0
	__mc_in=$(printf '%s' "$1" | tr -d '"' | tr 'A-F' 'a-f')
	[ ${#__mc_in} -le 17 ] || return
	case "$__mc_in" in *[!0-9a-f.:\ -]*) return ;; esac
	for __mc_group in $(echo "$__mc_in" | tr '.:-' '   '); do
		case ${#__mc_group} in
			1) __mc_octets="$__mc_octets 0$__mc_group" ;;
			2) __mc_octets="$__mc_octets $__mc_group" ;;
			4) __mc_octets="$__mc_octets $(echo "$__mc_group" | sed 's/\(..\)\(..\)/\1 \2/')" ;;
			12) __mc_octets="$__mc_octets $(echo "$__mc_group" | sed 's/\(..\)/\1 /g')" ;;
			*) return ;;
		esac
	done
	set -- $__mc_octets
	[ $# -eq 6 ] || return
	printf "%s:%s:%s:%s:%s:%s" "$@"
}
