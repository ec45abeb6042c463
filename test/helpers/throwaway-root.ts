// Runs a command in a throwaway view of this host (root only): a private mount, UTS, IPC, pid
// and network namespace whose root is an overlay of / over a tmpfs, so that whatever the
// command writes (real init scripts run start_service for real) vanishes with it. The checkout
// itself stays visible at its own path: an overlay of / holds no other mount, and /tmp is a new
// tmpfs, so a checkout under /tmp or on a mount of its own would vanish with the rest.
import { spawnSync } from 'node:child_process';
import { findOnPath } from '../../src/io/find-on-path.js';
import { REPO } from './jailctl.js';

const SETUP = `set -e
keep=$1; shift
box=$(mktemp -d /tmp/jailctl-throwaway.XXXXXX)
mount -t tmpfs tmpfs "$box"
mkdir "$box/upper" "$box/work" "$box/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$box/upper,workdir=$box/work" "$box/root"
for d in proc sys dev; do mount --rbind "/$d" "$box/root/$d"; done
mount -t tmpfs tmpfs "$box/root/tmp"
mkdir -p "$box/root$keep" && mount --rbind "$keep" "$box/root$keep"
ip link set lo up 2>/dev/null || true
exec chroot "$box/root" "$@"`;

/** Why a throwaway root cannot be made here, or undefined when it can. */
export function throwawayUnavailable(): string | undefined {
  if (process.geteuid?.() !== 0) return 'needs root (mount namespaces and an overlay of /)';
  if (findOnPath('unshare') === undefined) return 'unshare is not installed';
  const probe = spawnSync('unshare', [...FLAGS, '/bin/sh', '-c', SETUP, 'probe', REPO, '/bin/true'], { stdio: 'ignore', timeout: 20_000 });
  return probe.status === 0 ? undefined : 'an overlay of / cannot be mounted here';
}

const FLAGS = ['--mount', '--uts', '--ipc', '--pid', '--net', '--fork', '--propagation', 'private', '--'];

/** The command line that runs argv in a throwaway root. */
export function throwawayCommand(argv: readonly string[]): string[] {
  return ['unshare', ...FLAGS, '/bin/sh', '-c', SETUP, 'throwaway', REPO, ...argv];
}
