# uci_validate_section and uci_load_validate (OpenWrt keeps them in /lib/functions/procd.sh),
# over validate_data: ubox's on OpenWrt, jailctl's elsewhere (sbin/validate_data beside the
# library). Values are checked and normalised (bool words become 0/1); an invalid one is unset,
# and the status tells the script, which then refuses to start the instance, as under procd.

__jc_validate_data="${JAILCTL_LIBROOT:-}/sbin/validate_data"

# uci_validate_section PACKAGE TYPE SECTION 'option:datatype[:default]'...: sets each option's
# variable; the status is 0 when every option validated. On failure the checks are printed.
uci_validate_section() {
	local _package="$1" _type="$2" _name="$3" _result _error
	shift 3
	_result=$("$__jc_validate_data" "$_package" "$_type" "$_name" "$@" 2>/dev/null)
	_error=$?
	eval "$_result"
	[ "$_error" = 0 ] || "$__jc_validate_data" "$_package" "$_type" "$_name" "$@" >/dev/null
	return "$_error"
}

# uci_load_validate PACKAGE TYPE SECTION FUNCTION 'option:datatype[:default]'...: the options
# become local variables of this call, then FUNCTION SECTION STATUS runs with them
uci_load_validate() {
	local _package="$1" _type="$2" _name="$3" _function="$4" _option _result
	shift 4
	for _option in "$@"; do
		eval "local ${_option%%:*}"
	done
	uci_validate_section "$_package" "$_type" "$_name" "$@"
	_result=$?
	[ -n "$_function" ] || return "$_result"
	eval "$_function \"\$_name\" \"\$_result\""
}
