#!/usr/bin/env bash
# `npm run setup`: puts `jailctl` on PATH (a symlink to this checkout's dist/jailctl.cjs), then
# runs the shipped demo through it. As root the link goes to /usr/local/bin, which sudo's
# secure_path also searches; otherwise to ~/.local/bin.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/dist/jailctl.cjs"
[ -x "$bin" ] || { echo "jailctl: $bin is missing; run npm ci (or npm run build) first" >&2; exit 1; }

if [ "$(id -u)" = 0 ]; then dir=/usr/local/bin; else dir="$HOME/.local/bin"; fi
mkdir -p "$dir"
ln -sfn "$bin" "$dir/jailctl"
echo "jailctl: installed $dir/jailctl -> $bin"
case ":$PATH:" in
  *":$dir:"*) ;;
  *) echo "jailctl: $dir is not on your PATH; add it (export PATH=\"$dir:\$PATH\")" >&2 ;;
esac

if [ "$(id -u)" != 0 ]; then
  echo "jailctl: jails need root; run the demo with: sudo jailctl run --proc --dev -- /bin/ls -lR /usr /dev"
  exit 0
fi
echo "jailctl: the demo: /bin/ls in a jail holding only ls, its libraries (found by parsing ELF) and a minimal /dev:"
echo "\$ jailctl run --proc --dev -- /bin/ls -lR /usr /dev"
exec "$dir/jailctl" run --proc --dev -- /bin/ls -lR /usr /dev
