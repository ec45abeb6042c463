// Runs a shell script as the README's reader would, as root, without touching this machine: in
// a new mount, network and pid namespace (what the script leaves running dies with it), chrooted into an overlay of / whose writes go to a tmpfs,
// with a private /tmp and /run, lo up, the root pivoted there, and `jailctl` on PATH as `npm run setup` links it. The
// checkout is the one these tests were built from; the script starts in it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CLI, REPO } from './jailctl.js';

const SETUP = `set -e
mount -t tmpfs tmpfs "$BOX"
mkdir "$BOX/upper" "$BOX/work" "$BOX/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$BOX/upper,workdir=$BOX/work" "$BOX/root"
for d in sys dev; do mount --rbind "/$d" "$BOX/root/$d"; done
mount -t proc proc "$BOX/root/proc"
mount -t tmpfs tmpfs "$BOX/root/tmp"
mount -t tmpfs tmpfs "$BOX/root/run"
ip link set lo up
ln -sf "$CLI" "$BOX/root/usr/local/bin/jailctl"
# pivot_root, not a bare chroot: the kernel refuses new user namespaces (run --userns) to a chrooted process
cd "$BOX/root" && pivot_root . mnt && umount -l /mnt
exec chroot . /bin/sh -c 'cd "$REPO" && exec /bin/sh -e -c "$SCRIPT"'
`;

export interface SandboxResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Whether the sandbox can be built here (root, unshare, overlayfs, ip). */
export function sandboxProblem(): string | undefined {
  if (process.geteuid?.() !== 0) return 'needs root';
  const r = runInSandbox('true', 30_000);
  return r.status === 0 ? undefined : `cannot build the sandbox: ${r.stderr.trim()}`;
}

export function runInSandbox(script: string, timeoutMs = 120_000): SandboxResult {
  const box = mkdtempSync(join(tmpdir(), 'jailctl-sandbox-'));
  try {
    const r = spawnSync('unshare', ['--mount', '--net', '--pid', '--fork', '/bin/sh', '-c', SETUP], {
      encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20, env: { PATH: `/usr/local/bin:${dirname(process.execPath)}:/usr/bin:/bin:/usr/sbin:/sbin`, BOX: box, CLI, REPO: REPO.replace(/\/$/, ''), SCRIPT: script },
    });
    return { status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}` };
  } finally {
    rmSync(box, { recursive: true, force: true });
  }
}
