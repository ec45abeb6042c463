#!/usr/bin/env bash
# The Debian packages jailctl's build and tests use, in one place (.ci/run and `npm test` both
# call this). As root with apt-get it installs what is missing; otherwise it lists what is
# missing, and the tests that need it skip with a reason.
#   scripts/test-deps.sh build   what `npm ci` needs (compiler, static libc)
#   scripts/test-deps.sh test    what the test suite uses
set -euo pipefail
mode=${1:-test}

has() { command -v "$1" >/dev/null 2>&1; }
# the static libc the launcher links against
static_libc() { local m; m=$(gcc -print-multiarch 2>/dev/null || true); [ -z "$m" ] || [ -f "/usr/lib/$m/libc.a" ]; }
py_seccomp() { [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import seccomp' 2>/dev/null; }

missing=()
need() { # need PACKAGE CHECK...
  local package=$1; shift
  "$@" || missing+=("$package")
}

case "$mode" in
  build)
    need gcc has gcc
    need make has make
    need libc6-dev static_libc
    # the failsafe daemon is built against musl when it is there (0.1 MB resident, not 0.8)
    need musl-tools has musl-gcc
    ;;
  test)
    need seccomp has scmp_sys_resolver
    need python3-seccomp py_seccomp
    need busybox has busybox
    need strace has strace
    need bubblewrap has bwrap
    need procps has pgrep
    need nftables has nft
    need iproute2 has ip
    need e2fsprogs has chattr
    # real services the baseline filter, the service and the profile tests run
    # (test/integration/baseline-services, service-daemons, network-service-example)
    need keyutils has keyctl
    need dnsmasq-base test -x /usr/sbin/dnsmasq
    need dropbear-bin test -x /usr/sbin/dropbear
    need mosquitto test -x /usr/sbin/mosquitto
    need python3 test -x /usr/bin/python3
    # OCI runtimes the traced profiles are run under (test/integration/oci-runtimes)
    need runc has runc
    need crun has crun
    need rsync test -x /usr/bin/rsync
    # npm run build:targets and its tests under qemu-user (test/native/targets-*.test.ts)
    need musl-tools has musl-gcc
    for triplet in aarch64-linux-gnu arm-linux-gnueabihf mipsel-linux-gnu mips-linux-gnu; do
      need "gcc-$triplet" has "$triplet-gcc"
    done
    need qemu-user-static has qemu-mips-static
    ;;
  *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac

# the tests fetch the other busybox build (busybox-static) with `apt-get download`: apt's lists
if [ "$mode" = test ] && [ "$(id -u)" = 0 ] && has apt-cache && ! apt-cache policy busybox-static 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  apt-get update -qq || true
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && has apt-get; then
  echo "jailctl: installing the Debian packages the $mode step needs: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # a daemon package (dnsmasq, mosquitto ...) must not start a system service on install
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "jailctl: missing Debian packages: ${missing[*]}; the tests that need them are skipped (as root: apt-get install ${missing[*]})" >&2
fi
