# jailctl's /lib/functions/procd.sh: the procd shell API of jailctl's shim (which rc.common has
# already loaded for the script) and the validation helpers OpenWrt's procd.sh holds.
command -v procd_open_instance >/dev/null 2>&1 || . "$JAILCTL_SHIM/procd.sh"
command -v uci_validate_section >/dev/null 2>&1 || . "$JAILCTL_SHIM/validate.sh"
